#include "firing/scheduler_pass.h"

#include <algorithm>

namespace deadline {

namespace {

using store::FireKind;

std::optional<Instant> next_due_after(const Plan& plan, Instant at) {
  const std::size_t i = plan.first_due_after(at);
  if (i == plan.triggers.size()) return std::nullopt;
  return plan.triggers[i].due;
}

}  // namespace

PassReport run_pass(store::SchedulingStore& store, const Plan& plan, Instant now, const PassOptions& options) {
  PassReport report;
  const auto fail = [&](const std::string& error) {
    report.errors.push_back(error);
    return report;
  };

  store.plan_from(plan.calendar_revision);
  const auto stored_cursor = store.cursor();
  if (!stored_cursor) return fail(stored_cursor.error());
  Instant cursor = stored_cursor->value_or(std::min(options.start_cursor.value_or(now), now));
  if (!stored_cursor->has_value()) {
    if (const Status s = store.advance_cursor(cursor); !s) return fail(s.error());
  }

  std::vector<Trigger> missed, late;
  std::vector<std::vector<Trigger>> on_time;  // one group per due instant, in order
  for (std::size_t i = plan.first_due_after(cursor); i < plan.triggers.size() && plan.triggers[i].due <= now; ++i) {
    const Trigger& t = plan.triggers[i];
    if (t.closes <= now) {
      missed.push_back(t);
    } else if (t.due < now - options.late_after) {
      late.push_back(t);
    } else {
      if (on_time.empty() || on_time.back().front().due != t.due) on_time.emplace_back();
      on_time.back().push_back(t);
    }
  }

  if (!missed.empty()) {
    const auto recorded = store.record_missed(missed, now, cursor);
    if (!recorded) return fail(recorded.error());
    report.missed = *recorded;
  }
  const auto fire = [&](const std::vector<Trigger>& batch, FireKind kind, Instant batch_cursor) {
    const auto outcome = store.start_firing(batch, kind, now, batch_cursor);
    if (!outcome) {
      report.errors.push_back(outcome.error());
      return false;
    }
    (kind == FireKind::late ? report.fired_late : report.fired_on_time) += outcome->new_triggers;
    if (outcome->firing_id != 0) ++report.firings;
    report.recorded_elsewhere += outcome->already_recorded;
    if (kind == FireKind::on_time && outcome->new_triggers > 0) {
      report.lateness.push_back(std::chrono::duration_cast<std::chrono::seconds>(now - batch.front().due));
    }
    return true;
  };
  if (!late.empty() && !fire(late, FireKind::late, cursor)) return report;
  for (const auto& group : on_time) {
    if (!fire(group, FireKind::on_time, group.front().due)) return report;
  }
  if (const Status s = store.advance_cursor(now); !s) return fail(s.error());
  const auto expired = store.expire_closed(now);
  if (!expired) return fail(expired.error());
  report.expired = *expired;
  report.next_due = next_due_after(plan, std::max(cursor, now));
  return report;
}

}  // namespace deadline
