#include "web/change_record.h"

#include <algorithm>
#include <set>

#include "calendar/bound_text.h"
#include "time/zone.h"
#include "web/page.h"

namespace deadline::web {

namespace {

// A written close ("2024-11", "2024-10-18T24:00") as people read it; the text itself when it no
// longer parses (it was written by an older version of the calendar format).
std::string close_text(const RevisionWindow& w) {
  const auto spec = parse_bound(w.closes, BoundSide::closes);
  if (!spec) return w.closes;
  const auto at = resolve_bound(*spec, BoundSide::closes, shanghai_zone());
  if (!at) return w.closes;
  return close_for_people(Bound{*spec, *at}, shanghai_zone(), w.status == WindowStatus::estimated);
}

std::string open_text(const RevisionWindow& w) {
  if (w.opens.empty()) return "未写明";
  const auto spec = parse_bound(w.opens, BoundSide::opens);
  if (!spec) return w.opens;
  const auto at = resolve_bound(*spec, BoundSide::opens, shanghai_zone());
  if (!at) return w.opens;
  return open_for_people(Bound{*spec, *at}, shanghai_zone(), w.status == WindowStatus::estimated);
}

std::string kind_sentence(const WindowChange& c, ChangeKind kind) {
  const RevisionWindow* b = c.before ? &*c.before : nullptr;
  const RevisionWindow* a = c.after ? &*c.after : nullptr;
  switch (kind) {
    case ChangeKind::cancelled: return "已撤回：本次申报取消（原定截止：" + close_text(*b) + "）";
    case ChangeKind::moved:
      return std::string("截止时间") + (c.moved_later ? "推迟" : "提前") + "：由" + close_text(*b) + "改为" +
             close_text(*a);
    case ChangeKind::confirmed: return "时间已确认：" + close_text(*a) + "（此前为" + close_text(*b) + "）";
    case ChangeKind::added: return (b ? "恢复申报，截止：" : "新增申报批次，截止：") + close_text(*a);
    case ChangeKind::removed: return "已从日历中删除（原定截止：" + close_text(*b) + "）";
    case ChangeKind::estimate_dropped: return "不再预估：" + close_text(*b) + "的预估不再提供";
    case ChangeKind::opens_changed: return "开始时间改为：" + open_text(*a);
    case ChangeKind::phrase_changed: return "原文改为：「" + a->phrase + "」";
  }
  return "";
}

}  // namespace

ChangeLog change_log_of(const std::vector<store::RevisionRecord>& revisions) {
  ChangeLog log;
  for (const store::RevisionRecord& r : revisions) {
    for (const WindowChange& c : r.changes) log[c.either().facts.programme_id].push_back({r.recorded_at, c});
  }
  return log;
}

std::string change_sentence(const WindowChange& change) {
  std::string sentence;
  for (const ChangeKind kind : change.kinds) sentence += (sentence.empty() ? "" : "；") + kind_sentence(change, kind);
  return sentence + "。";
}

std::string change_record_html(const std::vector<ChangeEntry>& entries) {
  std::string html = "<section aria-labelledby=\"changes-heading\">\n<h2 id=\"changes-heading\">变更记录</h2>\n";
  if (entries.empty()) return html + "<p>尚无变更。</p>\n</section>\n";
  html += "<ol class=\"changes\">\n";
  for (const ChangeEntry& e : entries) {
    const auto local = date::floor<date::days>(shanghai_zone().to_local(e.recorded_at));
    const date::year_month_day day{local};
    html += "<li><time datetime=\"" + date::format("%F", day) + "\">" + day_for_people(day) + "</time> " +
            escape(change_sentence(e.change));
    if (e.change.after && !e.change.after->source.empty()) {
      const NoticeSource& s = e.change.after->source;
      html += "<br><span class=\"note\">依据：《" + escape(s.title) + "》（" + escape(s.issuer) + "，" + escape(s.date) + "）";
      if (!s.url.empty()) html += " <a href=\"" + escape(s.url) + "\" rel=\"noopener noreferrer\">查看通知</a>";
      html += "</span>";
    }
    html += "</li>\n";
  }
  return html + "</ol>\n</section>\n";
}

std::vector<WindowChange> withdrawn_windows(const std::vector<ChangeEntry>& entries,
                                            const std::vector<const Window*>& current, Instant now) {
  std::set<std::string> seen;
  std::vector<WindowChange> withdrawn;
  for (const ChangeEntry& entry : entries) {
    const WindowChange& c = entry.change;
    if (!seen.insert(c.window_id).second || c.after || !c.before || c.before->closes_at <= now) continue;
    if (std::any_of(current.begin(), current.end(), [&](const Window* w) { return w->id() == c.window_id; })) continue;
    withdrawn.push_back(c);
  }
  return withdrawn;
}

}  // namespace deadline::web
