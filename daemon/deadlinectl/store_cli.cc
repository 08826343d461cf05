#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "deadlinectl/admin_client.h"
#include "deadlinectl/bounce_command.h"
#include "deadlinectl/cli.h"
#include "deadlinectl/released_files_command.h"
#include "deadlinectl/revision_commands.h"
#include "domain/message.h"
#include "store/open_store.h"

namespace deadline::ctl {

namespace {

std::vector<std::string> message_state_names() {
  const auto names = kMessageStates.names();
  return {names.begin(), names.end()};
}

using Verb = int (*)(const StoreSource&, std::int64_t, std::ostream&, std::ostream&);

// The same verb through the admin API: method, path and JSON body.
struct AdminCall {
  std::string method, path, body;
};

// With --admin, the verb goes to the running daemon (`online`); without, it runs on the database
// file, unless a daemon holds it: the two would not see each other's state (a claim, a cached
// feed), so the offline verb refuses and says how to reach the daemon instead.
int run_verb(const Globals& g, const std::function<int()>& offline, const std::optional<AdminCall>& online) {
  if (!g.admin.url.empty()) {
    if (!online) {
      std::cerr << "deadlinectl: this command works on the database file only; leave out --admin\n";
      return 2;
    }
    return admin_verb(g.admin, online->method, online->path, online->body, std::cout, std::cerr);
  }
  const auto running = store::daemon_running_on(g.store.database.string());
  if (!running) {
    std::cerr << "deadlinectl: " << running.error() << "\n";
    return 1;
  }
  if (!running->empty()) {
    std::cerr << "deadlinectl: " << *running << "; use --admin URL (e.g. --admin http://127.0.0.1:8081) to act through it\n";
    return 1;
  }
  return offline();
}

// A subcommand of `parent` taking one id and running `verb` on it, or `method` on `path_of(id)`
// through the admin API.
void add_by_id(CLI::App* parent, const char* name, const char* help, const char* id_help, Verb verb,
               Globals& g, Action& action, const char* method = nullptr, std::string (*path_of)(std::int64_t) = nullptr) {
  auto id = std::make_shared<std::int64_t>(0);
  auto* cmd = parent->add_subcommand(name, help);
  cmd->add_option("id", *id, id_help)->required();
  cmd->callback([&g, &action, id, verb, method, path_of] {
    action = [&g, id, verb, method, path_of] {
      const std::optional<AdminCall> online =
          method ? std::optional<AdminCall>(AdminCall{method, path_of(*id), ""}) : std::nullopt;
      return run_verb(g, [&] { return verb(g.store, *id, std::cout, std::cerr); }, online);
    };
  });
}

std::string subscriber_path(std::int64_t id) { return "/admin/v1/subscribers/" + std::to_string(id); }
std::string subscriber_unsubscribe_path(std::int64_t id) { return subscriber_path(id) + "/unsubscribe"; }
std::string endpoint_path(std::int64_t id) { return "/admin/v1/endpoints/" + std::to_string(id); }
std::string endpoint_rotate_path(std::int64_t id) { return endpoint_path(id) + "/rotate-secret"; }
std::string endpoint_finish_path(std::int64_t id) { return endpoint_path(id) + "/finish-rotation"; }
std::string endpoint_enable_path(std::int64_t id) { return endpoint_path(id) + "/enable"; }

nlohmann::json filters_json(const EndpointFilters& f) {
  return {{"programmes", f.programmes}, {"groups", f.groups}, {"categories", f.categories},
          {"authorities", f.authorities}, {"roles", f.roles}, {"keywords", f.keywords}};
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
    action = [&g, email, pending] {
      const nlohmann::json body = {{"email", *email}, {"state", *pending ? "pending" : "active"}};
      return run_verb(g, [&] { return subscribers_add(g.store, *email, *pending, std::cout, std::cerr); },
                      AdminCall{"POST", "/admin/v1/subscribers", body.dump()});
    };
  });

  subscribers->add_subcommand("list", "List subscribers")->callback([&] {
    action = [&g] {
      return run_verb(g, [&] { return subscribers_list(g.store, std::cout, std::cerr); },
                      AdminCall{"GET", "/admin/v1/subscribers", ""});
    };
  });

  add_by_id(subscribers, "show", "A subscriber and its endpoints", "Subscriber id", subscribers_show, g, action, "GET",
            subscriber_path);
  add_by_id(subscribers, "unsubscribe", "Unsubscribe (unsent messages expire; links are revoked)", "Subscriber id",
            subscribers_unsubscribe, g, action, "POST", subscriber_unsubscribe_path);
  add_by_id(subscribers, "remove", "Delete a subscriber with its endpoints and messages", "Subscriber id",
            subscribers_remove, g, action, "DELETE", subscriber_path);
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
  add->callback([&, args] {
    action = [&g, args] {
      nlohmann::json body = {{"subscriber", args->subscriber_id}, {"kind", args->kind}, {"address", args->address},
                             {"filters", filters_json(args->filters)}};
      if (!args->secret.empty()) body["secret"] = args->secret;   // absent: a webhook gets a new one
      if (!args->leads.empty()) body["leads"] = args->leads;      // absent: all of the menu
      return run_verb(g, [&] { return endpoints_add(g.store, *args, std::cout, std::cerr); },
                      AdminCall{"POST", "/admin/v1/endpoints", body.dump()});
    };
  });

  auto subscriber = std::make_shared<std::int64_t>(0);
  auto* list = endpoints->add_subcommand("list", "List endpoints");
  auto* subscriber_option = list->add_option("--subscriber", *subscriber, "Only this subscriber's");
  list->callback([&, subscriber, subscriber_option] {
    const std::optional<std::int64_t> only =
        subscriber_option->count() > 0 ? std::optional<std::int64_t>(*subscriber) : std::nullopt;
    action = [&g, only] {
      return run_verb(g, [&] { return endpoints_list(g.store, only, std::cout, std::cerr); },
                      AdminCall{"GET", "/admin/v1/endpoints" + (only ? "?subscriber=" + std::to_string(*only) : std::string()),
                                ""});
    };
  });

  add_by_id(endpoints, "show", "One endpoint", "Endpoint id", endpoints_show, g, action, "GET", endpoint_path);
  add_by_id(endpoints, "remove", "Delete an endpoint with its messages", "Endpoint id", endpoints_remove, g, action,
            "DELETE", endpoint_path);
  add_by_id(endpoints, "rotate-secret", "Webhook: a new secret; the current one keeps signing beside it",
            "Endpoint id", endpoints_rotate_secret, g, action, "POST", endpoint_rotate_path);
  add_by_id(endpoints, "finish-rotation", "Webhook: drop the previous secret after a rotation", "Endpoint id",
            endpoints_finish_rotation, g, action, "POST", endpoint_finish_path);

  // Running daemon only (--admin): they change what the dispatcher is doing.
  auto disable_id = std::make_shared<std::int64_t>(0);
  auto reason = std::make_shared<std::string>();
  auto* disable = endpoints->add_subcommand("disable", "Stop delivering to an endpoint (--admin); its unsent messages expire");
  disable->add_option("id", *disable_id, "Endpoint id")->required();
  disable->add_option("--reason", *reason, "Why, for the subscriber and the log")->required();
  disable->callback([&g, &action, disable_id, reason] {
    action = [&g, disable_id, reason] {
      return run_verb(g, [] { std::cerr << "deadlinectl: endpoints disable needs --admin URL\n"; return 2; },
                      AdminCall{"POST", endpoint_path(*disable_id) + "/disable", nlohmann::json{{"reason", *reason}}.dump()});
    };
  });
  auto enable_id = std::make_shared<std::int64_t>(0);
  auto* enable = endpoints->add_subcommand("enable", "Deliver to an endpoint again and replay what it missed (--admin)");
  enable->add_option("id", *enable_id, "Endpoint id")->required();
  enable->callback([&g, &action, enable_id] {
    action = [&g, enable_id] {
      return run_verb(g, [] { std::cerr << "deadlinectl: endpoints enable needs --admin URL\n"; return 2; },
                      AdminCall{"POST", endpoint_enable_path(*enable_id), ""});
    };
  });
}

}  // namespace

void add_store_commands(CLI::App& app, Globals& globals, Action& action) {
  add_subscriber_commands(app, globals, action);
  add_endpoint_commands(app, globals, action);
  auto state = std::make_shared<std::string>();
  auto limit = std::make_shared<int>(50);
  auto* messages = app.add_subcommand("messages", "The newest messages, e.g. --state dead: what failed and why");
  messages->add_option("--state", *state, "pending, sending, retry, delivered, dead or expired (default: all)")
      ->check(CLI::IsMember(message_state_names()));
  messages->add_option("--limit", *limit, "How many")->check(CLI::Range(1, 100000))->capture_default_str();
  messages->callback([&globals, &action, state, limit] {
    action = [&globals, state, limit] {
      std::string path = "/admin/v1/messages?limit=" + std::to_string(*limit);
      if (!state->empty()) path += "&state=" + *state;
      return run_verb(globals, [&] { return messages_list(globals.store, *state, *limit, std::cout, std::cerr); },
                      AdminCall{"GET", path, ""});
    };
  });

  auto recipient = std::make_shared<std::string>();
  auto* bounce = app.add_subcommand("bounce", "Record a bounce (DSN) read on standard input, e.g. from an MTA pipe");
  bounce->add_option("--recipient", *recipient, "The address the bounce was delivered to (VERP), if known");
  bounce->callback([&globals, &action, recipient] {
    action = [&globals, recipient] { return record_bounce(globals.store, std::cin, *recipient, std::cout, std::cerr); };
  });

  app.add_subcommand("outbox", "Messages by state and triggers by outcome")->callback([&] {
    action = [&globals] {
      return run_verb(globals, [&] { return outbox_summary(globals.store, std::cout, std::cerr); },
                      AdminCall{"GET", "/admin/v1/counts", ""});
    };
  });

  auto message_id = std::make_shared<std::string>();
  auto* replay = app.add_subcommand("replay", "Send a dead or expired message again, now (--admin)");
  replay->add_option("id", *message_id, "Message id (deadlinectl messages shows them)")->required();
  replay->callback([&globals, &action, message_id] {
    action = [&globals, message_id] {
      return run_verb(globals, [] { std::cerr << "deadlinectl: replay needs --admin URL\n"; return 2; },
                      AdminCall{"POST", "/admin/v1/messages/" + *message_id + "/replay", ""});
    };
  });

  app.add_subcommand("status", "The running daemon (--admin): next reminder points, queue, failures, last reload")
      ->callback([&globals, &action] {
        action = [&globals] {
          return run_verb(globals, [] { std::cerr << "deadlinectl: status needs --admin URL\n"; return 2; },
                          AdminCall{"GET", "/admin/v1/status", ""});
        };
      });

  auto wait = std::make_shared<bool>(false);
  auto reason = std::make_shared<std::string>();
  auto* reload = app.add_subcommand("reload", "Reload the running daemon's calendars (--admin, default http://127.0.0.1:8081)");
  reload->add_flag("--wait", *wait,
                   "Wait for the outcome: exit 1 listing the errors (file:line) when the new calendar is rejected "
                   "(for systemd's ExecReload)");
  reload->add_option("--reason", *reason, "Why: kept with the revision (deadlinectl history), e.g. the notice's title");
  reload->callback([&globals, &action, wait, reason] {
    action = [&globals, wait, reason] {
      AdminTarget target = globals.admin;
      if (target.url.empty()) target.url = "http://127.0.0.1:8081";
      const std::string body = reason->empty() ? std::string() : nlohmann::json{{"reason", *reason}}.dump();
      const Result<AdminAnswer> answer = admin_request(target, "POST", "/admin/v1/reload", body);
      if (!answer) {
        std::cerr << "deadlinectl: " << answer.error() << '\n';
        return 1;
      }
      const nlohmann::json parsed = nlohmann::json::parse(answer->body, nullptr, false);
      if (answer->status == 200 && !parsed.is_discarded()) {
        print_reload(parsed, std::cout);
        return 0;
      }
      const int status = print_answer(*answer, std::cerr, std::cerr);
      // Without --wait only an unreachable daemon is a failure: the calendar's fate is printed.
      return *wait ? status : 0;
    };
  });

  auto programme = std::make_shared<std::string>();
  auto history_limit = std::make_shared<int>(20);
  auto history_json = std::make_shared<bool>(false);
  auto* history = app.add_subcommand(
      "history", "Calendar revisions the daemon applied and what each changed (--admin, or --db offline)");
  history->add_option("--programme", *programme, "Only revisions that changed this programme's windows");
  history->add_option("--limit", *history_limit, "How many, newest first")->check(CLI::Range(1, 1000))->capture_default_str();
  history->add_flag("--json", *history_json, "The admin API's JSON instead of text");
  history->callback([&globals, &action, programme, history_limit, history_json] {
    action = [&globals, programme, history_limit, history_json] {
      return history_command(globals, *programme, *history_limit, *history_json, std::cout, std::cerr);
    };
  });

  auto released_dir = std::make_shared<std::string>();
  auto* released = app.add_subcommand(
      "released-files",
      "Write the database's released calendar, as its files, into DIR (--db; beside running daemons too)");
  released->add_option("DIR", *released_dir, "An empty or new directory: then make it the node's calendars")->required();
  released->callback([&globals, &action, released_dir] {
    action = [&globals, released_dir] {
      return write_released_files(globals.store.database.string(), *released_dir, std::cout, std::cerr);
    };
  });

  auto changes = std::make_shared<ChangesRequest>();
  auto* changes_cmd = app.add_subcommand(
      "changes", "The staged calendar revision: what changed and when it is released (--admin, or --db offline)");
  changes_cmd->add_flag("--json", changes->json, "The admin API's JSON instead of text");
  changes_cmd->add_option("--config", changes->config,
                          "Offline: the daemon's deadlined.toml, whose [schedule] leads judge whom a release tells");
  auto* release = changes_cmd->add_subcommand("release", "Release the staged revision now: its change notices go out");
  release->add_option("REVISION", changes->revision, "The staged revision's number")->required();
  auto* drop = changes_cmd->add_subcommand("drop", "Discard the staged revision: nobody is told, its dates are never used");
  drop->add_option("REVISION", changes->revision, "The staged revision's number")->required();
  drop->add_option("--reason", changes->reason, "Why, kept with the revision");
  changes_cmd->callback([&globals, &action, changes, release, drop] {
    if (release->parsed()) changes->verb = "release";
    if (drop->parsed()) changes->verb = "drop";
    action = [&globals, changes] { return changes_command(globals, *changes, std::cout, std::cerr); };
  });
}

}  // namespace deadline::ctl
