#pragma once
// On a PostgreSQL database several nodes share, the calendar is the database's: the latest
// released revision (issue "Several daemons on one PostgreSQL", §1). A node whose calendar is
// another (it was started with stale or unreleased files, or another node released a revision
// since) must neither fire nor tell from it, and a balancer must not send people to it:
//  - at start, files that differ from the database's calendar are not recorded (no revision is
//    staged: a node restarted with old files never rolls the calendar back); the node starts
//    out of step;
//  - every `interval` the node compares its calendar with the database's; out of step, it reads
//    its files again and, when they now match, follows (a reload that records nothing); while
//    they do not, its store gate stays closed (firing, claims and notices pause: GatedStore)
//    and /healthz answers 503, naming both revisions. Each change is logged once.
// Only a node in step stages a revision by an explicit reload (SIGHUP, admin API); the others
// follow once it is released. The single daemon on SQLite has none of this: its files are the
// calendar.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "store/store_thread.h"

namespace deadline::daemon {

class CalendarAuthority {
 public:
  struct Node {
    std::function<std::string()> running;                      // the revision in force here
    std::function<std::optional<std::string>()> read_files;    // the files' revision now; nullopt: they do not load
    std::function<void()> follow;                              // put the files in force (a reload)
  };
  CalendarAuthority(boost::asio::io_context& io, store::StoreThread& store, std::shared_ptr<std::atomic<bool>> gate,
                    Node node, std::chrono::seconds interval = std::chrono::seconds{5});

  // At start, before anything is recorded: whether the files read (`files`) may be recorded as
  // usual: the database has no calendar yet, or it is theirs (released, or staged). False:
  // out of step from the start (gate closed). Fails when the store cannot be read.
  Result<bool> admit_at_start(const std::string& files);
  void watch();   // checks every interval from now on
  void stop();

  bool in_step() const { return gate_->load(); }
  // Whether an explicit reload may stage: this node runs the database's calendar.
  bool may_stage() const { return in_step(); }
  std::string database_revision() const;  // the latest released, as last seen; "" for none
  nlohmann::json health() const;  // {"calendar_authority": {...}} for /healthz and status

 private:
  struct Seen {
    std::string released;  // "" when the database has no calendar yet
    std::string staged;
  };
  static Result<Seen> read_authority(store::RevisionStore& s);
  void check();
  void judge(const Seen& seen);
  void set_in_step(bool in_step, const std::string& why);

  boost::asio::io_context& io_;
  store::StoreThread& store_;
  std::shared_ptr<std::atomic<bool>> gate_;
  Node node_;
  std::chrono::seconds interval_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
  mutable std::mutex mutex_;  // seen_ and why_ are read by /healthz from HTTP threads
  Seen seen_;
  std::string why_;
};

}  // namespace deadline::daemon
