// RevisionStore's staging and change notices (store/revision_store.h): a revision people must be
// told of is staged, replaced, dropped or released; a release's notices are recorded once, one
// digest per endpoint, superseding unsent ones; the ledger is written when a message is claimed.

#include "domain/revision.h"
#include "schedule/revision_windows.h"
#include "store/contract/contract.h"

using namespace deadline;
using namespace deadline::store;
using test::at;
using test::tell_all;

namespace {

constexpr std::chrono::seconds kDelay{600};

template <class F>
RevisionOutcome stage(F& f, const std::vector<RevisionWindow>& windows, const char* hash,
                      std::chrono::seconds delay = kDelay) {
  const auto outcome = f.revisions.record_revision(
      {windows, hash, {{"cal.toml", std::string("files of ") + hash}}, RevisionCause::admin, "", delay}, f.now);
  REQUIRE_MESSAGE(outcome.ok(), outcome.error());
  return *outcome;
}

}  // namespace

STORE_CONTRACT("a revision people must be told of is staged, a later reload replaces it, diffed from the released") {
  test::ContractFixture<Backend> f;
  f.now = at("2024-11-10T09:00+08:00");
  const auto before = test::diff_fixture_revision("before.toml");
  const auto after = test::diff_fixture_revision("after.toml");
  const RevisionOutcome baseline = stage(f, before, "aaaa");
  CHECK(baseline.revision.state == RevisionState::released);  // nothing to tell: released at once
  const RevisionOutcome first = stage(f, after, "bbbb");
  REQUIRE(first.recorded);
  CHECK(first.revision.state == RevisionState::staged);
  CHECK(first.revision.release_at == f.now + kDelay);
  CHECK(first.revision.base_id == baseline.revision.id);
  // History lists released revisions only; the released files are the baseline's.
  CHECK(f.revisions.revision_history("", 10).value().size() == 1);
  CHECK(f.revisions.revision_sources(0).value()->calendar_revision == "aaaa");
  CHECK(f.revisions.revision_sources(0).value()->files.at(0).text == "files of aaaa");
  // The same files again: nothing new, the release time stands.
  f.now += std::chrono::minutes{5};
  const RevisionOutcome same = stage(f, after, "bbbb");
  CHECK_FALSE(same.recorded);
  CHECK(same.revision.id == first.revision.id);
  CHECK(same.revision.release_at == first.revision.release_at);
  // A correction: a new staged revision, diffed from the released one, the first replaced.
  auto corrected = after;
  corrected.pop_back();
  const RevisionOutcome second = stage(f, corrected, "cccc");
  CHECK(second.revision.state == RevisionState::staged);
  CHECK(second.revision.base_id == baseline.revision.id);
  REQUIRE(second.replaced);
  CHECK(*second.replaced == first.revision.id);
  CHECK(f.revisions.staged_revision().value()->id == second.revision.id);
  // Back to the released files: the staged revision is withdrawn, nothing recorded.
  const RevisionOutcome back = stage(f, before, "aaaa");
  CHECK_FALSE(back.recorded);
  CHECK(back.revision.id == baseline.revision.id);
  CHECK(back.replaced == second.revision.id);
  CHECK_FALSE(f.revisions.staged_revision().value().has_value());
}

STORE_CONTRACT("only the staged revision can be released or dropped, and only once") {
  test::ContractFixture<Backend> f;
  f.now = at("2024-11-10T09:00+08:00");
  const RevisionOutcome first = stage(f, test::diff_fixture_revision("before.toml"), "aaaa");
  const RevisionOutcome staged = stage(f, test::diff_fixture_revision("after.toml"), "bbbb");
  const auto dropped = f.revisions.drop_revision(staged.revision.id, "typo", f.now);
  REQUIRE(dropped.ok());
  CHECK(dropped->state == RevisionState::dropped);
  CHECK(dropped->closed_reason == "typo");
  const auto again = f.revisions.release_revision(staged.revision.id, f.now);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().find("is dropped, not staged") != std::string::npos);
  CHECK_FALSE(f.revisions.release_revision(424242, f.now).ok());
  // Staged anew and released: in force, listed in history, its files the released ones.
  const RevisionOutcome restaged = stage(f, test::diff_fixture_revision("after.toml"), "bbbb");
  CHECK(restaged.recorded);
  const auto released = f.revisions.release_revision(restaged.revision.id, f.now);
  REQUIRE_MESSAGE(released.ok(), released.error());
  CHECK(released->state == RevisionState::released);
  CHECK(released->released_at == f.now);
  CHECK(f.revisions.revision_history("", 10).value().front().id == restaged.revision.id);
  CHECK(f.revisions.revision_sources(0).value()->calendar_revision == "bbbb");
  // Awaiting its notices, judged against the revision it was compared with (whatever is
  // released after it).
  const auto awaiting = f.revisions.revisions_awaiting_notices().value();
  REQUIRE(awaiting.size() == 1);
  CHECK(awaiting.front().id == restaged.revision.id);
  CHECK(awaiting.front().base_id == first.revision.id);
  CHECK_FALSE(f.revisions.release_revision(restaged.revision.id, f.now).ok());
}

STORE_CONTRACT("a release's notices: one digest per endpoint, once, expired for an endpoint not active") {
  test::ContractFixture<Backend> f;
  f.now = at("2024-11-10T09:00+08:00");
  const std::int64_t active = f.endpoint(f.subscriber("a@example.cn"));
  const std::int64_t narrow = f.endpoint(f.subscriber("b@example.cn"), EndpointKind::webhook,
                                         EndpointFilters{{"p-move"}, {}, {}, {}, {}, {}});
  const std::int64_t off = f.endpoint(f.subscriber("c@example.cn"));
  REQUIRE(f.admin.disable_endpoint(off, "operator", f.now).ok());
  f.endpoint(f.subscriber("d@example.cn", SubscriberState::pending));  // not confirmed: never told
  stage(f, test::diff_fixture_revision("before.toml"), "aaaa");
  const RevisionOutcome staged = stage(f, test::diff_fixture_revision("after.toml"), "bbbb", std::chrono::seconds{0});
  REQUIRE(staged.revision.state == RevisionState::released);
  const auto outcome = f.revisions.record_change_notices(staged.revision.id, tell_all(), f.now);
  REQUIRE_MESSAGE(outcome.ok(), outcome.error());
  CHECK_FALSE(outcome->already_recorded);
  // Notice-worthy: add, cancel, confirm-late, confirm, move, remove and three dropped
  // estimates; opens-changed alone is not.
  CHECK(outcome->events == 9);
  CHECK(outcome->messages == 3);
  CHECK(f.messages_of(active) == 1);
  CHECK(f.messages_of(narrow) == 1);
  CHECK(f.messages_of(off, MessageState::expired) == 1);
  CHECK(f.revisions.revisions_awaiting_notices().value().empty());
  // Once: asking again records nothing.
  const auto again = f.revisions.record_change_notices(staged.revision.id, tell_all(), f.now);
  REQUIRE(again.ok());
  CHECK(again->already_recorded);
  CHECK(f.message_total() == 3);
  // The claim carries the recorded changes, rendered from them; the narrow endpoint only p-move.
  for (const OutboundMessage& m : f.claim()) {
    CHECK(m.items.empty());
    if (m.endpoint_id == narrow) {
      REQUIRE(m.changes.size() == 1);
      CHECK(m.changes[0].window_id == "p-move/apply/2024");
      CHECK(m.changes[0].previous->closes == "2024-11-20T17:00");
      CHECK(m.changes[0].current->closes == "2024-11-27T17:00");
    } else {
      CHECK(m.changes.size() == 9);
    }
  }
}

STORE_CONTRACT("the ledger: what a claimed message carried is what the next release is judged against") {
  test::ContractFixture<Backend> f;
  f.now = at("2024-11-10T09:00+08:00");
  f.endpoint(f.subscriber("a@example.cn"));
  stage(f, test::diff_fixture_revision("before.toml"), "aaaa");
  // A reminder of p-move reaches the endpoint (claimed: an attempt is made).
  const Instant old_close = at("2024-11-20T17:00+08:00");
  // A test message is not a reminder: it does not count as told.
  f.fire({f.trigger("p-move/apply/2024", "7d", f.now, old_close, "p-move"),
          f.trigger("p-remove/apply/2024", "test", f.now, at("2024-12-01T00:00+08:00"), "p-remove")});
  REQUIRE(f.claim().size() == 1);
  const RevisionOutcome released = stage(f, test::diff_fixture_revision("after.toml"), "bbbb", std::chrono::seconds{0});
  std::vector<std::pair<std::optional<Instant>, std::string>> asked;
  REQUIRE(f.revisions.record_change_notices(released.revision.id, tell_all(&asked), f.now).ok());
  for (const auto& [close_told, window] : asked) {
    if (window == "p-move/apply/2024") {
      CHECK(close_told == old_close);
    } else {
      CHECK_MESSAGE(!close_told.has_value(), window);
    }
  }
  // The notice, once claimed, moves the ledger to the close it told.
  REQUIRE(f.claim().size() == 1);
  auto third = test::diff_fixture_revision("after.toml");
  for (RevisionWindow& w : third) {
    if (w.id == "p-move/apply/2024") w.closes_at += std::chrono::hours{24};
  }
  const RevisionOutcome later = stage(f, third, "cccc", std::chrono::seconds{0});
  asked.clear();
  REQUIRE(f.revisions.record_change_notices(later.revision.id, tell_all(&asked), f.now).ok());
  REQUIRE(asked.size() == 1);
  CHECK(asked[0].first == at("2024-11-27T17:00+08:00"));
}

STORE_CONTRACT("a later release supersedes unsent notices of the same window, a withdrawn window's reminders expire") {
  test::ContractFixture<Backend> f;
  f.now = at("2024-11-10T09:00+08:00");
  const std::int64_t e = f.endpoint(f.subscriber("a@example.cn"));
  stage(f, test::diff_fixture_revision("before.toml"), "aaaa");
  // An unsent reminder of the window about to be cancelled.
  f.fire({f.trigger("p-cancel/apply/2024", "7d", f.now, at("2024-12-10T17:00+08:00"), "p-cancel")});
  const RevisionOutcome first = stage(f, test::diff_fixture_revision("after.toml"), "bbbb", std::chrono::seconds{0});
  const auto told = f.revisions.record_change_notices(first.revision.id, tell_all(), f.now);
  REQUIRE(told.ok());
  CHECK(told->superseded >= 1);  // the cancelled window's reminder
  // A second release moves p-move again before the first notice was sent.
  auto third = test::diff_fixture_revision("after.toml");
  for (RevisionWindow& w : third) {
    if (w.id == "p-move/apply/2024") w.closes_at += std::chrono::hours{24};
  }
  const RevisionOutcome second = stage(f, third, "cccc", std::chrono::seconds{0});
  const auto retold = f.revisions.record_change_notices(second.revision.id, tell_all(), f.now);
  REQUIRE(retold.ok());
  CHECK(retold->events == 1);
  CHECK(retold->superseded == 1);  // the first notice of p-move
  std::map<std::string, int> windows;
  for (const OutboundMessage& m : f.claim()) {
    for (const DeliveryItem& i : m.items) ++windows["reminder " + i.window_id];
    for (const ToldChange& c : m.changes) {
      ++windows[c.window_id];
      // The net change from what the endpoint was last told: from the 20th, not from the 27th
      // it never heard of.
      if (c.window_id == "p-move/apply/2024") CHECK(c.previous->closes_at == at("2024-11-20T17:00+08:00"));
    }
  }
  CHECK(windows.count("reminder p-cancel/apply/2024") == 0);
  CHECK(windows["p-move/apply/2024"] == 1);
  CHECK(windows["p-cancel/apply/2024"] == 1);
  CHECK(f.messages_of(e, MessageState::expired) == 1);  // the reminder alone: nothing left in it
}

STORE_CONTRACT("moved and moved back before the notice was sent: nothing is told") {
  test::ContractFixture<Backend> f;
  f.now = at("2024-11-10T09:00+08:00");
  const std::int64_t e = f.endpoint(f.subscriber("a@example.cn"), EndpointKind::webhook,
                                    EndpointFilters{{"p-move"}, {}, {}, {}, {}, {}});
  const auto before = test::diff_fixture_revision("before.toml");
  stage(f, before, "aaaa");
  auto moved = before;
  for (RevisionWindow& w : moved) {
    if (w.id == "p-move/apply/2024") w.closes_at -= std::chrono::hours{48};
  }
  const RevisionOutcome first = stage(f, moved, "bbbb", std::chrono::seconds{0});
  REQUIRE(f.revisions.record_change_notices(first.revision.id, tell_all(), f.now).ok());
  CHECK(f.messages_of(e) == 1);
  // The correction puts the window back before anything was sent.
  const RevisionOutcome back = stage(f, before, "cccc", std::chrono::seconds{0});
  REQUIRE(back.recorded);
  const auto told = f.revisions.record_change_notices(back.revision.id, tell_all(), f.now);
  REQUIRE(told.ok());
  CHECK(told->events == 1);
  CHECK(told->messages == 0);
  CHECK(f.claim().empty());  // the first notice, superseded, has nothing left to say
  CHECK(f.messages_of(e, MessageState::expired) == 1);
}

STORE_CONTRACT("the ledger outlives the message purge, until finished_message_days past the close told") {
  test::ContractFixture<Backend> f;
  f.now = at("2024-11-10T09:00+08:00");
  f.endpoint(f.subscriber("a@example.cn"));
  const auto before = test::diff_fixture_revision("before.toml");
  stage(f, before, "aaaa");
  const Instant close = at("2024-11-20T17:00+08:00");
  f.fire({f.trigger("p-move/apply/2024", "7d", f.now, close, "p-move")});
  f.attempt_all(AttemptResult::Outcome::delivered);
  // The delivered reminder is purged after a day of retention; the ledger keeps what it told.
  f.now += std::chrono::hours{48};
  const auto purged = f.scheduling.purge(f.now, RetentionPolicy{1, 30});
  REQUIRE(purged.ok());
  CHECK(purged->messages == 1);
  const auto ask = [&](const char* hash, std::chrono::hours shift) {
    auto moved = before;
    for (RevisionWindow& w : moved) {
      if (w.id == "p-move/apply/2024") w.closes_at += shift;
    }
    const RevisionOutcome released = stage(f, moved, hash, std::chrono::seconds{0});
    std::vector<std::pair<std::optional<Instant>, std::string>> asked;
    REQUIRE(f.revisions.record_change_notices(released.revision.id, tell_all(&asked), f.now).ok());
    REQUIRE(asked.size() == 1);
    return asked[0].first;
  };
  CHECK(ask("bbbb", std::chrono::hours{24}) == close);
  // finished_message_days past the close told, the ledger entry goes too.
  f.now = close + std::chrono::hours{24 * 2};
  REQUIRE(f.scheduling.purge(f.now, RetentionPolicy{1, 30}).ok());
  CHECK_FALSE(ask("cccc", std::chrono::hours{48}).has_value());
}
