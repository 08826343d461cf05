// Who is told of a change (schedule/change_notice_rule.h) as a table: one window of programme "p"
// before and after a release, in Asia/Shanghai, diffed as the daemon diffs revisions; an endpoint
// with or without a ledger entry and its chosen leads; the release instant. Send time 09:00.

#include "schedule/change_notice_rule.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calendar/bound.h"
#include "test_support.h"
#include "time/zone.h"

using namespace deadline;

namespace {

// One side of the change: the window as released then or now.
struct CnrSide {
  WindowStatus status = WindowStatus::confirmed;
  const char* closes = "";          // as written
  const char* opens = nullptr;      // as written; nullptr when not known
  bool projected = false;           // an estimate copied ahead from the cycle before
  const char* phrase = "原文";
};

Bound cnr_bound(const char* written, BoundSide side) {
  const BoundSpec spec = *parse_bound(written, side);
  return {spec, *resolve_bound(spec, side, shanghai_zone())};
}

Window cnr_window(const CnrSide& side) {
  Window w;
  w.programme_id = "p";
  w.key = "apply";
  w.cycle = std::string_view(side.closes).starts_with("2025") ? 2025 : 2024;
  w.phrase = side.phrase;
  w.status = side.status;
  w.actor = "企业";
  w.role = Role::enterprise;
  if (side.opens) w.opens = cnr_bound(side.opens, BoundSide::opens);
  w.closes = cnr_bound(side.closes, BoundSide::closes);
  if (side.projected) w.projected_from = w.cycle - 1;
  w.zone = &shanghai_zone();
  return w;
}

// The window as a revision records it (schedule/revision_windows.cc, without a Calendar).
RevisionWindow cnr_revision(const Window& w) {
  RevisionWindow r;
  r.id = w.id();
  r.title = "测试项目";
  r.status = w.status;
  r.opens = w.opens ? w.opens->spec.text() : std::string();
  r.closes = w.closes.spec.text();
  r.precision = std::string(to_string(w.closes.spec.precision));
  r.closes_at = w.closes.at;
  r.closes_from = w.closes.at;
  if (w.closes.spec.precision != Precision::instant && !w.closes.spec.before) {
    r.closes_from = std::min(w.closes.at, *resolve_bound(w.closes.spec, BoundSide::opens, *w.zone));
  }
  r.phrase = w.phrase;
  r.projected = w.projected_from.has_value();
  return r;
}

std::vector<Lead> cnr_leads(const std::vector<const char*>& written) {
  std::vector<Lead> leads;
  for (const char* w : written) leads.push_back(parse_lead(w).value());
  return leads;
}

std::vector<std::string> cnr_kind_names(const std::vector<ChangeKind>& kinds) {
  std::vector<std::string> names;
  for (ChangeKind k : kinds) names.emplace_back(to_string(k));
  return names;
}

// What is released: a window closing 30 November at 17:00, one closing 20 November at 17:00.
constexpr CnrSide kCnrNov30{WindowStatus::confirmed, "2024-11-30T17:00"};
constexpr CnrSide kCnrNov20{WindowStatus::confirmed, "2024-11-20T17:00"};
// The handbook's "申报时间：11月", and the same a year on, projected.
constexpr CnrSide kCnrEstimate{WindowStatus::estimated, "2024-11", "2024-11"};

struct CnrRow {
  const char* name;
  std::optional<CnrSide> before;    // nullopt: added
  std::optional<CnrSide> after;     // nullopt: removed / estimate dropped
  const char* close_told;           // the ledger; nullptr: never told of this window
  std::vector<const char*> leads;
  const char* now;
  // Expected: nullptr headline = not told.
  const char* headline;
  std::vector<std::string> kinds;
  bool reopened;
  const char* overdue_lead;
};

}  // namespace

TEST_CASE("change notice rule: who is told of each kind of change") {
  const std::vector<const char*> all = {"30d", "7d", "3d", "1d", "closing-day", "2h"};
  const CnrRow rows[] = {
      // (a) The ledger: reminded of 30 November; the new close is news. No point is put in the
      // past (7d is now the 13th, 3d the 17th).
      {"reminded, then moved earlier", kCnrNov30, kCnrNov20, "2024-11-30T17:00+08:00", {"7d", "3d"},
       "2024-11-10T10:00+08:00", "moved", {"moved"}, false, ""},
      // (b) Never reminded, but 7d (23rd) and 3d (27th) were ahead; now they are the 13th and 17th,
      // both past on the 18th: one notice carrying the later, 3d (never a burst). 30d was past
      // already (31 October) and 1d (19th) is still ahead.
      {"moved earlier past two leads, never told", kCnrNov30, kCnrNov20, nullptr, {"30d", "7d", "3d", "1d"},
       "2024-11-18T10:00+08:00", "moved", {"moved"}, false, "3d"},
      {"moved earlier past two leads, with the ledger", kCnrNov30, kCnrNov20, "2024-11-30T17:00+08:00",
       {"7d", "3d", "1d"}, "2024-11-18T10:00+08:00", "moved", {"moved"}, false, "3d"},
      {"moved earlier, never told, no point put in the past", kCnrNov30, kCnrNov20, nullptr, {"7d", "3d"},
       "2024-11-10T10:00+08:00", nullptr, {}, false, ""},
      // Closing 08:00 on the 20th: closing-day and 2h both fall at 06:00. A tie goes to the first in
      // the endpoint's order.
      {"moved earlier, tie between two overdue points: the first chosen", kCnrNov30,
       CnrSide{WindowStatus::confirmed, "2024-11-20T08:00"}, nullptr, {"2h", "closing-day"},
       "2024-11-20T07:00+08:00", "moved", {"moved"}, false, "2h"},
      {"moved earlier, tie, the other order", kCnrNov30, CnrSide{WindowStatus::confirmed, "2024-11-20T08:00"},
       nullptr, {"closing-day", "2h"}, "2024-11-20T07:00+08:00", "moved", {"moved"}, false, "closing-day"},
      {"the ledger already holds the released close", kCnrNov30, kCnrNov20, "2024-11-20T17:00+08:00", all,
       "2024-11-10T10:00+08:00", nullptr, {}, false, ""},

      // (c) Added: told once a chosen point has passed (7d: the 23rd), carrying the latest passed.
      {"added with a passed lead", std::nullopt, kCnrNov30, nullptr, {"7d", "3d"}, "2024-11-25T10:00+08:00",
       "added", {"added"}, false, "7d"},
      {"added with no lead passed", std::nullopt, kCnrNov30, nullptr, {"7d", "3d"}, "2024-11-20T10:00+08:00",
       nullptr, {}, false, ""},
      // "2h" does not apply to a day close: it never counts as passed.
      {"added, only a lead that does not apply", std::nullopt,
       CnrSide{WindowStatus::confirmed, "before 2024-11-29"}, nullptr, {"2h"}, "2024-11-28T23:00+08:00", nullptr,
       {}, false, ""},
      // A cancelled window reinstated is added.
      {"reinstated with a passed lead", CnrSide{WindowStatus::cancelled, "2024-11-30T17:00"}, kCnrNov30, nullptr,
       {"7d", "3d"}, "2024-11-25T10:00+08:00", "added", {"added"}, false, "7d"},
      // Told of it before (perhaps of its cancellation): told of the reinstatement at once, at the
      // same close, before any point has passed.
      {"reinstated, in the ledger, no lead passed", CnrSide{WindowStatus::cancelled, "2024-11-30T17:00"}, kCnrNov30,
       "2024-11-30T17:00+08:00", {"7d", "3d"}, "2024-11-20T10:00+08:00", "added", {"added"}, false, ""},

      // Reopened: closed on the 20th, open again until 10 December.
      {"reopened, to the ledger: 【延期】", kCnrNov20, CnrSide{WindowStatus::confirmed, "2024-12-10T17:00"},
       "2024-11-20T17:00+08:00", {"30d", "7d"}, "2024-11-22T10:00+08:00", "reopened", {"moved"}, true, ""},
      // Never told: as added; 30d (10 November) under the new close has passed.
      {"reopened, never told: added", kCnrNov20, CnrSide{WindowStatus::confirmed, "2024-12-10T17:00"}, nullptr,
       {"30d", "7d"}, "2024-11-22T10:00+08:00", "added", {"added"}, false, "30d"},
      {"reopened, never told, no lead passed: added", kCnrNov20,
       CnrSide{WindowStatus::confirmed, "2024-12-10T17:00"}, nullptr, {"7d"}, "2024-11-22T10:00+08:00", "added",
       {"added"}, false, ""},

      // More time: news only to the ledger.
      {"moved later, with the ledger", kCnrNov20, CnrSide{WindowStatus::confirmed, "2024-11-27T17:00"},
       "2024-11-20T17:00+08:00", {"7d"}, "2024-11-10T10:00+08:00", "moved", {"moved"}, false, ""},
      {"moved later, never told", kCnrNov20, CnrSide{WindowStatus::confirmed, "2024-11-27T17:00"}, nullptr, all,
       "2024-11-10T10:00+08:00", nullptr, {}, false, ""},

      // After the close nothing is told: the new close for a move, the old one for a cancellation.
      {"moved earlier, at the new close", kCnrNov30, kCnrNov20, "2024-11-30T17:00+08:00", all,
       "2024-11-20T17:00+08:00", nullptr, {}, false, ""},
      {"moved later, after the new close", kCnrNov20, CnrSide{WindowStatus::confirmed, "2024-11-27T17:00"},
       "2024-11-20T17:00+08:00", all, "2024-11-28T10:00+08:00", nullptr, {}, false, ""},
      {"cancelled, at its old close", kCnrNov20, CnrSide{WindowStatus::cancelled, "2024-11-20T17:00"},
       "2024-11-20T17:00+08:00", all, "2024-11-20T17:00+08:00", nullptr, {}, false, ""},
      {"cancelled, after its old close (the written close later)", kCnrNov20,
       CnrSide{WindowStatus::cancelled, "2024-11-30T17:00"}, "2024-11-20T17:00+08:00", all,
       "2024-11-25T10:00+08:00", nullptr, {}, false, ""},

      // Cancelled: the ledger is told; an endpoint never told is not (nothing was promised to it),
      // whether or not a point of its has passed.
      {"cancelled, with the ledger", kCnrNov20, CnrSide{WindowStatus::cancelled, "2024-11-20T17:00"},
       "2024-11-20T17:00+08:00", {"7d"}, "2024-11-10T10:00+08:00", "cancelled", {"cancelled"}, false, ""},
      {"cancelled, never told, no lead passed", kCnrNov20, CnrSide{WindowStatus::cancelled, "2024-11-20T17:00"},
       nullptr, {"7d"}, "2024-11-10T10:00+08:00", nullptr, {}, false, ""},
      {"cancelled, never told, a lead passed", kCnrNov20, CnrSide{WindowStatus::cancelled, "2024-11-20T17:00"},
       nullptr, {"30d"}, "2024-11-10T10:00+08:00", nullptr, {}, false, ""},
      {"removed, with the ledger", kCnrNov20, std::nullopt, "2024-11-20T17:00+08:00", {"7d"},
       "2024-11-10T10:00+08:00", "cancelled", {"removed"}, false, ""},
      {"removed, never told", kCnrNov20, std::nullopt, nullptr, {"7d"}, "2024-11-10T10:00+08:00", nullptr, {},
       false, ""},

      // A projected estimate no longer made.
      {"estimate dropped, with the ledger", CnrSide{WindowStatus::estimated, "2025-11", "2025-11", true},
       std::nullopt, "2025-12-01T00:00+08:00", {"7d"}, "2025-01-10T10:00+08:00", "estimate-dropped",
       {"estimate-dropped"}, false, ""},
      {"estimate dropped, never told", CnrSide{WindowStatus::estimated, "2025-11", "2025-11", true}, std::nullopt,
       nullptr, {"7d"}, "2025-01-10T10:00+08:00", nullptr, {}, false, ""},
      {"estimate dropped, after its old close", CnrSide{WindowStatus::estimated, "2025-11", "2025-11", true},
       std::nullopt, "2025-12-01T00:00+08:00", {"7d"}, "2025-12-01T00:00+08:00", nullptr, {}, false, ""},

      // Confirmed inside the estimate ("2024-11" → 15 November 17:00): not moved.
      {"confirmed inside the estimate, with the ledger", kCnrEstimate,
       CnrSide{WindowStatus::confirmed, "2024-11-15T17:00", "2024-11"}, "2024-12-01T00:00+08:00", {"7d"},
       "2024-10-20T10:00+08:00", "confirmed", {"confirmed"}, false, ""},
      // 7d was the 23rd under the estimate, is the 8th now: past on the 10th. 3d (12th) is ahead.
      {"confirmed inside the estimate, never told, a point put in the past", kCnrEstimate,
       CnrSide{WindowStatus::confirmed, "2024-11-15T17:00", "2024-11"}, nullptr, {"7d", "3d"},
       "2024-11-10T10:00+08:00", "confirmed", {"confirmed"}, false, "7d"},
      {"confirmed inside the estimate, never told, no point passed", kCnrEstimate,
       CnrSide{WindowStatus::confirmed, "2024-11-15T17:00", "2024-11"}, nullptr, {"7d", "3d"},
       "2024-10-20T10:00+08:00", nullptr, {}, false, ""},
      {"confirmed outside the estimate: moved and confirmed", kCnrEstimate,
       CnrSide{WindowStatus::confirmed, "2024-12-20T17:00", "2024-11"}, "2024-12-01T00:00+08:00", {"7d"},
       "2024-10-20T10:00+08:00", "moved", {"moved", "confirmed"}, false, ""},

      // 变更记录 only.
      {"opens and phrase changed only", kCnrNov20,
       CnrSide{WindowStatus::confirmed, "2024-11-20T17:00", "2024-11-05", false, "新的原文"},
       "2024-11-20T17:00+08:00", all, "2024-11-10T10:00+08:00", nullptr, {}, false, ""},
  };
  for (const CnrRow& row : rows) {
    CAPTURE(row.name);
    const std::optional<Window> previous =
        row.before ? std::optional<Window>(cnr_window(*row.before)) : std::nullopt;
    const std::optional<Window> current = row.after ? std::optional<Window>(cnr_window(*row.after)) : std::nullopt;
    std::vector<RevisionWindow> old_revision, new_revision;
    if (previous) old_revision.push_back(cnr_revision(*previous));
    if (current) new_revision.push_back(cnr_revision(*current));
    const std::vector<WindowChange> changes = diff_revisions(old_revision, new_revision);
    REQUIRE(changes.size() == 1);

    const NoticeContext context{changes.front(), previous ? &*previous : nullptr,
                                current ? &*current : nullptr, std::chrono::hours{9}, test::at(row.now)};
    EndpointBase base;
    if (row.close_told) base.close_told = test::at(row.close_told);
    base.leads = cnr_leads(row.leads);

    const std::optional<ToldChange> told = decide_change_notice(context, base);
    if (!row.headline) {
      CHECK_FALSE(told.has_value());
      continue;
    }
    REQUIRE(told.has_value());
    CHECK(to_string(told->headline()) == row.headline);
    CHECK(cnr_kind_names(told->kinds) == row.kinds);
    CHECK(told->reopened == row.reopened);
    CHECK(told->overdue_lead == row.overdue_lead);
    CHECK(told->window_id == "p/apply/" + std::to_string(previous ? previous->cycle : current->cycle));
    CHECK(told->previous == changes.front().before);
    CHECK(told->current == changes.front().after);
  }
}

TEST_CASE("change notice rule: kinds in kChangeKinds order, the headline by precedence") {
  // Built by hand: the diff never combines cancelled with another close kind, but the headline
  // must still say cancelled > moved > confirmed > added, and told kinds keep kChangeKinds order
  // with the 变更记录-only kinds left out.
  const Window nov30 = cnr_window(kCnrNov30);
  const Window nov20 = cnr_window(kCnrNov20);
  struct Row {
    std::vector<ChangeKind> kinds;  // as the change lists them
    std::vector<std::string> told;
    const char* headline;
  };
  const Row rows[] = {
      {{ChangeKind::added, ChangeKind::confirmed, ChangeKind::moved, ChangeKind::cancelled},
       {"cancelled", "moved", "confirmed", "added"}, "cancelled"},
      {{ChangeKind::added, ChangeKind::confirmed, ChangeKind::moved}, {"moved", "confirmed", "added"}, "moved"},
      {{ChangeKind::phrase_changed, ChangeKind::added, ChangeKind::confirmed}, {"confirmed", "added"}, "confirmed"},
      {{ChangeKind::opens_changed, ChangeKind::added}, {"added"}, "added"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.headline);
    const WindowChange change{nov20.id(), row.kinds, cnr_revision(nov30), cnr_revision(nov20), false};
    const NoticeContext context{change, &nov30, &nov20, std::chrono::hours{9}, test::at("2024-11-10T10:00+08:00")};
    const std::optional<ToldChange> told =
        decide_change_notice(context, {test::at("2024-11-30T17:00+08:00"), cnr_leads({"7d"})});
    REQUIRE(told.has_value());
    CHECK(cnr_kind_names(told->kinds) == row.told);
    CHECK(to_string(told->headline()) == row.headline);
  }
}
