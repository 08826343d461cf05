// RevisionStore's contract (store/revision_store.h): the baseline, "compared with the last
// stored, never with memory", history by programme, and retention.

#include "domain/revision.h"
#include "schedule/revision_windows.h"
#include "store/contract/contract.h"

using namespace deadline;
using namespace deadline::store;
using test::at;

namespace {

// Recorded and released at once (no stage delay), as every revision was before staging.
template <class F>
RevisionOutcome record(F& f, const std::vector<RevisionWindow>& windows, const char* hash,
                       RevisionCause cause = RevisionCause::start, const std::string& reason = "") {
  const auto outcome = f.revisions.record_revision({windows, hash, {}, cause, reason, std::chrono::seconds{0}}, f.now);
  REQUIRE_MESSAGE(outcome.ok(), outcome.error());
  return *outcome;
}

std::vector<std::string> lines_of(const std::vector<WindowChange>& changes) {
  std::vector<std::string> lines;
  for (const WindowChange& c : changes) lines.push_back(describe(c));
  return lines;
}

}  // namespace

STORE_CONTRACT("the first revision is a baseline, the same windows again record nothing") {
  test::ContractFixture<Backend> f;
  const auto before = test::diff_fixture_revision("before.toml");
  const RevisionOutcome first = record(f, before, "aaaa");
  CHECK(first.recorded);
  CHECK(first.revision.baseline);
  CHECK(first.revision.changes.empty());
  CHECK(first.revision.calendar_revision == "aaaa");
  CHECK(first.revision.recorded_at == f.now);
  f.now += std::chrono::hours{1};
  // A restart with the same files (another hash: a comment changed) stores nothing new.
  const RevisionOutcome again = record(f, before, "bbbb");
  CHECK_FALSE(again.recorded);
  CHECK(again.revision.id == first.revision.id);
  CHECK(again.revision.calendar_revision == "aaaa");
  CHECK(f.revisions.revision_history("", 10).value().size() == 1);
}

STORE_CONTRACT("a changed calendar is recorded with what changed since the last stored revision") {
  test::ContractFixture<Backend> f;
  const auto before = test::diff_fixture_revision("before.toml");
  const auto after = test::diff_fixture_revision("after.toml");
  record(f, before, "aaaa");
  f.now += std::chrono::hours{1};
  const RevisionOutcome changed = record(f, after, "cccc", RevisionCause::admin, "通知 2024-11-20");
  CHECK(changed.recorded);
  CHECK_FALSE(changed.revision.baseline);
  CHECK(changed.revision.cause == RevisionCause::admin);
  CHECK(changed.revision.reason == "通知 2024-11-20");
  CHECK(lines_of(changed.revision.changes) == lines_of(diff_revisions(before, after)));
  CHECK(changed.revision.changes.size() == 10);
  // Going back is a change too, compared with what is stored now (the edited calendar).
  f.now += std::chrono::hours{1};
  const RevisionOutcome back = record(f, before, "aaaa", RevisionCause::sighup);
  CHECK(back.recorded);
  CHECK(lines_of(back.revision.changes) == lines_of(diff_revisions(after, before)));
  CHECK_FALSE(record(f, before, "aaaa").recorded);
}

STORE_CONTRACT("history: newest first, what each changed read back as recorded, by programme") {
  test::ContractFixture<Backend> f;
  const auto before = test::diff_fixture_revision("before.toml");
  const auto after = test::diff_fixture_revision("after.toml");
  const auto baseline = record(f, before, "aaaa").revision.id;
  f.now += std::chrono::hours{1};
  const auto edited = record(f, after, "cccc", RevisionCause::sighup, "notices of November").revision.id;
  const auto history = f.revisions.revision_history("", 10).value();
  REQUIRE(history.size() == 2);
  CHECK(history[0].id == edited);
  CHECK(history[0].cause == RevisionCause::sighup);
  CHECK(history[0].reason == "notices of November");
  CHECK(history[0].recorded_at == f.now);
  CHECK(history[1].id == baseline);
  CHECK(history[1].baseline);
  const auto expected = diff_revisions(before, after);
  REQUIRE(history[0].changes.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(expected[i].window_id);
    CHECK(history[0].changes[i].kinds == expected[i].kinds);
    CHECK(history[0].changes[i].moved_later == expected[i].moved_later);
    CHECK(history[0].changes[i].before == expected[i].before);  // every field, read back
    CHECK(history[0].changes[i].after == expected[i].after);
  }
  CHECK(f.revisions.revision_history("", 1).value().size() == 1);
  const auto moved = f.revisions.revision_history("p-move", 10).value();
  REQUIRE(moved.size() == 1);  // the baseline changed nothing
  REQUIRE(moved[0].changes.size() == 1);
  CHECK(moved[0].changes[0].window_id == "p-move/apply/2024");
  CHECK(f.revisions.revision_history("p-same", 10).value().empty());
  CHECK(f.revisions.revision_history("p-recurs", 10).value().at(0).changes.size() == 3);
}

STORE_CONTRACT("revisions go once every window they describe has closed long enough ago, never the latest") {
  test::ContractFixture<Backend> f;
  RevisionWindow w;
  w.id = "p/apply/2024";
  w.title = "测试项目";
  w.status = WindowStatus::confirmed;
  w.closes = "2026-12-01";
  w.closes_at = at("2026-12-02T00:00+08:00");
  w.closes_from = at("2026-12-01T00:00+08:00");
  w.phrase = "截止时间为2026年12月1日";
  w.facts.programme_id = "p";
  record(f, {w}, "aaaa");
  RevisionWindow moved = w;
  moved.closes = "2026-12-08";
  moved.closes_at = at("2026-12-09T00:00+08:00");
  record(f, {moved}, "bbbb");
  const RetentionPolicy policy;  // finished_message_days = 90
  CHECK(f.scheduling.purge(at("2027-03-01T00:00+08:00"), policy).value().revisions == 0);  // 89 days after
  CHECK(f.scheduling.purge(at("2027-03-03T00:00+08:00"), policy).value().revisions == 1);  // the first goes
  CHECK(f.scheduling.purge(at("2028-01-01T00:00+08:00"), policy).value().revisions == 0);  // the latest stays
  const auto history = f.revisions.revision_history("", 10).value();
  REQUIRE(history.size() == 1);
  CHECK(history[0].calendar_revision == "bbbb");
  CHECK_FALSE(record(f, {moved}, "bbbb").recorded);  // still what the next is compared with
}
