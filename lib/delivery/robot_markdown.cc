#include "delivery/robot_markdown.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "wording/delivery_wording.h"

namespace deadline::delivery {

namespace {

// Room kept for what follows the whole reminders when some do not fit: the heading of the short
// list and at least one of its lines, or the closing count.
constexpr std::size_t kReserveForRest = 160;
// Room kept for the closing count "……另有 N 项未能列出" while short lines are added.
constexpr std::size_t kReserveForCount = 64;

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// Text from the calendar on one line: a line break inside a field would break the layout.
std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) out += (c == '\n' || c == '\r') ? ' ' : c;
  return out;
}

// A URL inside markdown's (…): the characters that would end or break it are percent-encoded.
std::string link_target(std::string_view url) {
  std::string out;
  for (const char c : url) {
    switch (c) {
      case ' ': out += "%20"; break;
      case '(': out += "%28"; break;
      case ')': out += "%29"; break;
      case '<': out += "%3C"; break;
      case '>': out += "%3E"; break;
      case '"': out += "%22"; break;
      default: out += c;
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& lines, std::string_view separator) {
  std::string out;
  for (const std::string& line : lines) {
    if (!out.empty()) out += separator;
    out += line;
  }
  return out;
}

std::string full_entry(const render::ReminderView& v, std::size_t number, bool numbered,
                       const RobotMarkdownDialect& dialect) {
  const std::string title = (numbered ? std::to_string(number) + ". " : "") +
                            (v.test ? std::string(wording::kTestMarker) : std::string()) + one_line(v.title);
  std::vector<std::string> lines;
  lines.push_back(dialect.headings ? "### " + title : "**" + title + "**");
  lines.push_back("**截止：" + one_line(v.closes_text) + "**" +
                  (v.estimated ? "（预计：以主管部门正式通知为准）" : "（" + v.status_label + "）"));
  lines.push_back("**" + v.days_left_text + "**");
  if (!v.cap_reason.empty()) lines.push_back("提前截止：" + one_line(v.cap_reason));
  if (!v.phrase.empty()) {
    lines.push_back(dialect.quotes ? "> " + one_line(v.phrase) : "原文：「" + one_line(v.phrase) + "」");
  }
  if (!v.opens_text.empty()) lines.push_back("开始：" + one_line(v.opens_text));
  if (!v.actor.empty()) lines.push_back("办理：" + one_line(v.actor));
  if (!v.authority.empty()) lines.push_back("主管：" + one_line(v.authority));
  std::string contact = one_line(v.contact);
  if (!v.phones.empty()) {
    std::string phones;
    for (const std::string& phone : v.phones) phones += (phones.empty() ? "" : "、") + one_line(phone);
    contact += (contact.empty() ? "" : " ") + phones;
  }
  if (!contact.empty()) lines.push_back("联系：" + contact);
  for (const render::AddressView& a : v.addresses) {
    // A web address that may be linked is a markdown link; a mailbox, a postal address and a
    // misprint (原文如此) are text.
    const bool web = a.href.starts_with("https://") || a.href.starts_with("http://");
    if (web && a.note.empty()) {
      lines.push_back(a.label + "：" + (a.name.empty() ? "" : one_line(a.name) + " ") + "[" + one_line(a.printed) +
                      "](" + link_target(a.href) + ")");
    } else {
      lines.push_back(a.label + "：" + one_line(a.text()));
    }
  }
  if (!v.link.empty()) lines.push_back("[查看通知原文](" + link_target(v.link) + ")");
  // A quoted line runs on into the next unless a blank line or a break ends it: the quote is
  // followed by a paragraph break in every dialect.
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += lines[i - 1].starts_with("> ") ? std::string("\n\n") : std::string(dialect.line_break);
    out += lines[i];
  }
  return out;
}

std::string short_entry(const render::ReminderView& v) {
  return "- " + (v.test ? std::string(wording::kTestMarker) : std::string()) + one_line(v.title) + "：截止 " + one_line(v.closes_text) + "，" + v.days_left_text;
}

std::string robot_title_text(bool changes_only, bool test) {
  return (test ? std::string(wording::kTestMarker) : std::string()) +
         std::string(changes_only ? kRobotChangeTitle : kRobotMessageTitle);
}

std::string robot_change_entry(const render::ChangeView& c, std::size_t number, bool numbered,
                               const RobotMarkdownDialect& dialect) {
  const std::string title = (numbered ? std::to_string(number) + ". " : "") + c.tag + one_line(c.title);
  std::vector<std::string> lines;
  lines.push_back(dialect.headings ? "### " + title : "**" + title + "**");
  lines.push_back("**" + one_line(c.what) + "**");
  for (const auto* side : {c.previous ? &*c.previous : nullptr, c.current ? &*c.current : nullptr}) {
    if (side) lines.push_back(side->label + "：" + one_line(side->when_text));
  }
  const render::ChangeSideView* said = c.current ? &*c.current : c.previous ? &*c.previous : nullptr;
  if (said && !said->phrase.empty()) {
    lines.push_back(dialect.quotes ? "> " + one_line(said->phrase) : "原文：「" + one_line(said->phrase) + "」");
  }
  // The notice the change rests on: the current window's, else the one that withdrew it.
  const render::ChangeSideView* source =
      c.current && !c.current->source_text.empty() ? &*c.current
      : c.previous && !c.previous->source_text.empty() ? &*c.previous
                                                       : nullptr;
  if (source) {
    const bool web = source->source_url.starts_with("https://") || source->source_url.starts_with("http://");
    lines.push_back("依据：" + (web ? "[" + one_line(source->source_text) + "](" + link_target(source->source_url) + ")"
                                    : one_line(source->source_text)));
  }
  if (!c.overdue_text.empty()) lines.push_back("**" + one_line(c.overdue_text) + "**");
  lines.push_back(one_line(c.advice));
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += lines[i - 1].starts_with("> ") ? std::string("\n\n") : std::string(dialect.line_break);
    out += lines[i];
  }
  return out;
}

std::string robot_change_short_entry(const render::ChangeView& c) {
  return "- " + c.tag + one_line(c.title) + "：" + one_line(c.what);
}

}  // namespace

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  // Back up to the start of the character that straddles the limit (or to the limit itself when
  // a character starts exactly there).
  while (end > 0 && is_continuation(static_cast<unsigned char>(text[end]))) --end;
  return text.substr(0, end);
}

std::string robot_title(std::size_t reminders, std::size_t changes, bool test) {
  std::string title = robot_title_text(reminders == 0 && changes > 0, test);
  if (reminders + changes > 1) title += "（" + std::to_string(reminders + changes) + " 项）";
  return title;
}

std::string robot_markdown(std::vector<render::ReminderView> views, const RobotMarkdownDialect& dialect,
                           std::size_t max_bytes, bool with_title) {
  return robot_markdown(std::move(views), {}, dialect, max_bytes, with_title);
}

std::string robot_markdown(std::vector<render::ReminderView> views, std::vector<render::ChangeView> changes,
                           const RobotMarkdownDialect& dialect, std::size_t max_bytes, bool with_title) {
  render::sort_for_reading(views);
  std::stable_sort(changes.begin(), changes.end(), [](const render::ChangeView& a, const render::ChangeView& b) {
    return std::tie(a.closes, a.title, a.window_id) < std::tie(b.closes, b.title, b.window_id);
  });
  // Every entry, changes first, as a whole entry and as the short line used when space runs out.
  struct Entry {
    std::string full, brief;
  };
  std::vector<Entry> entries;
  const std::size_t total = views.size() + changes.size();
  const bool numbered = total > 1;
  for (const render::ChangeView& c : changes) {
    entries.push_back({robot_change_entry(c, entries.size() + 1, numbered, dialect), robot_change_short_entry(c)});
  }
  for (const render::ReminderView& v : views) {
    entries.push_back({full_entry(v, entries.size() + 1, numbered, dialect), short_entry(v)});
  }

  const std::string paragraph = "\n\n";
  const bool test = render::only_tests(views) && changes.empty();
  const std::string title = robot_title_text(views.empty() && !changes.empty(), test);
  std::vector<std::string> head;
  if (with_title) head.push_back(dialect.headings ? "## " + title : "**" + title + "**");
  if (test) head.push_back(std::string(wording::test_reminder_note()));
  if (changes.empty() && views.size() > 1) {
    head.push_back("共 " + std::to_string(views.size()) + " 项，截止早的在前。");
  } else if (views.empty() && changes.size() > 1) {
    head.push_back("共 " + std::to_string(changes.size()) + " 项申报时间有变化，截止早的在前。");
  } else if (!views.empty() && !changes.empty()) {
    head.push_back("共 " + std::to_string(changes.size()) + " 项申报时间有变化（在前），" + std::to_string(views.size()) +
                   " 项即将截止。");
  }
  std::string out = join(head, dialect.line_break);

  const auto append = [&](const std::string& piece, std::string_view separator) {
    if (!out.empty()) out += separator;
    out += piece;
  };
  const auto fits = [&](const std::string& piece, std::size_t reserve) {
    return out.size() + paragraph.size() + piece.size() + reserve <= max_bytes;
  };

  std::size_t shown = 0;
  for (; shown < entries.size(); ++shown) {
    const std::string& entry = entries[shown].full;
    const bool last = shown + 1 == entries.size();
    if (fits(entry, last ? 0 : kReserveForRest)) {
      append(entry, paragraph);
      continue;
    }
    if (shown == 0 && last) {
      // One entry longer than the whole message (a very long phrase): cut, at a character.
      const std::size_t used = out.empty() ? 0 : out.size() + paragraph.size();
      const std::string_view ellipsis = "…";
      if (used + ellipsis.size() < max_bytes) {
        append(std::string(utf8_prefix(entry, max_bytes - used - ellipsis.size())) + std::string(ellipsis), paragraph);
        ++shown;
      }
    }
    break;
  }

  if (shown < entries.size()) {
    const std::string rest_heading = "**另有 " + std::to_string(entries.size() - shown) + " 项（篇幅所限，只列标题）：**";
    std::size_t listed = shown;
    if (fits(rest_heading, kReserveForCount)) {
      append(rest_heading, paragraph);
      for (; listed < entries.size(); ++listed) {
        const std::string& line = entries[listed].brief;
        const bool last = listed + 1 == entries.size();
        if (out.size() + dialect.line_break.size() + line.size() + (last ? 0 : kReserveForCount) > max_bytes) break;
        append(line, dialect.line_break);
      }
    }
    if (listed < entries.size()) {
      append("……另有 " + std::to_string(entries.size() - listed) + " 项未能列出", paragraph);
    }
  }
  // Whatever happened above, never more than max_bytes and never half a character.
  return std::string(utf8_prefix(out, max_bytes));
}

}  // namespace deadline::delivery
