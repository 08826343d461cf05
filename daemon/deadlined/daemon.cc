#include "deadlined/daemon.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "api/api_routes.h"
#include "admin/admin_routes.h"
#include "base/log.h"
#include "calendar/loader.h"
#include "calendar/snapshot.h"
#include "config/email_config.h"
#include "deadlined/calendar_authority.h"
#include "deadlined/file_limit.h"
#include "deadlined/message_wakeup.h"
#include "deadlined/owned_store.h"
#include "deadlined/secrets.h"
#include "deadlined/systemd_notify.h"
#include "delivery/curl_multi_client.h"
#include "domain/revision_json.h"
#include "delivery/email_channel.h"
#include "delivery/notice_sender.h"
#include "delivery/routing_client.h"
#include "delivery/dispatcher.h"
#include "delivery/webhook_channel.h"
#include "delivery/wecom_channel.h"
#include "delivery/dingtalk_channel.h"
#include "delivery/feishu_channel.h"
#include "http/endpoint.h"
#include "http/http_metrics.h"
#include "http/server.h"
#include "ical/feed_book.h"
#include "ical/feed_catalog.h"
#include "schedule/notice_decider.h"
#include "schedule/plan.h"
#include "schedule/revision_windows.h"
#include "firing/scheduler.h"
#include "store/database_location.h"
#include "store/store_thread.h"
#include "time/iso8601.h"
#include "time/zone.h"
#include "web/feed_routes.h"
#include "web/manage_routes.h"
#include "web/site_routes.h"
#include "web/subscription_pages.h"
#include "web/page.h"
#include "web/unsubscribe_routes.h"

namespace deadline::daemon {

namespace {

namespace asio = boost::asio;

std::unique_ptr<Clock> make_clock(const Config& config) {
  if (config.test_clock_offset_file.empty()) return std::make_unique<SystemClock>();
  log::warning("daemon", "test clock in use: offset read from " + config.test_clock_offset_file.string());
  return std::make_unique<OffsetClock>(config.test_clock_offset_file);
}

volatile std::sig_atomic_t early_reload_requested = 0;
extern "C" void note_early_reload(int) { early_reload_requested = 1; }

std::optional<Config> resolve_config(const Flags& flags) {
  Config config = default_config();
  if (flags.config_file) {
    ConfigOutcome outcome = load_config_file(*flags.config_file);
    for (const std::string& e : outcome.errors) log::error("config", e);
    if (!outcome.errors.empty()) return std::nullopt;
    config = std::move(outcome.config);
  }
  if (flags.listen) config.listen = *flags.listen;
  if (flags.admin_listen) config.admin.listen = *flags.admin_listen;
  if (flags.database) {
    // The secrets' default files live beside a database file: they follow it (as in the file).
    const auto beside_old = default_secrets_dir(config.database);
    config.database = *flags.database;
    const auto beside_new = default_secrets_dir(config.database);
    if (config.token_keys_file == beside_old / "token-keys") config.token_keys_file = beside_new / "token-keys";
    if (config.admin.token_file == beside_old / "admin-token") config.admin.token_file = beside_new / "admin-token";
  }
  if (flags.calendars) config.calendars = *flags.calendars;
  const auto location = store::parse_database_location(config.database.string(), flags.database ? "--db" : "database");
  if (!location) {
    log::error("config", location.error());
    return std::nullopt;
  }
  return config;
}

// The rules' notes (calendar/chain_rule.h) on an accepted calendar: what shows differently from print.
void log_notes(const LoadOutcome& outcome) {
  for (const std::string& note : outcome.notes) log::info("calendar", note);
}

// A calendar read from the files, with the files' bytes: the store keeps them with the revision.
struct LoadedCalendar {
  std::shared_ptr<const Calendar> calendar;
  CalendarFiles files;
};

LoadedCalendar load_calendars(const Config& config, const char* what) {
  LoadOutcome outcome = load_calendar_dir(config.calendars, {config.horizon_years});
  for (const std::string& e : outcome.errors) log::error("calendar", std::string(what) + " rejected: " + e);
  if (!outcome.calendar) return {};
  log_notes(outcome);
  return {std::make_shared<const Calendar>(std::move(*outcome.calendar)), std::move(outcome.files)};
}

PlannerOptions planner_options(const Config& config) { return {config.leads, config.send_time}; }

nlohmann::json optional_time(const std::optional<Instant>& at) {
  return at ? nlohmann::json(format_utc(*at)) : nlohmann::json(nullptr);
}

// Everything that lives from start to stop, in construction order.
class Daemon {
 public:
  // `calendar_gate`: set on a database several nodes share (owned_store.h), null otherwise.
  // `clock`: the daemon's clock; `started`: its reading when the process began, where a new
  // database's scheduler cursor starts (scheduler_pass.h).
  Daemon(Config config, std::unique_ptr<Clock> clock, Instant started, LoadedCalendar calendar,
         std::unique_ptr<store::Store> store, subscription::KeyRing keys, SmtpCredentials smtp,
         const std::string& admin_token, std::shared_ptr<std::atomic<bool>> calendar_gate)
      : config_(std::move(config)),
        keys_(std::move(keys)),
        smtp_(std::move(smtp)),
        clock_(std::move(clock)),
        store_thread_(std::move(store)),
        signals_(io_, SIGINT, SIGTERM, SIGHUP),
        grace_timer_(io_),
        // The scheduler's and the dispatcher's store work runs after any waiting request's
        // (store/store_thread.h): nobody waits behind a fan-out or a delivery batch.
        scheduler_(io_, {store_thread_, store::Lane::background}, *clock_, scheduler_options(config_, started)),
        http_client_(io_, delivery::CurlMultiOptions{config_.delivery_connections_per_host,
                                                     config_.delivery_connections, "deadlined"}),
        mail_client_(io_, delivery::CurlMultiOptions{config_.email.connections, config_.email.connections, "deadlined"}),
        outbound_(http_client_, mail_client_),
        dispatcher_(io_, {store_thread_, store::Lane::background}, outbound_, *clock_, [this] { return snapshot_.current(); },
                    with_email(channels(config_)), dispatcher_options(config_)),
        unsubscribe_(store_thread_, io_, keys_, *clock_, config_.retention.unsubscribed_days),
        account_mailer_(email_options(), keys_, mail_client_, *clock_),
        site_({[this] { return snapshot_.current(); }, config_.leads, {}, config_.public_url, [this] { return change_log_; },
               config_.retention},
              store_thread_, io_, keys_, *clock_,
              account_mailer_),
        manage_([this] { return snapshot_.current(); }, config_.leads, config_.allow_hosts, store_thread_, io_, keys_,
                *clock_, config_.public_url),
        api_({[this] { return snapshot_.current(); }, config_.leads, {}, config_.allow_hosts, config_.public_url},
             store_thread_, io_, keys_, *clock_, account_mailer_),
        notices_({store_thread_, store::Lane::background}, io_, account_mailer_, *clock_),
        feed_routes_(feeds_, store_thread_, io_, keys_),
        admin_(admin_token, store_thread_, store_thread_, io_, *clock_, admin_options()) {
    snapshot_.replace(calendar.calendar);
    files_read_ = std::move(calendar.files);
    if (calendar_gate) {
      authority_.emplace(io_, store_thread_, std::move(calendar_gate),
                         CalendarAuthority::Node{[this] { return snapshot_.current()->revision(); },
                                                 [this]() -> std::optional<std::string> {
                                                   LoadOutcome files =
                                                       load_calendar_dir(config_.calendars, {config_.horizon_years});
                                                   if (!files.calendar) return std::nullopt;
                                                   return files.calendar->revision();
                                                 },
                                                 [this] {
                                                   reload(RevisionCause::sighup, "following the database's calendar",
                                                          [](admin::ReloadOutcome) {});
                                                 }});
    }
    scheduler_.on_messages([this] { dispatcher_.wake(); });
    dispatcher_.on_recorded([this] { notices_.check(); });
  }

  int run(const asio::ip::tcp::endpoint& listen_at, const asio::ip::tcp::endpoint& admin_at) {
    http::AppState app;
    app.calendar = [this] { return snapshot_.current(); };
    app.clock = clock_.get();
    app.health_details = [this] { return health(); };
    app.store_reachable = [this] { return store_thread_.reachable(); };
    app.calendar_in_step = [this] { return !authority_ || authority_->in_step(); };
    app.draining = [this] { return draining_.load(); };
    app.withdrawn_windows = [this](const std::string& programme_id) { return withdrawn_json(programme_id); };
    app.on_response = [this](std::string_view target, unsigned status) { http_metrics_.count(target, status); };
    app.error_page = [](unsigned status) { return web::error_page(status); };  // pages: HTML in Chinese
    web::set_site_footer({config_.site.operator_name, config_.site.operator_contact, config_.site.icp_record,
                          config_.site.police_record});
    app.store_routes = [this](const http::Request& request, const http::RequestInfo& info,
                              const http::AppState::Reply& reply) {
      return feed_routes_.handle(request, info, reply) || unsubscribe_.handle(request, info, reply) ||
             site_.handle(request, info, reply) || manage_.handle(request, info, reply) ||
             api_.handle(request, info, reply);
    };
    // The calendar read is recorded as a revision (compared with the last one released, so a
    // restart with edited files records what changed); if it is staged, the released one is put
    // back in force from the files the store kept. Then any release whose notices a crash left
    // unrecorded gets them, and its feeds are versioned, before anything is served.
    // On a database several nodes share, files that are not the database's calendar are not
    // recorded: the node starts out of step (calendar_authority.h).
    bool admitted = true;
    if (authority_) {
      const auto admit = authority_->admit_at_start(snapshot_.current()->revision());
      if (!admit) {
        log::error("calendar", "reading the database's calendar: " + admit.error());
        return 1;
      }
      admitted = *admit;
    }
    if ((admitted && !record_at_start()) || !record_pending_notices()) return 1;
    {
      const auto history = store_thread_.call(
          [](store::RevisionStore& s) { return s.revision_history("", static_cast<int>(kRevisionsOnPages)); });
      if (!history) {
        log::error("calendar", "reading the calendar's change history: " + history.error());
        return 1;
      }
      revisions_ = *history;
      change_log_ = std::make_shared<const web::ChangeLog>(web::change_log_of(revisions_));
    }
    {
      const auto book = feed_book(snapshot_.current());
      auto synced = store_thread_.call(
          [digests = book->digests(), now = clock_->now()](store::FeedStore& s) { return s.sync_feed_events(digests, now); });
      if (!synced) {
        log::error("feeds", synced.error());
        return 1;
      }
      book->set_versions(synced->versions);
      book->add_withdrawn(synced->gone);
      feeds_.replace(book);
    }
    const http::HttpLimits limits = http_limits(config_);
    server_ = std::make_unique<http::HttpServer>(io_, listen_at, app, limits,
                                                 [](std::string_view line) { log::warning("http", line); });
    const auto bound = server_->start();
    if (!bound) {
      log::error("http", bound.error());
      return 1;
    }
    // The admin API on its own listener: every request goes to the admin routes, so the public
    // API and pages are never reached there.
    http::AppState admin_app;
    admin_app.calendar = [this] { return snapshot_.current(); };
    admin_app.clock = clock_.get();
    admin_app.on_response = [this](std::string_view target, unsigned status) { http_metrics_.count(target, status); };
    admin_app.store_routes = [this](const http::Request& request, const http::RequestInfo& info,
                                    const http::AppState::Reply& reply) { return admin_.handle(request, info, reply); };
    http::HttpLimits admin_limits;
    admin_limits.read_timeout = limits.read_timeout;
    admin_server_ = std::make_unique<http::HttpServer>(io_, admin_at, admin_app, admin_limits,
                                                       [](std::string_view line) { log::warning("admin", line); });
    const auto admin_bound = admin_server_->start();
    if (!admin_bound) {
      log::error("admin", admin_bound.error());
      server_->stop();
      return 1;
    }
    log::info("daemon", "admin API on http://" + http::to_string(*admin_bound) + " (token in " +
                            config_.admin.token_file.string() + ")");
    wait_for_signal();
    const auto calendar = snapshot_.current();
    plan_ = make_plan(*calendar, planner_options(config_));
    scheduler_.set_plan(plan_);
    dispatcher_.start();
    message_listener_ = listen_for_new_messages(config_, io_, [this] { dispatcher_.wake(); });
    notices_.check();  // what a previous run recorded and did not get to mail
    watch_staged();
    send_due_account_mails();
    if (authority_) authority_->watch();
    log::info("daemon", "deadlined " DEADLINED_VERSION " serving http://" + http::to_string(*bound) +
                            "; database " + config_.database.string() + "; calendar " + calendar->revision() +
                            " (" + std::to_string(calendar->programmes().size()) + " programmes)");
    if (early_reload_requested) asio::post(io_, [this] { reload(RevisionCause::sighup, "", [](admin::ReloadOutcome) {}); });
    // READY only now: calendars loaded, database open, both listeners accepting.
    notifier_.ready(serving_status());
    if (const auto interval = notifier_.watchdog_interval()) {
      log::info("daemon", "systemd watchdog: pinging every " + std::to_string(interval->count() / 2000) + " ms");
      watchdog_tick(*interval / 2);
    }
    io_.run();
    store_thread_.stop();  // queued store work finishes before the process exits
    log::info("daemon", "stopped");
    return exit_status_;
  }

 private:
  static SchedulerOptions scheduler_options(const Config& config, Instant started) {
    SchedulerOptions options;
    options.replan_interval = config.replan_interval;
    options.pass.late_after = config.late_after;
    options.pass.start_cursor = started;
    options.fanout_chunk = config.fanout_chunk;
    options.retention = config.retention;
    return options;
  }

  static std::vector<std::unique_ptr<delivery::Channel>> channels(const Config& config) {
    delivery::WebhookChannelOptions webhook;
    webhook.connect_timeout = config.connect_timeout;
    webhook.total_timeout = config.total_timeout;
    webhook.allow_hosts = config.allow_hosts;
    std::vector<std::unique_ptr<delivery::Channel>> all;
    all.push_back(std::make_unique<delivery::WebhookChannel>(webhook));
    const delivery::RobotChannelOptions robot{webhook.connect_timeout, webhook.total_timeout, webhook.max_response_bytes,
                                              webhook.allow_hosts};
    all.push_back(std::make_unique<delivery::WeComChannel>(robot));
    all.push_back(std::make_unique<delivery::DingTalkChannel>(robot));
    all.push_back(std::make_unique<delivery::FeishuChannel>(robot));
    return all;
  }

  delivery::EmailChannelOptions email_options() const {
    delivery::EmailChannelOptions email;
    email.relay = config_.email.relay;
    email.username = smtp_.username;
    email.password = smtp_.password;
    email.from_address = config_.email.from_address;
    email.from_name = config_.email.from_name;
    email.ehlo_name = config_.email.ehlo_name;
    email.bounce_domain = config_.email.bounce_domain;
    email.list_id = config_.email.list_id;
    email.public_url = config_.public_url;
    email.connect_timeout = config_.connect_timeout;
    email.feed_book = [this] { return feeds_.book(); };  // called while sending, long after construction
    return email;
  }

  std::vector<std::unique_ptr<delivery::Channel>> with_email(std::vector<std::unique_ptr<delivery::Channel>> all) const {
    all.push_back(std::make_unique<delivery::EmailChannel>(email_options(), keys_));
    return all;
  }

  static delivery::DispatcherOptions dispatcher_options(const Config& config) {
    delivery::DispatcherOptions options;
    options.max_in_flight = config.max_in_flight;
    options.per_endpoint = config.per_endpoint;
    if (!config.retry_delays.empty()) options.retry.delays = config.retry_delays;
    options.health.disable_after = config.disable_after;
    options.health.failing_notice_after = config.failing_notice_after;
    return options;
  }

  nlohmann::json health() const {
    const SchedulerStatus s = scheduler_.status();
    const delivery::DispatcherCounters d = dispatcher_.counters();
    nlohmann::json body = {{"delivery",
             {{"delivered", d.delivered}, {"retried", d.retried}, {"dead", d.dead}, {"expired", d.expired},
              {"endpoints_disabled", d.endpoints_disabled}, {"store_errors", d.store_errors}}},
            {"scheduler",
             {{"last_pass", optional_time(s.last_pass)},
              {"next_due", optional_time(s.next_due)},
              {"passes", s.passes},
              {"failed_passes", s.failed_passes},
              // A fan-out whose chunks are running (its firing id), or null.
              {"fanout_in_progress", s.firing_in_progress != 0 ? nlohmann::json(s.firing_in_progress)
                                                               : nlohmann::json(nullptr)},
              {"fanouts_finished", s.firings_finished},
              {"last_error", s.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.last_error)}}}};
    if (authority_) body.update(authority_->health());
    return body;
  }

  void wait_for_signal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP && draining_) {
        log::info("daemon", "SIGHUP while draining: ignored (the daemon is stopping)");
        wait_for_signal();
      } else if (signal == SIGHUP) {
        reload(RevisionCause::sighup, "", [](admin::ReloadOutcome) {});  // the log says how it went
        wait_for_signal();
      } else if (draining_) {
        // Whoever sends it again wants the node gone now: the drain ends, the shutdown follows.
        log::info("daemon", signal_name(signal) + " while draining: ending the drain now");
        drain_timer_.cancel();
      } else if (signal == SIGTERM && config_.drain.count() > 0) {
        drain();
      } else {
        shut_down(signal_name(signal));
      }
    });
  }

  static std::string signal_name(int signal) { return signal == SIGTERM ? "SIGTERM" : "SIGINT"; }

  // SIGTERM with [daemon] drain_seconds: /healthz answers 503 "draining" so the balancer takes
  // this node out of rotation, while every request (and the scheduler, the deliveries) goes on
  // as usual; once the drain is over — or cut short by another SIGTERM or SIGINT — shut_down.
  // SIGINT alone never drains: it is someone at a terminal who wants the daemon stopped.
  void drain() {
    const std::string seconds = std::to_string(config_.drain.count());
    log::info("daemon", "SIGTERM: draining for " + seconds +
                            " s (/healthz answers 503, everything else is served), then stopping; "
                            "another SIGTERM or SIGINT stops at once");
    notifier_.stopping("draining for " + seconds + " s (SIGTERM), then stopping");
    draining_ = true;
    drain_timer_.expires_after(config_.drain);
    drain_timer_.async_wait([this](const boost::system::error_code& ec) {
      shut_down(ec ? "drain cut short" : "drain over");
    });
    wait_for_signal();
  }

  // Reads the calendars again and puts them in force once the store has recorded the revision
  // (compared with the last one stored); on any error — the loader's or the store's — the
  // calendar in force stays. `done` gets the outcome on the main thread: SIGHUP only logs it,
  // the admin API answers with it.
  void reload(RevisionCause cause, const std::string& reason, std::function<void(admin::ReloadOutcome)> done) {
    const std::string why = cause == RevisionCause::admin ? "admin API" : "SIGHUP";
    // While draining (an admin reload still works) systemd has been told STOPPING=1: no
    // RELOADING=1 or READY=1 after it.
    if (!draining_) notifier_.reloading("reloading calendars (" + why + ")");
    log::info("daemon", why + ": reloading calendars from " + config_.calendars.string() +
                            (reason.empty() ? "" : " (reason: " + reason + ")"));
    LoadOutcome loaded = load_calendar_dir(config_.calendars, {config_.horizon_years});
    if (!loaded.calendar) {
      for (const std::string& e : loaded.errors) log::error("calendar", "reload rejected: " + e);
      admin::ReloadOutcome outcome = kept_calendar();
      outcome.errors = std::move(loaded.errors);
      log::warning("daemon", "reload failed; keeping calendar " + outcome.revision);
      return finish_reload(why, std::move(outcome), done);
    }
    if (authority_ && !authority_->may_stage() && loaded.calendar->revision() != authority_->database_revision()) {
      // Only a node running the database's calendar may change it (calendar_authority.h).
      admin::ReloadOutcome outcome = kept_calendar();
      outcome.failure = "this node does not run the database's calendar (revision " + authority_->database_revision() +
                        "), so it cannot stage files of its own (revision " + loaded.calendar->revision() +
                        "): reload a node that runs it, or put the released files here";
      log::warning("daemon", "reload refused: " + outcome.failure);
      return finish_reload(why, std::move(outcome), done);
    }
    log_notes(loaded);
    auto calendar = std::make_shared<const Calendar>(std::move(*loaded.calendar));
    store_thread_.run(
        [revision = new_revision(*calendar, std::move(loaded.files), cause, reason),
         now = clock_->now()](store::RevisionStore& s) { return s.record_revision(revision, now); },
        io_, [this, why, calendar, done = std::move(done)](Result<store::RevisionOutcome> recorded) {
          if (!recorded) {
            log::error("calendar", "reload: the revision could not be recorded: " + recorded.error());
            admin::ReloadOutcome outcome = kept_calendar();
            outcome.failure = "recording the calendar revision: " + recorded.error();
            log::warning("daemon", "reload failed; keeping calendar " + outcome.revision);
            return finish_reload(why, std::move(outcome), done);
          }
          log_revision(*recorded, *calendar);
          admin::ReloadOutcome outcome;
          outcome.ok = true;
          outcome.recorded = recorded->recorded;
          outcome.revision_id = recorded->revision.id;
          outcome.replaced = recorded->replaced;
          if (recorded->recorded) outcome.changes = recorded->revision.changes;
          if (recorded->replaced && !(staged_ && staged_->id == recorded->revision.id)) forget_staged();
          if (recorded->revision.state == store::RevisionState::staged) {
            stage(recorded->revision, calendar);
            outcome.staged = true;
            outcome.release_at = recorded->revision.release_at;
          } else {
            if (recorded->recorded) remember(recorded->revision);
            put_in_force(calendar);
            // The same files again: nothing new released, nothing to tell.
            if (recorded->recorded) record_notices_of(recorded->revision, previous_in_force_, calendar);
          }
          const auto in_force = snapshot_.current();
          outcome.revision = in_force->revision();
          outcome.programmes = in_force->programmes().size();
          finish_reload(why, std::move(outcome), done);
        });
  }

  store::NewRevision new_revision(const Calendar& calendar, CalendarFiles files, RevisionCause cause,
                                  const std::string& reason) const {
    return {revision_windows(calendar), calendar.revision(), std::move(files), cause, reason,
            config_.change_notice_delay};
  }

  // At start: the files read are recorded (staged when people must be told and the delay is not
  // 0); while a revision is staged the one released before stays in force. False: cannot start.
  bool record_at_start() {
    const auto read = snapshot_.current();
    const auto recorded = store_thread_.call(
        [revision = new_revision(*read, files_read_, RevisionCause::start, ""), now = clock_->now()](
            store::RevisionStore& s) { return s.record_revision(revision, now); });
    if (!recorded) {
      log::error("calendar", "recording the calendar revision: " + recorded.error());
      return false;
    }
    files_read_.clear();
    log_revision(*recorded, *read);
    if (recorded->revision.state != store::RevisionState::staged) return true;
    const auto released = calendar_of_revision(recorded->revision.base_id);
    if (!released) {
      // Recorded by a version that did not keep files: the released calendar cannot be rebuilt,
      // so the one read is released now rather than serving dates nobody released.
      log::warning("calendar", "the files of released revision #" + std::to_string(recorded->revision.base_id) +
                                   " are not in the store; releasing revision #" +
                                   std::to_string(recorded->revision.id) + " at once");
      const auto now_released = store_thread_.call(
          [id = recorded->revision.id, now = clock_->now()](store::RevisionStore& s) { return s.release_revision(id, now); });
      if (!now_released) {
        log::error("calendar", now_released.error());
        return false;
      }
      return true;
    }
    snapshot_.replace(released);
    stage(recorded->revision, read);
    return true;
  }

  // A stored revision's calendar, rebuilt from its files (0: the latest released); null when the
  // store has no files for it or they no longer load.
  std::shared_ptr<const Calendar> calendar_of_revision(std::int64_t id) {
    const auto sources = store_thread_.call([id](store::RevisionStore& s) { return s.revision_sources(id); });
    if (!sources || !*sources) {
      if (!sources) log::error("calendar", sources.error());
      return nullptr;
    }
    LoadOutcome loaded = load_calendar_texts((*sources)->files, {config_.horizon_years});
    for (const std::string& e : loaded.errors) {
      log::error("calendar", "revision #" + std::to_string(id) + " as stored: " + e);
    }
    if (!loaded.calendar) return nullptr;
    return std::make_shared<const Calendar>(std::move(*loaded.calendar));
  }

  // The notice rule of release `id` compared with release `base_id`, from their stored files.
  NoticeDecider notice_decider_of(std::int64_t id, std::int64_t base_id) {
    const auto after = calendar_of_revision(id);
    const auto before = base_id != 0 ? calendar_of_revision(base_id) : nullptr;
    return make_notice_decider(before, after ? after : snapshot_.current(), planner_options(config_), clock_->now());
  }

  // Releases whose notices are not recorded yet (a crash between a release and its notices, or
  // `deadlinectl changes release` offline) get their notices' firing now, and every notices
  // firing a crash left unfinished its rule, before the first scheduler step: the scheduler then
  // completes them before anything new fires.
  bool record_pending_notices() {
    const auto pending = store_thread_.call([](store::RevisionStore& s) { return s.revisions_awaiting_notices(); });
    if (!pending) {
      log::error("calendar", pending.error());
      return false;
    }
    for (const store::AwaitingNotices& awaiting : *pending) {
      const std::int64_t id = awaiting.id;
      const auto outcome = store_thread_.call(
          [id, now = clock_->now()](store::RevisionStore& s) { return s.start_change_notices(id, now); });
      if (!outcome) {
        log::error("calendar", "recording the change notices of revision #" + std::to_string(id) + ": " +
                                   outcome.error());
        return false;
      }
      log_notices(id, *outcome);
    }
    const auto unfinished = store_thread_.call([](store::SchedulingStore& s) { return s.unfinished_firings(); });
    if (!unfinished) {
      log::error("scheduler", unfinished.error());
      return false;
    }
    for (const store::FiringRecord& firing : *unfinished) {
      log::info("scheduler", "fan-out #" + std::to_string(firing.id) + " (" + std::string(store::to_string(firing.kind)) +
                                 ") resumes after endpoint " + std::to_string(firing.done_through) + " of " +
                                 std::to_string(firing.last_endpoint_id) + ", " + std::to_string(firing.messages) +
                                 " message(s) so far");
      if (firing.kind == store::FiringKind::notices) {
        scheduler_.add_notice_decider(firing.revision_id, notice_decider_of(firing.revision_id, firing.base_id));
      }
    }
    return true;
  }

  // The change notices of a revision just released: their firing is recorded on the store thread
  // and the scheduler runs its chunks, waking the dispatcher as messages come.
  void record_notices_of(const store::RevisionRecord& revision, std::shared_ptr<const Calendar> before,
                         std::shared_ptr<const Calendar> after) {
    if (revision.state != store::RevisionState::released) return;
    const bool tells = std::any_of(revision.changes.begin(), revision.changes.end(),
                                   [](const WindowChange& c) { return is_notice_worthy(c); });
    if (!tells) return;
    store_thread_.run(
        [id = revision.id, now = clock_->now()](store::RevisionStore& s) { return s.start_change_notices(id, now); },
        io_,
        [this, id = revision.id,
         decide = make_notice_decider(std::move(before), std::move(after), planner_options(config_), clock_->now())](
            Result<store::NoticeOutcome> outcome) {
          if (!outcome) {
            // The revision is released; its notices are recorded at the next start.
            log::error("calendar", "recording the change notices of revision #" + std::to_string(id) + ": " +
                                       outcome.error() + "; retried at the next start");
            return;
          }
          log_notices(id, *outcome);
          if (outcome->firing_id != 0) scheduler_.add_notice_decider(id, decide);
        });
  }

  static void log_notices(std::int64_t id, const store::NoticeOutcome& outcome) {
    if (outcome.already_recorded) return;
    log::info("calendar", "revision #" + std::to_string(id) + ": change notices recorded for " +
                              std::to_string(outcome.events) + " window(s), told by fan-out #" +
                              std::to_string(outcome.firing_id));
  }

  // A revision waits for its release; the calendar in force does not change until then.
  void stage(const store::RevisionRecord& revision, std::shared_ptr<const Calendar> calendar) {
    const bool fresh = !staged_ || staged_->id != revision.id;
    staged_ = revision;
    if (fresh || !staged_calendar_) staged_calendar_ = std::move(calendar);
    log::info("calendar", "revision #" + std::to_string(revision.id) + " staged: released at " +
                              format_utc(*revision.release_at) + " unless dropped (deadlinectl changes)");
    watch_staged();
  }

  void forget_staged() {
    staged_.reset();
    staged_calendar_.reset();
  }

  // While a revision is staged, the daemon looks every second whether its time has come: the
  // clock may jump (and the test clock does), so no timer is armed for a far instant.
  // Subscribe mails the per-address limits held back (store: take_due_account_mails), sent once
  // per replan interval when due; the store keeps them over a restart.
  void send_due_account_mails() {
    if (stopping_) return;
    store_thread_.run([now = clock_->now()](store::SubscriptionStore& s) {
                        return s.take_due_account_mails(now, ConfirmationMailPolicy{});
                      },
                      io_, [this](Result<std::vector<store::AccountMail>> due) {
                        if (!due) log::error("subscribe", "due subscribe mails: " + due.error());
                        if (due) {
                          for (const store::AccountMail& mail : *due) account_mailer_.send_due(mail);
                        }
                        if (stopping_) return;
                        account_mail_timer_.expires_after(config_.replan_interval);
                        account_mail_timer_.async_wait([this](const boost::system::error_code& ec) {
                          if (!ec) send_due_account_mails();
                        });
                      });
  }

  void watch_staged() {
    if (!staged_ || watching_staged_ || stopping_) return;
    watching_staged_ = true;
    release_timer_.expires_after(std::chrono::seconds(1));
    release_timer_.async_wait([this](const boost::system::error_code& ec) {
      watching_staged_ = false;
      if (ec || !staged_) return;
      if (clock_->now() >= *staged_->release_at) {
        release(staged_->id, [](Result<store::RevisionRecord>) {});
      } else {
        watch_staged();
      }
    });
  }

  // Releases staged revision `id`: the store first, then the calendar in force, then its notices.
  void release(std::int64_t id, std::function<void(Result<store::RevisionRecord>)> done) {
    store_thread_.run([id, now = clock_->now()](store::RevisionStore& s) { return s.release_revision(id, now); }, io_,
                      [this, id, done = std::move(done)](Result<store::RevisionRecord> released) {
                        if (!released) {
                          log::error("calendar", "releasing revision #" + std::to_string(id) + ": " + released.error());
                          return done(std::move(released));
                        }
                        auto calendar = staged_ && staged_->id == id && staged_calendar_ ? staged_calendar_
                                                                                        : calendar_of_revision(id);
                        forget_staged();
                        log::info("calendar", "revision #" + std::to_string(id) + " released");
                        remember(*released);
                        if (calendar) {
                          put_in_force(calendar);
                          record_notices_of(*released, previous_in_force_, calendar);
                        }
                        done(std::move(released));
                      });
  }

  void drop(std::int64_t id, const std::string& reason, std::function<void(Result<store::RevisionRecord>)> done) {
    store_thread_.run(
        [id, reason, now = clock_->now()](store::RevisionStore& s) { return s.drop_revision(id, reason, now); }, io_,
        [this, id, done = std::move(done)](Result<store::RevisionRecord> dropped) {
          if (dropped) {
            if (staged_ && staged_->id == id) forget_staged();
            log::info("calendar", "revision #" + std::to_string(id) + " dropped" +
                                      (dropped->closed_reason.empty() ? "" : " (" + dropped->closed_reason + ")") +
                                      "; nobody is told, calendar " + snapshot_.current()->revision() + " stays in force");
          }
          done(std::move(dropped));
        });
  }

  admin::ReloadOutcome kept_calendar() const {
    const auto current = snapshot_.current();
    admin::ReloadOutcome outcome;
    outcome.revision = current->revision();
    outcome.programmes = current->programmes().size();
    return outcome;
  }

  void finish_reload(const std::string& why, admin::ReloadOutcome outcome,
                     const std::function<void(admin::ReloadOutcome)>& done) {
    ++calendar_reloads_;
    if (!outcome.ok) ++calendar_reload_failures_;
    last_reload_ = {{"at", format_utc(clock_->now())}, {"why", why},   {"ok", outcome.ok},
                    {"revision", outcome.revision},    {"errors", outcome.errors},
                    {"revision_recorded", outcome.recorded}, {"windows_changed", outcome.changes.size()}};
    if (!outcome.failure.empty()) last_reload_["failure"] = outcome.failure;
    if (!draining_) {
      notifier_.ready(outcome.ok ? serving_status()
                                 : "reload rejected (" +
                                       (outcome.errors.empty() ? outcome.failure
                                                               : std::to_string(outcome.errors.size()) + " errors") +
                                       "); " + serving_status());
    }
    done(std::move(outcome));
  }

  // The programme pages' 变更记录 follows the revisions recorded, newest first.
  void remember(const store::RevisionRecord& revision) {
    revisions_.insert(revisions_.begin(), revision);
    if (revisions_.size() > kRevisionsOnPages) revisions_.resize(kRevisionsOnPages);
    change_log_ = std::make_shared<const web::ChangeLog>(web::change_log_of(revisions_));
  }

  // GET /api/v1/programmes/{id}'s withdrawn_windows: as the programme page lists them.
  nlohmann::json withdrawn_json(const std::string& programme_id) const {
    nlohmann::json list = nlohmann::json::array();
    const auto entries = change_log_ ? change_log_->find(programme_id) : web::ChangeLog::const_iterator{};
    if (!change_log_ || entries == change_log_->end()) return list;
    const auto calendar = snapshot_.current();
    for (const WindowChange& c : web::withdrawn_windows(entries->second, calendar->windows_of(programme_id), clock_->now())) {
      nlohmann::json w = revision_window_json(*c.before);
      w["withdrawn"] = std::string(to_string(c.kinds.front()));  // removed | estimate-dropped
      list.push_back(std::move(w));
    }
    return list;
  }

  // One line per changed window: what operators grep for after a reload or a restart.
  static void log_revision(const store::RevisionOutcome& recorded, const Calendar& calendar) {
    const store::RevisionRecord& r = recorded.revision;
    if (!recorded.recorded) {
      log::info("calendar", "calendar " + calendar.revision() + ": no window changed since revision #" +
                                std::to_string(r.id) + "; nothing recorded");
    } else if (r.baseline) {
      log::info("calendar", "calendar " + calendar.revision() + " recorded as revision #" + std::to_string(r.id) +
                                ", the baseline (" + std::to_string(calendar.windows().size()) + " windows)");
    } else {
      log::info("calendar", "calendar " + calendar.revision() + " recorded as revision #" + std::to_string(r.id) +
                                " (" + std::string(to_string(r.cause)) + "): " + std::to_string(r.changes.size()) +
                                " window(s) changed");
      for (const WindowChange& c : r.changes) log::info("calendar", "changed: " + describe(c));
    }
  }

  // GET /admin/v1/status (deadlinectl status): the daemon's side; the admin routes add the
  // store's counts and the latest failures.
  nlohmann::json status_json() const {
    const auto calendar = snapshot_.current();
    nlohmann::json next = nlohmann::json::array();
    if (plan_) {
      const Instant now = clock_->now();
      for (std::size_t i = plan_->first_due_after(now); i < plan_->triggers.size() && next.size() < 5; ++i) {
        const Trigger& t = plan_->triggers[i];
        next.push_back({{"due", format_utc(t.due)}, {"window", t.window_id}, {"lead", t.lead}});
      }
    }
    nlohmann::json body = health();
    body["version"] = DEADLINED_VERSION;
    body["started_at"] = format_utc(started_at_);
    body["calendar"] = {{"revision", calendar->revision()}, {"programmes", calendar->programmes().size()},
                        {"windows", calendar->windows().size()}};
    body["next_triggers"] = std::move(next);
    body["last_reload"] = last_reload_;
    body["staged_revision"] = staged_ ? nlohmann::json{{"id", staged_->id}, {"release_at", format_utc(*staged_->release_at)}}
                                      : nlohmann::json(nullptr);
    return body;
  }

  std::string serving_status() const {
    return "serving; calendar " + snapshot_.current()->revision();
  }

  // WATCHDOG=1 from the event loop itself: a loop that stalls stops pinging, and systemd
  // restarts the daemon (WatchdogSec=).
  void watchdog_tick(std::chrono::microseconds every) {
    notifier_.watchdog();
    hold_loop_for_test();
    watchdog_timer_.expires_after(every);
    watchdog_timer_.async_wait([this, every](const boost::system::error_code& ec) {
      if (!ec) watchdog_tick(every);
    });
  }

  // [test] stall_file: block the loop for the seconds the file holds, once (integration tests).
  void hold_loop_for_test() {
    if (config_.test_stall_file.empty()) return;
    std::ifstream in(config_.test_stall_file);
    double seconds = 0;
    if (!(in >> seconds)) return;
    std::error_code ec;
    std::filesystem::remove(config_.test_stall_file, ec);
    log::warning("daemon", "test: holding the event loop for " + std::to_string(seconds) + " s");
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  }

  void put_in_force(const std::shared_ptr<const Calendar>& calendar) {
    previous_in_force_ = snapshot_.current();
    snapshot_.replace(calendar);
    plan_ = make_plan(*calendar, planner_options(config_));
    scheduler_.set_plan(plan_);
    log::info("daemon", "calendar " + calendar->revision() + " in force");
    refresh_feeds(calendar);
  }

  admin::AdminRoutesOptions admin_options() {
    admin::AdminRoutesOptions options;
    options.version = DEADLINED_VERSION;
    options.calendar = [this] { return snapshot_.current(); };
    options.lead_menu = config_.leads;
    options.counters = [this] {
      const delivery::DispatcherCounters d = dispatcher_.counters();
      admin::DaemonCounters c;
      c.delivered = d.delivered;
      c.retried = d.retried;
      c.dead = d.dead;
      c.expired = d.expired;
      c.endpoints_disabled = d.endpoints_disabled;
      c.calendar_reloads = calendar_reloads_;
      c.calendar_reload_failures = calendar_reload_failures_;
      c.dispatcher_store_errors = d.store_errors;
      const SchedulerStatus scheduler = scheduler_.status();
      c.scheduler_store_errors = scheduler.failed_passes;
      c.fanouts_finished = scheduler.firings_finished;
      c.fanout_chunks = scheduler.chunks;
      return c;
    };
    options.lateness = [this] { return scheduler_.status().lateness; };
    options.http_requests = [this] { return http_metrics_.snapshot(); };
    options.status = [this] { return status_json(); };
    options.reload = [this](const std::string& reason, std::function<void(admin::ReloadOutcome)> done) {
      reload(RevisionCause::admin, reason, std::move(done));
    };
    options.release = [this](std::int64_t id, std::function<void(Result<store::RevisionRecord>)> done) {
      release(id, std::move(done));
    };
    options.drop = [this](std::int64_t id, const std::string& reason,
                          std::function<void(Result<store::RevisionRecord>)> done) { drop(id, reason, std::move(done)); };
    options.staged_decider = [this]() -> std::optional<std::pair<std::int64_t, NoticeDecider>> {
      if (!staged_ || !staged_calendar_) return std::nullopt;
      return std::make_pair(staged_->id, make_notice_decider(snapshot_.current(), staged_calendar_,
                                                             planner_options(config_), clock_->now()));
    };
    options.messages_ready = [this] { dispatcher_.wake(); };
    options.notices_recorded = [this] { notices_.check(); };
    return options;
  }

  // Every event, in the feeds and in the mails' calendar parts, names the service as its ORGANIZER
  // the way its mails name it as their sender: [email] from_address and from_name.
  std::shared_ptr<ical::FeedBook> feed_book(std::shared_ptr<const Calendar> calendar) const {
    return std::make_shared<ical::FeedBook>(std::move(calendar), ical::uid_host_of(config_.public_url), shanghai_zone(),
                                            ical::Organizer{config_.email.from_address, config_.email.from_name},
                                            clock_->now());
  }

  // The new calendar's feed events versioned on the store thread; the feeds switch once that is
  // done. Should it fail, the feeds keep the previous calendar (SEQUENCE must never go back).
  void refresh_feeds(std::shared_ptr<const Calendar> calendar) {
    auto book = feed_book(std::move(calendar));
    store_thread_.run(
        [digests = book->digests(), now = clock_->now()](store::FeedStore& s) { return s.sync_feed_events(digests, now); },
        io_, [this, book](Result<FeedSync> synced) {
          if (!synced) {
            log::error("feeds", synced.error() + "; the feeds keep the previous calendar");
            return;
          }
          book->set_versions(synced->versions);
          book->add_withdrawn(synced->gone);
          feeds_.replace(book);
        });
  }

  // Stop accepting, let in-flight work finish within the grace period, then return from run().
  // `why`: the signal, or how the drain ended.
  void shut_down(const std::string& why) {
    log::info("daemon", why + ": stopping");
    notifier_.stopping("stopping (" + why + ")");
    watchdog_timer_.cancel();  // the loop must be able to run dry
    stopping_ = true;
    release_timer_.cancel();   // a staged revision is released by the next run, from the store
    if (authority_) authority_->stop();
    account_mail_timer_.cancel();  // due subscribe mails stay due in the store
    signals_.cancel();
    server_->stop();
    admin_server_->stop();
    grace_timer_.expires_after(config_.shutdown_grace);
    grace_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      log::warning("daemon", "in-flight work did not finish within the grace period; stopping anyway");
      io_.stop();
    });
    // Both must be idle before the grace timer is cancelled and the loop can run dry.
    auto pending = std::make_shared<int>(2);
    const auto one_done = [this, pending] {
      if (--*pending == 0) grace_timer_.cancel();
    };
    scheduler_.stop(one_done);
    dispatcher_.stop(one_done);
  }

  Config config_;
  const subscription::KeyRing keys_;
  const SmtpCredentials smtp_;
  asio::io_context io_;
  std::unique_ptr<Clock> clock_;
  CalendarSnapshot snapshot_;
  store::StoreThread store_thread_;
  asio::signal_set signals_;
  asio::steady_timer grace_timer_;
  asio::steady_timer drain_timer_{io_};
  // Set by SIGTERM with a drain; read by /healthz on the network threads.
  std::atomic<bool> draining_{false};
  const SystemdNotifier notifier_ = SystemdNotifier::from_environment();
  asio::steady_timer watchdog_timer_{io_};
  std::shared_ptr<const Plan> plan_;            // the plan in force (main thread)
  CalendarFiles files_read_;                    // the files read at start, until recorded
  // The staged revision and its calendar, waiting for release (main thread); the calendar in
  // force before the latest put_in_force (the "before" of a release's notices).
  std::optional<store::RevisionRecord> staged_;
  std::shared_ptr<const Calendar> staged_calendar_;
  std::shared_ptr<const Calendar> previous_in_force_;
  asio::steady_timer release_timer_{io_};
  asio::steady_timer account_mail_timer_{io_};
  bool watching_staged_ = false;
  bool stopping_ = false;
  nlohmann::json last_reload_ = nullptr;        // deadlinectl status: when, why, outcome
  // The latest revisions (main thread only) and, built from them, the pages' change history.
  static constexpr std::size_t kRevisionsOnPages = 200;
  std::vector<store::RevisionRecord> revisions_;
  std::shared_ptr<const web::ChangeLog> change_log_;
  const Instant started_at_ = SystemClock().now();
  http::HttpMetrics http_metrics_;             // both listeners' responses, for /metrics
  std::int64_t calendar_reloads_ = 0;          // main thread only (SIGHUP and admin handlers)
  std::int64_t calendar_reload_failures_ = 0;
  Scheduler scheduler_;
  delivery::CurlMultiClient http_client_;
  delivery::CurlMultiClient mail_client_;       // the SMTP relay, with its own connection limit
  delivery::RoutingClient outbound_;
  delivery::Dispatcher dispatcher_;
  web::UnsubscribeRoutes unsubscribe_;
  delivery::AccountMailer account_mailer_;
  web::SiteRoutes site_;
  web::ManageRoutes manage_;
  api::ApiRoutes api_;
  delivery::NoticeSender notices_;
  ical::FeedCatalog feeds_;
  web::FeedRoutes feed_routes_;
  admin::AdminRoutes admin_;
  std::optional<CalendarAuthority> authority_;  // on a database several nodes share
  std::unique_ptr<http::HttpServer> server_;
  std::unique_ptr<http::HttpServer> admin_server_;
  int exit_status_ = 0;
  // PostgreSQL: other daemons' new messages wake the dispatcher (message_wakeup.h). Last, so it
  // stops (its thread joined) before anything its wakes reach goes.
  std::unique_ptr<pg::PgListener> message_listener_;
};

}  // namespace

int run(const Flags& flags) {
  // Until the signal set exists a SIGHUP would kill the process (its default action). Note it
  // instead, and reload once running: a reload asked for during start-up waits, it is not lost.
  std::signal(SIGHUP, note_early_reload);
  const std::optional<Config> config = resolve_config(flags);
  if (!config) return 1;
  const auto listen_at = http::parse_endpoint(config->listen);
  if (!listen_at) {
    log::error("config", "listen: " + listen_at.error());
    return 1;
  }
  if (const std::string problem = admin_listen_problem(config->admin.listen, config->admin.allow_remote);
      !problem.empty()) {
    log::error("config", "admin listen: " + problem);
    return 1;
  }
  const auto admin_at = http::parse_endpoint(config->admin.listen);
  LoadedCalendar calendar = load_calendars(*config, "calendar");
  if (!calendar.calendar) return 1;
  if (flags.check_config) {
    log::info("config", "configuration and calendars are valid (calendar " + calendar.calendar->revision() + ")");
    return 0;
  }
  // Read before the database is opened: a reminder due while this start-up runs still fires.
  std::unique_ptr<Clock> clock = make_clock(*config);
  const Instant started = clock->now();
  // Room for every HTTP connection, plus the database, the relay and webhook connections.
  raise_file_limit(static_cast<std::size_t>(config->max_connections) + 256);
  // One daemon per SQLite file; on PostgreSQL a node among others whose link keys fit; never
  // beside an offline deadlinectl verb (owned_store.h).
  auto store = open_owned_store(*config);
  if (!store) {
    log::error("store", store.error());
    return 1;
  }
  auto keys = load_or_create_key_ring(config->token_keys_file);
  if (!keys) {
    log::error("tokens", keys.error());
    return 1;
  }
  if (const Status joined = join_as_node(store.value(), keys.value()); !joined) {
    log::error("store", joined.error());
    return 1;
  }
  auto smtp = load_smtp_credentials(config->email.credentials_file);
  if (!smtp) {
    log::error("email", smtp.error());
    return 1;
  }
  auto admin_token = load_or_create_admin_token(config->admin.token_file);
  if (!admin_token) {
    log::error("admin", admin_token.error());
    return 1;
  }
  Daemon daemon(*config, std::move(clock), started, std::move(calendar), std::move(store.value().store),
                std::move(keys.value()), std::move(smtp.value()), *admin_token, store.value().calendar_gate);
  std::fill(admin_token.value().begin(), admin_token.value().end(), '\0');  // the routes keep only its digest
  return daemon.run(*listen_at, *admin_at);
}

}  // namespace deadline::daemon
