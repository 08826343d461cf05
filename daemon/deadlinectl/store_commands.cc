#include "deadlinectl/store_commands.h"

#include <limits>
#include <ostream>

#include "calendar/loader.h"
#include "delivery/new_endpoint_check.h"
#include "delivery/webhook_signature.h"
#include "schedule/lead.h"
#include "store/open_store.h"
#include "subscription/email_address.h"
#include "time/clock.h"
#include "time/iso8601.h"

namespace deadline::ctl {

namespace {


constexpr int kEverything = std::numeric_limits<int>::max();  // no limit on a listing

// The database as the operator's verbs see it: the admin store's calls (admin_store.h), which
// also names the calls it shares with other clients unambiguously.
std::shared_ptr<store::AdminStore> open_store(const StoreSource& source, std::ostream& err) {
  auto opened = store::open_store(source.database.string(), store::settings_named("deadlinectl"));
  if (!opened) {
    err << "deadlinectl: " << opened.error() << '\n';
    return nullptr;
  }
  std::shared_ptr<store::Store> owner = std::move(opened).value();
  store::AdminStore& admin = *owner;
  return {owner, &admin};  // shares ownership of the whole store
}

Instant now() { return SystemClock().now(); }

// Prints the error of a failed result and returns 1, or returns 0.
template <class R>
int report(const R& result, std::ostream& err) {
  if (result.ok()) return 0;
  err << "deadlinectl: " << result.error() << '\n';
  return 1;
}

void print_list(std::ostream& out, const char* label, const std::vector<std::string>& values) {
  if (values.empty()) return;
  out << "  " << label << ":";
  for (const std::string& v : values) out << ' ' << v;
  out << '\n';
}

void print_endpoint(std::ostream& out, const store::EndpointRecord& e) {
  out << e.id << "  subscriber " << e.subscriber_id << "  " << to_string(e.kind) << "  " << to_string(e.state)
      << (e.state_reason.empty() ? "" : " (" + e.state_reason + ")") << "  " << e.address << '\n';
  print_list(out, "programmes", e.filters.programmes);
  print_list(out, "groups", e.filters.groups);
  print_list(out, "categories", e.filters.categories);
  print_list(out, "authorities", e.filters.authorities);
  print_list(out, "roles", e.filters.roles);
  print_list(out, "keywords", e.filters.keywords);
  print_list(out, "leads", e.leads.empty() ? std::vector<std::string>{"(all)"} : e.leads);
}

std::string endpoint_problem(const NewEndpointArgs& args, EndpointKind kind, const StoreSource& source) {
  const LoadOutcome calendar = load_calendar_dir(source.calendars);
  if (!calendar.calendar) return "the calendar in " + source.calendars.string() + " does not load";
  const store::NewEndpoint endpoint{args.subscriber_id, kind, args.address, args.secret, args.filters, args.leads};
  const delivery::NewEndpointProblem p = delivery::new_endpoint_problem(endpoint, *calendar.calendar);
  return p.message.empty() ? std::string() : "--" + p.field + ": " + p.message;
}

}  // namespace

int subscribers_add(const StoreSource& source, const std::string& email, bool pending, std::ostream& out,
                    std::ostream& err) {
  if (const std::string problem = email_address_problem(email); !problem.empty()) {
    err << "deadlinectl: " << problem << '\n';
    return 1;
  }
  const auto store = open_store(source, err);
  if (!store) return 1;
  const auto id = store->add_subscriber(email, pending ? SubscriberState::pending : SubscriberState::active, now());
  if (report(id, err)) return 1;
  out << *id << '\n';
  return 0;
}

int subscribers_list(const StoreSource& source, std::ostream& out, std::ostream& err) {
  const auto store = open_store(source, err);
  if (!store) return 1;
  const auto subscribers = store->search_subscribers("", std::nullopt, 0, kEverything);
  if (report(subscribers, err)) return 1;
  for (const store::SubscriberRecord& s : *subscribers) {
    out << s.id << "  " << to_string(s.state) << "  " << s.email.value_or("(purged)") << "  " << format_utc(s.created_at)
        << '\n';
  }
  return 0;
}

int subscribers_show(const StoreSource& source, std::int64_t id, std::ostream& out, std::ostream& err) {
  const auto store = open_store(source, err);
  if (!store) return 1;
  const auto found = store->find_subscriber(id);
  if (report(found, err)) return 1;
  if (!found->has_value()) {
    err << "deadlinectl: subscriber " << id << " not found\n";
    return 1;
  }
  const store::SubscriberRecord& s = **found;
  out << s.id << "  " << to_string(s.state) << "  " << s.email.value_or("(purged)") << "  created " << format_utc(s.created_at)
      << "  token generation " << s.token_generation << '\n';
  const auto endpoints = store->search_endpoints(id, std::nullopt, 0, kEverything);
  if (report(endpoints, err)) return 1;
  for (const store::EndpointRecord& e : *endpoints) print_endpoint(out, e);
  return 0;
}

int subscribers_unsubscribe(const StoreSource& source, std::int64_t id, std::ostream& out, std::ostream& err) {
  const auto store = open_store(source, err);
  if (!store || report(store->unsubscribe(id, now()), err)) return 1;
  out << "subscriber " << id << " unsubscribed\n";
  return 0;
}

int subscribers_remove(const StoreSource& source, std::int64_t id, std::ostream& out, std::ostream& err) {
  const auto store = open_store(source, err);
  if (!store || report(store->remove_subscriber(id), err)) return 1;
  out << "subscriber " << id << " removed with its endpoints and messages\n";
  return 0;
}

int endpoints_add(const StoreSource& source, const NewEndpointArgs& args, std::ostream& out, std::ostream& err) {
  const auto kind = parse_endpoint_kind(args.kind);
  if (!kind) {
    err << "deadlinectl: --kind must be email, webhook, wecom, dingtalk or feishu\n";
    return 2;
  }
  if (const std::string problem = endpoint_problem(args, *kind, source); !problem.empty()) {
    err << "deadlinectl: " << problem << '\n';
    return 1;
  }
  const auto store = open_store(source, err);
  if (!store) return 1;
  const auto subscriber = store->find_subscriber(args.subscriber_id);
  if (report(subscriber, err)) return 1;
  if (!subscriber->has_value()) {
    err << "deadlinectl: subscriber " << args.subscriber_id << " not found\n";
    return 1;
  }
  store::NewEndpoint endpoint{args.subscriber_id, *kind, args.address, args.secret, args.filters, args.leads};
  const bool generated = *kind == EndpointKind::webhook && endpoint.secret.empty();
  if (generated) endpoint.secret = generate_webhook_secret();
  const auto id = store->add_endpoint(endpoint, now());
  if (report(id, err)) return 1;
  out << *id << '\n';
  // Shown once, here: the receiver needs it to verify signatures; it is never logged.
  if (generated) out << "secret: " << endpoint.secret << '\n';
  return 0;
}

int endpoints_list(const StoreSource& source, std::optional<std::int64_t> subscriber_id, std::ostream& out,
                   std::ostream& err) {
  const auto store = open_store(source, err);
  if (!store) return 1;
  const auto endpoints = store->search_endpoints(subscriber_id, std::nullopt, 0, kEverything);
  if (report(endpoints, err)) return 1;
  for (const store::EndpointRecord& e : *endpoints) print_endpoint(out, e);
  return 0;
}

int endpoints_show(const StoreSource& source, std::int64_t id, std::ostream& out, std::ostream& err) {
  const auto store = open_store(source, err);
  if (!store) return 1;
  const auto found = store->find_endpoint(id);
  if (report(found, err)) return 1;
  if (!found->has_value()) {
    err << "deadlinectl: endpoint " << id << " not found\n";
    return 1;
  }
  print_endpoint(out, **found);
  return 0;
}

int endpoints_remove(const StoreSource& source, std::int64_t id, std::ostream& out, std::ostream& err) {
  const auto store = open_store(source, err);
  if (!store || report(store->remove_endpoint(id), err)) return 1;
  out << "endpoint " << id << " removed with its messages\n";
  return 0;
}

int endpoints_rotate_secret(const StoreSource& source, std::int64_t id, std::ostream& out, std::ostream& err) {
  const auto store = open_store(source, err);
  const std::string secret = generate_webhook_secret();
  if (!store || report(store->start_secret_rotation(id, secret), err)) return 1;
  out << "endpoint " << id << ": new secret (shown once; the previous one still signs until "
      << "`endpoints finish-rotation " << id << "`):\nsecret: " << secret << '\n';
  return 0;
}

int endpoints_finish_rotation(const StoreSource& source, std::int64_t id, std::ostream& out, std::ostream& err) {
  const auto store = open_store(source, err);
  if (!store || report(store->finish_secret_rotation(id), err)) return 1;
  out << "endpoint " << id << ": only the current secret signs now\n";
  return 0;
}

int messages_list(const StoreSource& source, const std::string& state, int limit, std::ostream& out,
                  std::ostream& err) {
  const auto store = open_store(source, err);
  if (!store) return 1;
  const auto messages = store->list_messages(state.empty() ? std::nullopt : parse_message_state(state), limit);
  if (report(messages, err)) return 1;
  for (const store::MessageRecord& m : *messages) {
    out << m.id << "  endpoint " << m.endpoint_id << "  " << to_string(m.state) << "  attempts " << m.attempts << "  due "
        << format_utc(m.due) << "  updated " << format_utc(m.updated);
    if (m.state == MessageState::retry) out << "  next " << format_utc(m.next_attempt);
    if (!m.last_error.empty()) out << "  error: " << m.last_error;
    out << '\n';
  }
  return 0;
}

int outbox_summary(const StoreSource& source, std::ostream& out, std::ostream& err) {
  const auto store = open_store(source, err);
  if (!store) return 1;
  const auto counts = store->message_counts();
  if (report(counts, err)) return 1;
  out << "messages:";
  for (const auto& [state, name] : kMessageStates.entries) {
    const auto it = counts->find(state);
    out << ' ' << name << '=' << (it == counts->end() ? 0 : it->second);
  }
  out << "\ntriggers:";
  for (const auto& [outcome, name] : kTriggerOutcomes.entries) {
    const auto n = store->trigger_count(outcome);
    if (report(n, err)) return 1;
    out << ' ' << name << '=' << *n;
  }
  out << '\n';
  return 0;
}

}  // namespace deadline::ctl
