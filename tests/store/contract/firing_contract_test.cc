// Firings (store/scheduling_store.h start_firing, continue_firing): a fan-out is recorded first,
// then completed in chunks of endpoints in id order; each endpoint gets one message per firing,
// taken as it is when its chunk runs; nothing is made for a window that has closed; firings
// complete in the order they were recorded; a notices firing in chunks tells as one would.

#include "domain/revision.h"
#include "schedule/revision_windows.h"
#include "store/contract/contract.h"

using namespace deadline;
using namespace deadline::store;
using test::at;

namespace {

// Every unsent message's endpoint, once per message, sorted.
template <class F>
std::vector<std::int64_t> endpoints_with_messages(F& f) {
  std::vector<std::int64_t> ids;
  for (const OutboundMessage& m : f.claim({EndpointKind::webhook}, 1000, 1000)) ids.push_back(m.endpoint_id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

template <class F>
ChunkOutcome chunk(F& f, int max_endpoints, const NoticeDeciders& deciders = {}) {
  const auto outcome = f.scheduling.continue_firing(f.now, max_endpoints, deciders);
  REQUIRE_MESSAGE(outcome.ok(), outcome.error());
  return *outcome;
}

template <class F>
FireOutcome start(F& f, const std::vector<Trigger>& triggers) {
  const auto outcome = f.scheduling.start_firing(triggers, FireKind::on_time, f.now, f.now);
  REQUIRE_MESSAGE(outcome.ok(), outcome.error());
  return *outcome;
}

}  // namespace

STORE_CONTRACT("a firing is recorded first and its chunks give each endpoint one message, in id order") {
  test::ContractFixture<Backend> f;
  std::vector<std::int64_t> endpoints;
  for (int i = 0; i < 7; ++i) endpoints.push_back(f.endpoint(f.subscriber("e" + std::to_string(i) + "@example.cn")));
  const Trigger t = f.trigger("p/w/2026", "7d", f.now, at("2026-11-30T16:00Z"));

  const FireOutcome started = start(f, {t});
  CHECK(started.new_triggers == 1);
  REQUIRE(started.firing_id != 0);
  CHECK(started.messages == 0);
  CHECK(endpoints_with_messages(f).empty());  // recorded, nothing fanned out yet
  const auto unfinished = f.scheduling.unfinished_firings().value();
  REQUIRE(unfinished.size() == 1);
  CHECK(unfinished.front().id == started.firing_id);
  CHECK(unfinished.front().kind == FiringKind::on_time);
  CHECK(unfinished.front().last_endpoint_id == endpoints.back());
  CHECK(unfinished.front().done_through == 0);

  // The same trigger again: recorded before, no second firing.
  const FireOutcome repeated = start(f, {t});
  CHECK(repeated.firing_id == 0);
  CHECK(repeated.already_recorded == 1);

  const ChunkOutcome first = chunk(f, 3);
  CHECK(first.firing_id == started.firing_id);
  CHECK(first.endpoints_from == 0);
  CHECK(first.endpoints_through == endpoints[2]);
  CHECK(first.messages == 3);
  CHECK_FALSE(first.finished);
  CHECK(f.scheduling.unfinished_firings().value().front().done_through == endpoints[2]);
  const ChunkOutcome second = chunk(f, 3);
  CHECK(second.endpoints_from == endpoints[2]);
  CHECK(second.endpoints_through == endpoints[5]);
  CHECK(second.messages == 3);
  const ChunkOutcome last = chunk(f, 3);
  CHECK(last.messages == 1);
  CHECK(last.finished);
  CHECK(last.firing_messages == 7);
  CHECK(chunk(f, 3).firing_id == 0);  // nothing unfinished
  CHECK(f.scheduling.unfinished_firings().value().empty());
  CHECK(endpoints_with_messages(f) == endpoints);
}

STORE_CONTRACT("a chunk takes each endpoint as it is when the chunk runs, endpoints added later are not covered") {
  test::ContractFixture<Backend> f;
  const auto a = f.endpoint(f.subscriber("a@example.cn"));
  const auto b = f.endpoint(f.subscriber("b@example.cn"));
  const auto c = f.endpoint(f.subscriber("c@example.cn"));
  const auto d = f.endpoint(f.subscriber("d@example.cn"));
  REQUIRE(start(f, {f.trigger("p/w/2026", "7d", f.now, at("2026-11-30T16:00Z"))}).firing_id != 0);
  CHECK(chunk(f, 2).messages == 2);                      // a and b
  REQUIRE(f.admin.disable_endpoint(c, "operator", f.now).ok());
  const auto late_comer = f.endpoint(f.subscriber("e@example.cn"));
  CHECK(late_comer > d);
  const ChunkOutcome rest = chunk(f, 2);
  CHECK(rest.finished);
  CHECK(rest.messages == 1);                             // d only: c is disabled now
  CHECK(endpoints_with_messages(f) == std::vector<std::int64_t>{a, b, d});
}

STORE_CONTRACT("no chunk makes a message for a window that closed before it ran") {
  test::ContractFixture<Backend> f;
  const auto a = f.endpoint(f.subscriber("a@example.cn"));
  f.endpoint(f.subscriber("b@example.cn"));
  REQUIRE(start(f, {f.trigger("p/w/2026", "2h", f.now, f.now + std::chrono::hours{2})}).firing_id != 0);
  CHECK(chunk(f, 1).messages == 1);
  f.now += std::chrono::hours{3};                        // the window closed meanwhile
  const ChunkOutcome rest = chunk(f, 1);
  CHECK(rest.finished);
  CHECK(rest.messages == 0);
  const auto unsent = f.outbox.claim_ready(f.now - std::chrono::hours{3}, {EndpointKind::webhook}, 10, 10).value();
  REQUIRE(unsent.size() == 1);
  CHECK(unsent.front().endpoint_id == a);
}

STORE_CONTRACT("firings complete in the order they were recorded, one message per endpoint and firing") {
  test::ContractFixture<Backend> f;
  const auto a = f.endpoint(f.subscriber("a@example.cn"));
  const auto b = f.endpoint(f.subscriber("b@example.cn"));
  const FireOutcome first = start(f, {f.trigger("p/w1/2026", "7d", f.now, at("2026-11-30T16:00Z"))});
  const FireOutcome second = start(f, {f.trigger("p/w2/2026", "7d", f.now, at("2026-11-30T16:00Z"))});
  REQUIRE(first.firing_id != 0);
  REQUIRE(second.firing_id > first.firing_id);
  CHECK(f.scheduling.unfinished_firings().value().size() == 2);
  CHECK(chunk(f, 1).firing_id == first.firing_id);
  const ChunkOutcome end_of_first = chunk(f, 1);
  CHECK(end_of_first.firing_id == first.firing_id);
  CHECK(end_of_first.finished);
  CHECK(chunk(f, 5).firing_id == second.firing_id);
  CHECK(f.messages_of(a) == 2);
  CHECK(f.messages_of(b) == 2);
}

STORE_CONTRACT("a release's notices told in chunks of one endpoint reach each endpoint once, as whole") {
  test::ContractFixture<Backend> f;
  f.now = at("2024-11-10T09:00+08:00");
  std::vector<std::int64_t> endpoints;
  for (int i = 0; i < 4; ++i) endpoints.push_back(f.endpoint(f.subscriber("n" + std::to_string(i) + "@example.cn")));
  const auto record = [&](const char* fixture, const char* hash) {
    const auto outcome = f.revisions.record_revision(
        {test::diff_fixture_revision(fixture), hash, {{"cal.toml", hash}}, RevisionCause::admin, "", {}}, f.now);
    REQUIRE_MESSAGE(outcome.ok(), outcome.error());
    return *outcome;
  };
  record("before.toml", "aaaa");
  const RevisionOutcome released = record("after.toml", "bbbb");
  REQUIRE(released.revision.state == RevisionState::released);
  const auto started = f.revisions.start_change_notices(released.revision.id, f.now);
  REQUIRE_MESSAGE(started.ok(), started.error());
  CHECK(started->events > 0);
  REQUIRE(started->firing_id != 0);
  CHECK(f.revisions.revisions_awaiting_notices().value().empty());  // the firing owns them now
  CHECK(f.revisions.start_change_notices(released.revision.id, f.now).value().already_recorded);

  // Without the revision's rule a chunk cannot decide: it fails and changes nothing.
  const auto refused = f.scheduling.continue_firing(f.now, 1, {});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().find("no notice rule for calendar revision #" + std::to_string(released.revision.id)) !=
        std::string::npos);

  std::vector<std::pair<std::optional<Instant>, std::string>> asked;
  const NoticeDeciders deciders{{released.revision.id, test::tell_all(&asked)}};
  int chunks = 0;
  for (ChunkOutcome c = chunk(f, 1, deciders); c.firing_id != 0; c = chunk(f, 1, deciders)) {
    CHECK(c.kind == FiringKind::notices);
    CHECK(c.messages == 1);
    ++chunks;
  }
  CHECK(chunks == 4);
  CHECK(asked.size() == static_cast<std::size_t>(4 * started->events));
  for (const std::int64_t e : endpoints) CHECK(f.messages_of(e) == 1);
}
