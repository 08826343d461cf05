#include <iostream>

#include "deadlinectl/bounce_command.h"
#include "deadlinectl/cli.h"

namespace deadline::ctl {

namespace {

using Verb = int (*)(const StoreSource&, std::int64_t, std::ostream&, std::ostream&);

// A subcommand of `parent` taking one id and running `verb` on it.
void add_by_id(CLI::App* parent, const char* name, const char* help, const char* id_help, Verb verb,
               Globals& g, Action& action) {
  auto id = std::make_shared<std::int64_t>(0);
  auto* cmd = parent->add_subcommand(name, help);
  cmd->add_option("id", *id, id_help)->required();
  cmd->callback([&g, &action, id, verb] { action = [&g, id, verb] { return verb(g.store, *id, std::cout, std::cerr); }; });
}

void add_subscriber_commands(CLI::App& app, Globals& g, Action& action) {
  auto* subscribers = app.add_subcommand("subscribers", "Subscribers in the database (--db)");
  subscribers->require_subcommand(1);

  auto email = std::make_shared<std::string>();
  auto pending = std::make_shared<bool>(false);
  auto* add = subscribers->add_subcommand("add", "Add a subscriber (active: confirmed by the operator)");
  add->add_option("email", *email, "Email address")->required();
  add->add_flag("--pending", *pending, "Add unconfirmed instead");
  add->callback([&, email, pending] {
    action = [&g, email, pending] { return subscribers_add(g.store, *email, *pending, std::cout, std::cerr); };
  });

  subscribers->add_subcommand("list", "List subscribers")->callback([&] {
    action = [&g] { return subscribers_list(g.store, std::cout, std::cerr); };
  });

  add_by_id(subscribers, "show", "A subscriber and its endpoints", "Subscriber id", subscribers_show, g, action);
  add_by_id(subscribers, "unsubscribe", "Unsubscribe (unsent messages expire; links are revoked)", "Subscriber id",
            subscribers_unsubscribe, g, action);
  add_by_id(subscribers, "remove", "Delete a subscriber with its endpoints and messages", "Subscriber id",
            subscribers_remove, g, action);
}

void add_endpoint_commands(CLI::App& app, Globals& g, Action& action) {
  auto* endpoints = app.add_subcommand("endpoints", "Endpoints in the database (--db)");
  endpoints->require_subcommand(1);

  auto args = std::make_shared<NewEndpointArgs>();
  auto* add = endpoints->add_subcommand("add", "Add an endpoint to a subscriber");
  add->add_option("--subscriber", args->subscriber_id, "Subscriber id")->required();
  add->add_option("--kind", args->kind, "email, webhook, wecom, dingtalk or feishu")->required();
  add->add_option("--address", args->address, "Email address or URL")->required();
  add->add_option("--secret", args->secret, "Signing secret (webhooks and robots)");
  add->add_option("--programme", args->filters.programmes, "Only this programme id (repeatable)");
  add->add_option("--group", args->filters.groups, "Only this department group (repeatable)");
  add->add_option("--category", args->filters.categories, "Only this category (repeatable)");
  add->add_option("--authority", args->filters.authorities, "Only programmes whose authority contains this");
  add->add_option("--role", args->filters.roles, "Only windows where this role acts: 企业, 推荐单位, 主管部门");
  add->add_option("--keyword", args->filters.keywords, "Only programmes whose title contains this");
  add->add_option("--lead", args->leads, "Only these reminder points (default: all of the menu)");
  add->callback([&, args] { action = [&g, args] { return endpoints_add(g.store, *args, std::cout, std::cerr); }; });

  auto subscriber = std::make_shared<std::int64_t>(0);
  auto* list = endpoints->add_subcommand("list", "List endpoints");
  auto* subscriber_option = list->add_option("--subscriber", *subscriber, "Only this subscriber's");
  list->callback([&, subscriber, subscriber_option] {
    const std::optional<std::int64_t> only =
        subscriber_option->count() > 0 ? std::optional<std::int64_t>(*subscriber) : std::nullopt;
    action = [&g, only] { return endpoints_list(g.store, only, std::cout, std::cerr); };
  });

  add_by_id(endpoints, "show", "One endpoint", "Endpoint id", endpoints_show, g, action);
  add_by_id(endpoints, "remove", "Delete an endpoint with its messages", "Endpoint id", endpoints_remove, g, action);
  add_by_id(endpoints, "rotate-secret", "Webhook: a new secret; the current one keeps signing beside it",
            "Endpoint id", endpoints_rotate_secret, g, action);
  add_by_id(endpoints, "finish-rotation", "Webhook: drop the previous secret after a rotation", "Endpoint id",
            endpoints_finish_rotation, g, action);
}

}  // namespace

void add_store_commands(CLI::App& app, Globals& globals, Action& action) {
  add_subscriber_commands(app, globals, action);
  add_endpoint_commands(app, globals, action);
  auto state = std::make_shared<std::string>();
  auto limit = std::make_shared<int>(50);
  auto* messages = app.add_subcommand("messages", "The newest messages, e.g. --state dead: what failed and why");
  messages->add_option("--state", *state, "pending, sending, retry, delivered, dead or expired (default: all)")
      ->check(CLI::IsMember({"pending", "sending", "retry", "delivered", "dead", "expired"}));
  messages->add_option("--limit", *limit, "How many")->check(CLI::Range(1, 100000))->capture_default_str();
  messages->callback([&globals, &action, state, limit] {
    action = [&globals, state, limit] { return messages_list(globals.store, *state, *limit, std::cout, std::cerr); };
  });

  auto recipient = std::make_shared<std::string>();
  auto* bounce = app.add_subcommand("bounce", "Record a bounce (DSN) read on standard input, e.g. from an MTA pipe");
  bounce->add_option("--recipient", *recipient, "The address the bounce was delivered to (VERP), if known");
  bounce->callback([&globals, &action, recipient] {
    action = [&globals, recipient] { return record_bounce(globals.store, std::cin, *recipient, std::cout, std::cerr); };
  });

  app.add_subcommand("outbox", "Messages by state and triggers by outcome")->callback([&] {
    action = [&globals] { return outbox_summary(globals.store, std::cout, std::cerr); };
  });
}

}  // namespace deadline::ctl
