#include "render/change_view.h"

#include <algorithm>
#include <tuple>

#include "calendar/bound.h"
#include "calendar/bound_text.h"
#include "schedule/lead.h"
#include "time/zone.h"
#include "web/lead_labels.h"

namespace deadline::render {

namespace {

constexpr std::string_view kCvEstimatePrefix = "预计";

std::string cv_strip_estimate(std::string text) {
  if (text.starts_with(kCvEstimatePrefix)) text.erase(0, kCvEstimatePrefix.size());
  return text;
}

// A written bound as people read it (close_for_people / open_for_people); the written text
// itself when it does not parse (a record written by an older calendar format).
std::string cv_bound_text(const std::string& written, BoundSide side, bool estimated) {
  const auto spec = parse_bound(written, side);
  if (!spec) return written;
  const auto at = resolve_bound(*spec, side, shanghai_zone());
  if (!at) return written;
  const Bound bound{*spec, *at};
  return side == BoundSide::closes ? close_for_people(bound, shanghai_zone(), estimated)
                                   : open_for_people(bound, shanghai_zone(), estimated);
}

// The close without its year when the year is `this_year` and the close is known to a month or
// better: "12月10日 17:30", "预计11月". A year-precision close keeps its year.
std::string cv_brief_close(const RevisionWindow& w, int this_year) {
  const bool estimated = w.status == WindowStatus::estimated;
  std::string text = cv_bound_text(w.closes, BoundSide::closes, estimated);
  const auto spec = parse_bound(w.closes, BoundSide::closes);
  if (!spec || spec->precision == Precision::year || static_cast<int>(spec->date.year()) != this_year) return text;
  const std::string year = std::to_string(this_year) + "年";
  const std::size_t at = text.starts_with(kCvEstimatePrefix) ? kCvEstimatePrefix.size() : 0;
  if (text.compare(at, year.size(), year) == 0) text.erase(at, year.size());
  return text;
}

std::string cv_source_text(const NoticeSource& s) {
  if (s.empty()) return {};
  std::string detail = s.issuer;
  if (!s.date.empty()) detail += (detail.empty() ? "" : "，") + s.date;
  return "《" + s.title + "》" + (detail.empty() ? "" : "（" + detail + "）");
}

ChangeSideView cv_side(const RevisionWindow& w, bool is_previous, bool has_other_side) {
  ChangeSideView side;
  side.estimated = w.status == WindowStatus::estimated;
  side.cancelled = w.status == WindowStatus::cancelled;
  side.status_label = side.cancelled ? "已撤回" : side.estimated ? "预计" : "已确认";
  side.closes_text = cv_bound_text(w.closes, BoundSide::closes, side.estimated);
  if (!w.opens.empty()) side.opens_text = cv_bound_text(w.opens, BoundSide::opens, side.estimated);
  side.phrase = w.phrase;
  side.cap_reason = w.cap;
  side.source_text = cv_source_text(w.source);
  side.source_url = w.source.url;
  if (side.cancelled) {
    side.label = is_previous ? "原状态" : "现状态";
    side.when_text = "已撤回";
  } else {
    side.label = is_previous ? "原截止" : has_other_side ? "新截止" : "截止";
    side.when_text = side.estimated ? side.closes_text : side.closes_text + "（" + side.status_label + "）";
  }
  return side;
}

// "截止12月10日 17:30" / "预计11月截止".
std::string cv_by_close(const RevisionWindow& w, int this_year) {
  const std::string brief = cv_brief_close(w, this_year);
  if (w.status == WindowStatus::estimated) return "预计" + cv_strip_estimate(brief) + "截止";
  return "截止" + brief;
}

// "原截止12月20日 17:00" / "原预计11月截止".
std::string cv_was_close(const RevisionWindow& w, int this_year) {
  const std::string brief = cv_brief_close(w, this_year);
  if (w.status == WindowStatus::estimated) return "原预计" + cv_strip_estimate(brief) + "截止";
  return "原截止" + brief;
}

std::string cv_overdue_text(const std::string& lead_id) {
  if (lead_id.empty()) return {};
  const Result<Lead> lead = parse_lead(lead_id);
  const std::string label = lead ? web::lead_label(*lead) : "（" + lead_id + "）";
  return "原定于" + label + "的提醒已过，请尽快申报";
}

std::string cv_without_spaces(std::string text) {
  text.erase(std::remove(text.begin(), text.end(), ' '), text.end());
  return text;
}

}  // namespace

std::string_view headline_tag(ChangeHeadline headline) {
  switch (headline) {
    case ChangeHeadline::cancelled: return "【已撤回】";
    case ChangeHeadline::reopened: return "【延期】";
    case ChangeHeadline::moved: return "【变更】";
    case ChangeHeadline::confirmed: return "【已公布】";
    case ChangeHeadline::added: return "【新增】";
    case ChangeHeadline::estimate_dropped: return "【不再预估】";
  }
  return "【变更】";
}

Instant change_close(const ToldChange& change) {
  if (change.current) return change.current->closes_at;
  if (change.previous) return change.previous->closes_at;
  return Instant{};
}

ChangeView make_change_view(const ToldChange& change, Instant now) {
  const int this_year =
      static_cast<int>(date::year_month_day{date::floor<date::days>(shanghai_zone().to_local(now))}.year());
  const RevisionWindow* before = change.previous ? &*change.previous : nullptr;
  const RevisionWindow* after = change.current ? &*change.current : nullptr;
  const RevisionWindow* either = after ? after : before;

  ChangeView view;
  view.window_id = change.window_id;
  view.title = either ? either->title : change.window_id;
  view.programme_id = either ? either->facts.programme_id : std::string();
  view.headline = change.headline();
  view.tag = std::string(headline_tag(view.headline));
  if (before) view.previous = cv_side(*before, true, after != nullptr);
  if (after) view.current = cv_side(*after, false, before != nullptr);
  view.closes = change_close(change);
  const bool later = before && after && after->closes_at > before->closes_at;
  view.moved_earlier = before && after && after->closes_at < before->closes_at;
  const bool current_estimated = after && after->status == WindowStatus::estimated;

  switch (view.headline) {
    case ChangeHeadline::cancelled:
      view.withdrawn = true;
      view.what = before ? "已撤回（" + cv_was_close(*before, this_year) + "）" : "已撤回";
      view.advice = "该窗口已撤回，无需申报，以发布单位通知为准。";
      break;
    case ChangeHeadline::reopened:
      if (!after) break;
      view.what = later ? "截止时间延后至" + cv_brief_close(*after, this_year) + "，重新开放申报"
                        : "重新开放申报，" + cv_by_close(*after, this_year);
      view.advice = "申报已重新开放，请按新的截止时间准备申报。";
      break;
    case ChangeHeadline::moved: {
      if (!after) break;
      const std::string direction = view.moved_earlier ? "提前" : "延后";
      const std::string brief = cv_brief_close(*after, this_year);
      view.what = current_estimated ? "预计截止时间" + direction + "至" + cv_strip_estimate(brief)
                                    : "截止时间" + direction + "至" + brief;
      if (change.has(ChangeKind::confirmed)) view.what += "（已公布正式截止时间）";
      view.advice = view.moved_earlier ? "截止时间提前，请按新的截止时间尽早准备申报。" : "请按新的截止时间准备申报。";
      break;
    }
    case ChangeHeadline::confirmed:
      if (!after) break;
      view.what = "已公布截止时间：" + cv_brief_close(*after, this_year);
      view.advice = "请按已公布的截止时间准备申报。";
      break;
    case ChangeHeadline::added:
      if (!after) break;
      view.what = (before ? "恢复申报，" : "新增申报窗口，") + cv_by_close(*after, this_year);
      view.advice = "请按截止时间准备申报。";
      break;
    case ChangeHeadline::estimate_dropped: {
      view.withdrawn = true;
      const std::string was = before ? cv_strip_estimate(cv_brief_close(*before, this_year)) : std::string();
      view.what = was.empty() ? "不再预估" : "不再预估（原预估" + was + "截止）";
      view.advice = "此前按往年安排推算的预计时间不再提供，是否开展申报以主管部门正式通知为准。";
      break;
    }
  }
  if (view.what.empty()) view.what = "申报时间有变化";  // a record without the side its kind needs
  if (view.advice.empty()) view.advice = "请以发布单位通知为准。";
  if (!view.withdrawn && current_estimated) view.advice += "此为预计时间，正式时间以主管部门通知为准。";
  view.summary = view.title + "：" + view.what;
  view.subject_what = cv_without_spaces(view.what);
  if (!view.withdrawn) view.overdue_text = cv_overdue_text(change.overdue_lead);
  return view;
}

std::vector<ChangeView> make_change_views(const std::vector<ToldChange>& changes, Instant now) {
  std::vector<ChangeView> views;
  views.reserve(changes.size());
  for (const ToldChange& change : changes) views.push_back(make_change_view(change, now));
  std::stable_sort(views.begin(), views.end(), [](const ChangeView& a, const ChangeView& b) {
    return std::tie(a.closes, a.title, a.window_id) < std::tie(b.closes, b.title, b.window_id);
  });
  return views;
}

}  // namespace deadline::render
