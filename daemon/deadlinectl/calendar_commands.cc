#include "deadlinectl/calendar_commands.h"

#include <chrono>
#include <ostream>

#include "calendar/bound_text.h"
#include "calendar/json_export.h"
#include "calendar/loader.h"
#include "calendar/upcoming.h"
#include "render/reminder_view.h"
#include "time/iso8601.h"

namespace deadline::ctl {

namespace {

LoadOutcome load(const CalendarSource& source) {
  std::error_code ec;
  if (std::filesystem::is_directory(source.path, ec)) {
    return load_calendar_dir(source.path, source.projection);
  }
  return load_calendar_files({source.path}, source.projection);
}

std::string status_label(const Window& w) { return w.cancelled() ? "已撤回" : w.estimated() ? "预计" : "确定"; }

void print_window_lines(const Window& w, const Calendar& calendar, std::ostream& out) {
  const Programme* p = calendar.find_programme(w.programme_id);
  out << format_close_for_people(w.closes.at, *w.zone) << "  " << status_label(w) << "  "
      << (p ? p->title : w.programme_id) << "  [" << w.id() << "]\n";
  out << "    「" << w.phrase << "」 " << w.actor;
  if (w.opens) out << " · 开始 " << format_open_for_people(w.opens->at, *w.zone);
  if (w.projected_from) out << " · 按" << *w.projected_from << "年申报时间推算";
  out << '\n';
  if (w.cap) {
    out << "    为何提前：" << w.cap->reason << "（手册所载截止：" << close_for_people(w.cap->printed_closes, *w.zone, true)
        << "；依据 [" << w.cap->by_window << "]）\n";
  }
}

void print_programme(const Programme& p, const Calendar& calendar, std::ostream& out) {
  out << p.title << "  [" << p.id << "]\n"
      << "  手册：" << p.edition_id << " 第" << p.number << "项，第" << p.page << "页\n"
      << "  部门：" << p.group << " · " << p.category << '\n'
      << "  联系：" << p.contact;
  for (const Phone& phone : p.phones) {
    out << "  " << phone.number << (phone.area_code_inferred ? "（区号为推断）" : "");
  }
  out << '\n';
  if (!p.authority.empty()) out << "  受理/主管：" << p.authority << '\n';
  for (const render::AddressView& a : render::addresses_for_people(p.addresses)) {
    out << "  " << a.label << "：" << a.text() << '\n';
  }
  out << "  链接：" << p.link << '\n'
      << "  申报条件：" << p.eligibility << '\n'
      << "  每年举办：" << (p.recurs ? "是" : "否") << "（" << p.recurs_reason << "）\n"
      << "  申报窗口：\n";
  for (const Window* w : calendar.windows_of(p.id)) {
    out << "  ";
    print_window_lines(*w, calendar, out);
  }
}

void print_policy(const Policy& p, std::ostream& out) {
  out << p.title << "  [" << p.id << "]（政策）\n"
      << "  手册：" << p.edition_id << " 政策图解第" << p.number << "项，第" << p.page << "页\n"
      << "  内容：" << p.summary << '\n'
      << "  执行期限：" << p.period_phrase;
  if (p.in_force_from) out << " · 自 " << p.in_force_from->spec.text();
  if (p.in_force_until) out << " · 至 " << p.in_force_until->spec.text();
  out << '\n';
}

std::optional<Calendar> report(LoadOutcome outcome, std::ostream& err) {
  for (const std::string& e : outcome.errors) err << e << '\n';
  if (!outcome.calendar) {
    err << "deadlinectl: " << outcome.errors.size() << " error(s); calendar rejected\n";
  }
  return std::move(outcome.calendar);
}

}  // namespace

std::optional<Calendar> load_or_report(const CalendarSource& source, std::ostream& err) {
  return report(load(source), err);
}


int check_command(const CalendarSource& source, std::ostream& out, std::ostream& err) {
  LoadOutcome outcome = load(source);
  for (const std::string& note : outcome.notes) out << note << '\n';
  const std::optional<Calendar> calendar = report(std::move(outcome), err);
  if (!calendar) return 1;
  out << source.path.string() << ": ok — " << calendar->editions().size() << " edition(s), "
      << calendar->programmes().size() << " programmes, " << calendar->policies().size()
      << " policies, " << calendar->windows().size() << " windows (revision "
      << calendar->revision() << ")\n";
  return 0;
}

int upcoming_command(const CalendarSource& source, const UpcomingOptions& options,
                     std::ostream& out, std::ostream& err) {
  Instant at = date::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  if (options.at) {
    const Result<Instant> parsed = parse_iso8601(*options.at);
    if (!parsed) {
      err << "deadlinectl: --at: " << parsed.error() << '\n';
      return 2;
    }
    at = *parsed;
  }
  const std::optional<Calendar> calendar = load_or_report(source, err);
  if (!calendar) return 1;
  const auto windows = upcoming_windows(*calendar, {at, date::days{options.days}});
  if (options.json) {
    out << upcoming_json(*calendar, at, options.days, windows).dump(2) << '\n';
    return 0;
  }
  const date::time_zone& zone = *calendar->editions().front().zone;
  out << "自 " << format_open_for_people(at, zone) << "（" << zone.name() << "）起 " << options.days
      << " 天内：" << windows.size() << " 个申报窗口（预计 = 手册申报时间仅供参考，以当年通知为准）\n";
  for (const Window* w : windows) print_window_lines(*w, *calendar, out);
  return 0;
}

int show_command(const CalendarSource& source, const std::string& id, bool json, std::ostream& out,
                 std::ostream& err) {
  const std::optional<Calendar> calendar = load_or_report(source, err);
  if (!calendar) return 1;
  if (const Programme* p = calendar->find_programme(id)) {
    if (json) {
      out << programme_json(*p, *calendar).dump(2) << '\n';
    } else {
      print_programme(*p, *calendar, out);
    }
    return 0;
  }
  if (const Policy* p = calendar->find_policy(id)) {
    if (json) {
      out << policy_json(*p).dump(2) << '\n';
    } else {
      print_policy(*p, out);
    }
    return 0;
  }
  err << "deadlinectl: no programme or policy '" << id << "'\n";
  return 1;
}

int export_command(const CalendarSource& source, const std::string& format, std::ostream& out,
                   std::ostream& err) {
  const std::optional<Calendar> calendar = load_or_report(source, err);
  if (!calendar) return 1;
  if (format == "json") {
    out << calendar_json(*calendar).dump(2) << '\n';
    return 0;
  }
  err << "deadlinectl: unknown export format '" << format << "'\n";
  return 2;
}

}  // namespace deadline::ctl
