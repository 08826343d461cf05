// SubscriptionStore's contract (store/subscription_store.h): double opt-in, what a link opens,
// and a subscriber's changes to their own endpoints — each checked against the link's generation,
// the ownership and the limits in the same transaction as the change.

#include "store/contract/contract.h"

using namespace deadline;
using namespace deadline::store;
using test::at;

namespace {

struct Owner {
  std::int64_t subscriber = 0, generation = 0, email = 0, hook = 0;
};

// An active subscriber with their email endpoint and one webhook, through the pages' calls.
template <class F>
Owner subscribe(F& f, const std::string& address) {
  Owner o;
  const auto outcome = f.subscriptions.request_subscription({address, {}, {"7d"}}, f.now, {});
  REQUIRE_MESSAGE(outcome, outcome.error());
  o.subscriber = outcome->subscriber_id;
  o.generation = outcome->token_generation;
  REQUIRE(f.subscriptions.confirm_subscription(o.subscriber, o.generation, f.now).value() == ConfirmOutcome::confirmed);
  const auto loaded = f.subscriptions.load_subscription(o.subscriber, o.generation).value();
  REQUIRE(loaded);
  o.email = loaded->endpoints.at(0).id;
  const auto added = f.subscriptions.add_own_endpoint(
      o.generation, {o.subscriber, EndpointKind::webhook, "https://hooks.example.cn/x", "", {}, {"7d"}}, f.now);
  REQUIRE_MESSAGE(added, added.error());
  REQUIRE(added->outcome == OwnEndpointChange::done);
  o.hook = added->id;
  return o;
}

}  // namespace

STORE_CONTRACT("a request makes a pending subscriber with an email endpoint, confirming activates it") {
  test::ContractFixture<Backend> f;
  EndpointFilters filters;
  filters.categories = {"资金引导"};
  const auto first = f.subscriptions.request_subscription({"caiwu@qiye.example.cn", filters, {"7d", "1d"}}, f.now, {});
  REQUIRE_MESSAGE(first, first.error());
  CHECK(first->send_now);
  CHECK(first->token_generation == 1);
  const auto pending = f.subscriptions.load_subscription(first->subscriber_id, 1).value();
  REQUIRE(pending);
  CHECK(pending->subscriber.state == SubscriberState::pending);
  CHECK(pending->subscriber.email == "caiwu@qiye.example.cn");
  REQUIRE(pending->endpoints.size() == 1);
  REQUIRE(pending->email_endpoint());
  CHECK(pending->email_endpoint()->address == "caiwu@qiye.example.cn");
  CHECK(pending->email_endpoint()->filters.categories == std::vector<std::string>{"资金引导"});
  CHECK(pending->email_endpoint()->leads == std::vector<std::string>{"1d", "7d"});
  // Pending subscribers receive nothing.
  CHECK(f.fire_fresh().messages == 0);
  CHECK(f.subscriptions.confirm_subscription(first->subscriber_id, 2, f.now).value() == ConfirmOutcome::revoked);
  CHECK(f.subscriptions.confirm_subscription(first->subscriber_id, 1, f.now).value() == ConfirmOutcome::confirmed);
  CHECK(f.subscriptions.confirm_subscription(first->subscriber_id, 1, f.now).value() ==
        ConfirmOutcome::already_active);
  CHECK(f.fire_fresh().messages == 1);
  // Asking again while active changes nothing; the answer is the manage link, held back here
  // because the confirmation went out a moment ago.
  const auto again = f.subscriptions.request_subscription({"CAIWU@qiye.example.cn", {}, {"3d"}}, f.now, {});
  CHECK(again->subscriber_id == first->subscriber_id);
  CHECK(again->mail == AccountMailKind::manage_link);
  CHECK_FALSE(again->send_now);
  CHECK(f.subscriptions.load_subscription(first->subscriber_id, 1).value()->email_endpoint()->leads ==
        std::vector<std::string>{"1d", "7d"});
}

STORE_CONTRACT("a repeated unconfirmed request replaces the choices, confirmations are rate-limited") {
  test::ContractFixture<Backend> f;
  const ConfirmationMailPolicy policy{std::chrono::seconds{600}, 2};
  const auto first = f.subscriptions.request_subscription({"a@example.cn", {}, {"7d"}}, f.now, policy).value();
  CHECK(first.send_now);
  const auto soon = f.subscriptions.request_subscription({"a@example.cn", {}, {"1d"}}, f.now, policy).value();
  CHECK_FALSE(soon.send_now);  // within min_interval
  const auto loaded = f.subscriptions.load_subscription(first.subscriber_id, first.token_generation).value();
  REQUIRE(loaded);
  REQUIRE(loaded->endpoints.size() == 1);
  CHECK(loaded->endpoints[0].leads == std::vector<std::string>{"1d"});
  f.now += std::chrono::seconds{600};
  CHECK(f.subscriptions.request_subscription({"a@example.cn", {}, {"1d"}}, f.now, policy).value().send_now);
  f.now += std::chrono::seconds{600};
  CHECK_FALSE(  // max_per_day reached
      f.subscriptions.request_subscription({"a@example.cn", {}, {"1d"}}, f.now, policy).value().send_now);
  f.now += date::days{1};
  CHECK(f.subscriptions.request_subscription({"a@example.cn", {}, {"1d"}}, f.now, policy).value().send_now);
}

STORE_CONTRACT("a subscribe mail held back by the limits is due when they allow, once, of the kind the state asks") {
  test::ContractFixture<Backend> f;
  const ConfirmationMailPolicy policy{std::chrono::seconds{600}, 5};
  const auto first = f.subscriptions.request_subscription({"a@example.cn", {}, {"7d"}}, f.now, policy).value();
  CHECK(first.send_now);
  CHECK(first.mail == AccountMailKind::confirmation);
  // Asked again at once, twice: held back, not lost, and only one mail is due.
  CHECK_FALSE(f.subscriptions.request_subscription({"a@example.cn", {}, {"1d"}}, f.now, policy).value().send_now);
  CHECK_FALSE(f.subscriptions.request_subscription({"a@example.cn", {}, {"3d"}}, f.now, policy).value().send_now);
  CHECK(f.subscriptions.take_due_account_mails(f.now + std::chrono::seconds{599}, policy).value().empty());
  // Confirmed meanwhile: the due mail becomes the manage link.
  REQUIRE(f.subscriptions.confirm_subscription(first.subscriber_id, first.token_generation, f.now).value() ==
          ConfirmOutcome::confirmed);
  const auto due = f.subscriptions.take_due_account_mails(f.now + std::chrono::seconds{600}, policy).value();
  REQUIRE(due.size() == 1);
  CHECK(due[0].subscriber_id == first.subscriber_id);
  CHECK(due[0].email == "a@example.cn");
  CHECK(due[0].token_generation == first.token_generation);
  CHECK(due[0].kind == AccountMailKind::manage_link);
  CHECK(f.subscriptions.take_due_account_mails(f.now + date::days{2}, policy).value().empty());  // taken once
  // Counted: a request right after waits again.
  CHECK_FALSE(f.subscriptions.request_subscription({"a@example.cn", {}, {"1d"}}, f.now + std::chrono::seconds{601}, policy)
                  .value()
                  .send_now);
  // Unsubscribed before it is due: dropped.
  REQUIRE(f.subscriptions.unsubscribe(first.subscriber_id, f.now + std::chrono::seconds{602}));
  CHECK(f.subscriptions.take_due_account_mails(f.now + date::days{2}, policy).value().empty());
}

STORE_CONTRACT("the daily cap holds a mail back until the 24 hours are over") {
  test::ContractFixture<Backend> f;
  const ConfirmationMailPolicy policy{std::chrono::seconds{60}, 2};
  CHECK(f.subscriptions.request_subscription({"b@example.cn", {}, {"7d"}}, f.now, policy).value().send_now);
  CHECK(f.subscriptions.request_subscription({"b@example.cn", {}, {"7d"}}, f.now + std::chrono::seconds{60}, policy)
            .value()
            .send_now);
  CHECK_FALSE(f.subscriptions.request_subscription({"b@example.cn", {}, {"7d"}}, f.now + std::chrono::seconds{120}, policy)
                  .value()
                  .send_now);
  CHECK(f.subscriptions.take_due_account_mails(f.now + std::chrono::hours{23}, policy).value().empty());
  const auto due = f.subscriptions.take_due_account_mails(f.now + std::chrono::hours{24}, policy).value();
  REQUIRE(due.size() == 1);
  CHECK(due[0].kind == AccountMailKind::confirmation);
}

STORE_CONTRACT("a link opens its subscription only while its generation is current and it is not unsubscribed") {
  test::ContractFixture<Backend> f;
  const Owner me = subscribe(f, "caiwu@qiye.example.cn");
  const auto loaded = f.subscriptions.load_subscription(me.subscriber, me.generation).value();
  REQUIRE(loaded);
  CHECK(loaded->subscriber.id == me.subscriber);
  CHECK(loaded->subscriber.state == SubscriberState::active);
  CHECK(test::ids_of(loaded->endpoints) == test::Ids{me.email, me.hook});
  CHECK_FALSE(f.subscriptions.load_subscription(me.subscriber, me.generation + 1).value());
  CHECK_FALSE(f.subscriptions.load_subscription(me.subscriber + 100, 1).value());
  CHECK(f.feeds.load_subscription(me.subscriber, me.generation).value());  // the feed link: the same rule
  REQUIRE(f.subscriptions.unsubscribe(me.subscriber, f.now).ok());
  CHECK_FALSE(f.subscriptions.load_subscription(me.subscriber, me.generation).value());
  const std::int64_t current = f.subscriptions.find_subscriber(me.subscriber).value()->token_generation;
  CHECK(current == me.generation + 1);
  CHECK_FALSE(f.subscriptions.load_subscription(me.subscriber, current).value());  // unsubscribed: no link opens it
  CHECK(f.subscriptions.find_subscriber(me.subscriber).value()->state == SubscriberState::unsubscribed);
}

STORE_CONTRACT("the email choices change with a current link only") {
  test::ContractFixture<Backend> f;
  const Owner me = subscribe(f, "caiwu@qiye.example.cn");
  EndpointFilters filters;
  filters.programmes = {"p"};
  REQUIRE(f.subscriptions.set_email_choices(me.subscriber, me.generation, filters, {"1d"}).ok());
  const EndpointRecord email = f.endpoint_record(me.email);
  CHECK(email.filters.programmes == std::vector<std::string>{"p"});
  CHECK(email.leads == std::vector<std::string>{"1d"});
  CHECK(f.endpoint_record(me.hook).leads == std::vector<std::string>{"7d"});  // only the email endpoint
  CHECK_FALSE(f.subscriptions.set_email_choices(me.subscriber, me.generation + 1, {}, {"7d"}).ok());
  CHECK(f.endpoint_record(me.email).leads == std::vector<std::string>{"1d"});
}

STORE_CONTRACT("at most kMaxEndpointsPerSubscriber endpoints, email included") {
  test::ContractFixture<Backend> f;
  const Owner me = subscribe(f, "caiwu@qiye.example.cn");  // the email endpoint and one webhook
  const NewEndpoint robot{me.subscriber, EndpointKind::wecom, "https://qyapi.weixin.qq.com/x", "", {}, {}};
  for (int i = 2; i < kMaxEndpointsPerSubscriber; ++i) {
    const auto added = f.subscriptions.add_own_endpoint(me.generation, robot, f.now).value();
    CHECK(added.outcome == OwnEndpointChange::done);
  }
  const auto one_too_many = f.subscriptions.add_own_endpoint(me.generation, robot, f.now).value();
  CHECK(one_too_many.outcome == OwnEndpointChange::too_many);
  CHECK(f.subscriptions.load_subscription(me.subscriber, me.generation).value()->endpoints.size() ==
        static_cast<std::size_t>(kMaxEndpointsPerSubscriber));
  CHECK(f.subscriptions.add_own_endpoint(me.generation + 1, robot, f.now).value().outcome ==
        OwnEndpointChange::revoked);
  // Removing one makes room again.
  REQUIRE(f.subscriptions.remove_own_endpoint(me.subscriber, me.generation, me.hook).value() ==
          OwnEndpointChange::done);
  CHECK(f.subscriptions.add_own_endpoint(me.generation, robot, f.now).value().outcome == OwnEndpointChange::done);
}

STORE_CONTRACT("an endpoint's choices change only for its owner with a current token") {
  test::ContractFixture<Backend> f;
  const Owner me = subscribe(f, "caiwu@qiye.example.cn"), other = subscribe(f, "other@qiye.example.cn");
  EndpointFilters filters;
  filters.categories = {"资金引导"};
  filters.keywords = {"保险"};
  using Change = OwnEndpointChange;
  auto& s = f.subscriptions;
  CHECK(s.set_own_endpoint_choices(me.subscriber, me.generation, me.hook, filters, {"3d", "1d"}).value() ==
        Change::done);
  CHECK(f.endpoint_record(me.hook).filters.categories == std::vector<std::string>{"资金引导"});
  CHECK(f.endpoint_record(me.hook).filters.keywords == std::vector<std::string>{"保险"});
  CHECK(f.endpoint_record(me.hook).leads == std::vector<std::string>{"1d", "3d"});
  // the email endpoint too: that is how the email choices change
  CHECK(s.set_own_endpoint_choices(me.subscriber, me.generation, me.email, {}, {"1d"}).value() == Change::done);
  CHECK(f.endpoint_record(me.email).leads == std::vector<std::string>{"1d"});
  CHECK(f.endpoint_record(me.email).filters.empty());
  // someone else's endpoint, an unknown one, a stale generation: nothing changes
  CHECK(s.set_own_endpoint_choices(other.subscriber, other.generation, me.hook, {}, {"7d"}).value() ==
        Change::not_found);
  CHECK(s.set_own_endpoint_choices(me.subscriber, me.generation, other.hook + 100, {}, {"7d"}).value() ==
        Change::not_found);
  CHECK(s.set_own_endpoint_choices(me.subscriber, me.generation + 1, me.hook, {}, {"7d"}).value() ==
        Change::revoked);
  CHECK(f.endpoint_record(me.hook).leads == std::vector<std::string>{"1d", "3d"});
  CHECK(f.endpoint_record(other.hook).leads == std::vector<std::string>{"7d"});
}

STORE_CONTRACT("an endpoint is removed only by its owner, and never the last email endpoint") {
  test::ContractFixture<Backend> f;
  const Owner me = subscribe(f, "caiwu@qiye.example.cn"), other = subscribe(f, "other@qiye.example.cn");
  using Change = OwnEndpointChange;
  auto& s = f.subscriptions;
  CHECK(s.remove_own_endpoint(other.subscriber, other.generation, me.hook).value() == Change::not_found);
  CHECK(s.remove_own_endpoint(me.subscriber, me.generation - 1, me.hook).value() == Change::revoked);
  CHECK(s.remove_own_endpoint(me.subscriber, me.generation, me.email).value() == Change::only_email);
  const auto queued =
      s.queue_test_message(me.subscriber, me.generation, me.hook, "p/w/2026", f.now + std::chrono::hours{24}, f.now);
  REQUIRE_MESSAGE(queued, queued.error());
  CHECK(s.remove_own_endpoint(me.subscriber, me.generation, me.hook).value() == Change::done);
  CHECK_FALSE(s.find_endpoint(me.hook).value());
  CHECK(s.load_subscription(me.subscriber, me.generation).value()->endpoints.size() == 1);
  CHECK(f.admin.message_counts().value().empty());  // its messages went with it
  CHECK(s.remove_own_endpoint(me.subscriber, me.generation, me.hook).value() == Change::not_found);
  CHECK(s.find_endpoint(other.hook).value());
  // after unsubscribing, the token is revoked whatever the generation
  REQUIRE(s.unsubscribe(me.subscriber, f.now));
  const std::int64_t current = s.find_subscriber(me.subscriber).value()->token_generation;
  CHECK(s.remove_own_endpoint(me.subscriber, current, me.email).value() == Change::revoked);
  CHECK(s.set_own_endpoint_choices(me.subscriber, current, me.email, {}, {"7d"}).value() == Change::revoked);
}

STORE_CONTRACT("a test message goes at once to an active endpoint of the subscriber only") {
  test::ContractFixture<Backend> f;
  const Owner me = subscribe(f, "caiwu@qiye.example.cn"), other = subscribe(f, "other@qiye.example.cn");
  const Instant closes = f.now + std::chrono::hours{24};
  const auto id = f.subscriptions.queue_test_message(me.subscriber, me.generation, me.hook, "p/w/2026", closes, f.now);
  REQUIRE_MESSAGE(id, id.error());
  const auto claimed = f.claim();
  REQUIRE(claimed.size() == 1);
  CHECK(claimed[0].id == *id);
  CHECK(claimed[0].endpoint_id == me.hook);
  REQUIRE(claimed[0].items.size() == 1);
  CHECK(claimed[0].items[0].window_id == "p/w/2026");
  CHECK(claimed[0].items[0].lead == "test");
  CHECK(claimed[0].items[0].closes == closes);
  CHECK_FALSE(f.subscriptions.queue_test_message(me.subscriber, me.generation, other.hook, "p/w/2026", closes, f.now));
  CHECK_FALSE(f.subscriptions.queue_test_message(me.subscriber, me.generation + 1, me.hook, "p/w/2026", closes, f.now));
  REQUIRE(f.admin.disable_endpoint(me.hook, "operator", f.now).value());
  CHECK_FALSE(f.subscriptions.queue_test_message(me.subscriber, me.generation, me.hook, "p/w/2026", closes, f.now));
}

STORE_CONTRACT("an owner re-enables their endpoint with a current link, what it missed is replayed") {
  test::ContractFixture<Backend> f;
  const Owner me = subscribe(f, "caiwu@qiye.example.cn");
  f.fire_fresh();
  REQUIRE(f.admin.disable_endpoint(me.hook, "failing", f.now).value() == std::optional<std::int64_t>{1});
  CHECK_FALSE(f.subscriptions.reenable_endpoint(me.subscriber, me.generation + 1, me.hook, f.now).ok());
  CHECK(f.endpoint_record(me.hook).state == EndpointState::disabled);
  CHECK(f.subscriptions.reenable_endpoint(me.subscriber, me.generation, me.hook, f.now).value() == 1);
  CHECK(f.endpoint_record(me.hook).state == EndpointState::active);
  CHECK(f.endpoint_record(me.hook).state_reason.empty());
  CHECK(f.claim().size() == 1);
}

STORE_CONTRACT("endpoints left unsubscribed by an earlier subscription neither count, nor show, nor change") {
  test::ContractFixture<Backend> f;
  const Owner before = subscribe(f, "caiwu@qiye.example.cn");  // the email endpoint and one webhook
  const NewEndpoint robot{before.subscriber, EndpointKind::wecom, "https://qyapi.weixin.qq.com/x", "", {}, {}};
  for (int i = 2; i < kMaxEndpointsPerSubscriber; ++i) {
    REQUIRE(f.subscriptions.add_own_endpoint(before.generation, robot, f.now).value().outcome == OwnEndpointChange::done);
  }
  REQUIRE(f.subscriptions.unsubscribe(before.subscriber, f.now).ok());
  // The same address subscribes again.
  const auto again = f.subscriptions.request_subscription({"caiwu@qiye.example.cn", {}, {"7d"}}, f.now, {}).value();
  REQUIRE(again.subscriber_id == before.subscriber);
  REQUIRE(f.subscriptions.confirm_subscription(again.subscriber_id, again.token_generation, f.now).value() ==
          ConfirmOutcome::confirmed);
  const auto loaded = f.subscriptions.load_subscription(again.subscriber_id, again.token_generation).value();
  REQUIRE(loaded);
  REQUIRE(loaded->endpoints.size() == 1);  // only the new email endpoint
  CHECK(loaded->endpoints.front().kind == EndpointKind::email);
  CHECK(loaded->endpoints.front().state == EndpointState::active);
  for (int i = 1; i < kMaxEndpointsPerSubscriber; ++i) {
    CHECK(f.subscriptions.add_own_endpoint(again.token_generation, robot, f.now).value().outcome == OwnEndpointChange::done);
  }
  CHECK(f.subscriptions.add_own_endpoint(again.token_generation, robot, f.now).value().outcome ==
        OwnEndpointChange::too_many);
  // The old webhook is history: not theirs to change through the new link.
  CHECK(f.subscriptions.remove_own_endpoint(again.subscriber_id, again.token_generation, before.hook).value() ==
        OwnEndpointChange::not_found);
  CHECK(f.subscriptions.rename_own_endpoint(again.subscriber_id, again.token_generation, before.hook, "x").value() ==
        OwnEndpointChange::not_found);
  CHECK(f.subscriptions.set_own_endpoint_choices(again.subscriber_id, again.token_generation, before.hook, {}, {"7d"})
            .value() == OwnEndpointChange::not_found);
}

STORE_CONTRACT("an endpoint keeps the name it was added with, renamed only by its owner, its key shows by its tail") {
  test::ContractFixture<Backend> f;
  const Owner me = subscribe(f, "caiwu@qiye.example.cn");
  const Owner other = subscribe(f, "other@qiye.example.cn");
  NewEndpoint hook{me.subscriber, EndpointKind::webhook, "https://hooks.example.cn/y", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                   {}, {"7d"}};
  hook.name = "财务群";
  const auto added = f.subscriptions.add_own_endpoint(me.generation, hook, f.now).value();
  REQUIRE(added.outcome == OwnEndpointChange::done);
  CHECK(f.endpoint_record(added.id).name == "财务群");
  CHECK(f.endpoint_record(added.id).secret_tail == "LaSw");
  CHECK(f.endpoint_record(me.hook).name.empty());
  CHECK(f.endpoint_record(me.hook).secret_tail.empty());  // added without a key
  CHECK(f.subscriptions.rename_own_endpoint(me.subscriber, me.generation, added.id, "项目群").value() ==
        OwnEndpointChange::done);
  CHECK(f.endpoint_record(added.id).name == "项目群");
  CHECK(f.subscriptions.rename_own_endpoint(me.subscriber, me.generation + 1, added.id, "x").value() ==
        OwnEndpointChange::revoked);
  CHECK(f.subscriptions.rename_own_endpoint(other.subscriber, other.generation, added.id, "x").value() ==
        OwnEndpointChange::not_found);
  CHECK(f.endpoint_record(added.id).name == "项目群");
  const auto loaded = f.subscriptions.load_subscription(me.subscriber, me.generation).value();
  REQUIRE(loaded);
  CHECK(loaded->endpoints.back().name == "项目群");
}

STORE_CONTRACT("erasing a subscription deletes the subscriber with every endpoint and message, with a current link only") {
  test::ContractFixture<Backend> f;
  const Owner me = subscribe(f, "caiwu@qiye.example.cn");
  const Owner other = subscribe(f, "other@qiye.example.cn");
  CHECK(f.subscriptions.erase_subscription(me.subscriber, me.generation + 1).value() == OwnEndpointChange::revoked);
  CHECK(f.subscriptions.find_subscriber(me.subscriber).value());
  CHECK(f.subscriptions.erase_subscription(me.subscriber, me.generation).value() == OwnEndpointChange::done);
  CHECK_FALSE(f.subscriptions.find_subscriber(me.subscriber).value());
  CHECK_FALSE(f.subscriptions.find_endpoint(me.email).value());
  CHECK_FALSE(f.subscriptions.find_endpoint(me.hook).value());
  CHECK_FALSE(f.subscriptions.load_subscription(me.subscriber, me.generation).value());
  CHECK(f.subscriptions.erase_subscription(me.subscriber, me.generation).value() == OwnEndpointChange::revoked);
  // Nobody else's.
  CHECK(f.subscriptions.load_subscription(other.subscriber, other.generation).value());
  CHECK(f.subscriptions.find_endpoint(other.hook).value());
}
