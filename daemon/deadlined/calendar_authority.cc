#include "deadlined/calendar_authority.h"

#include "base/log.h"

namespace deadline::daemon {

CalendarAuthority::CalendarAuthority(boost::asio::io_context& io, store::StoreThread& store,
                                     std::shared_ptr<std::atomic<bool>> gate, Node node, std::chrono::seconds interval)
    : io_(io), store_(store), gate_(std::move(gate)), node_(std::move(node)), interval_(interval), timer_(io) {}

Result<CalendarAuthority::Seen> CalendarAuthority::read_authority(store::RevisionStore& s) {
  using R = Result<Seen>;
  const auto released = s.revision_history("", 1);
  if (!released) return R::failure(released.error());
  const auto staged = s.staged_revision();
  if (!staged) return R::failure(staged.error());
  Seen seen;
  if (!released->empty()) seen.released = released->front().calendar_revision;
  if (*staged) seen.staged = (*staged)->calendar_revision;
  return R::success(seen);
}

Result<bool> CalendarAuthority::admit_at_start(const std::string& files) {
  const auto seen = store_.call([](store::RevisionStore& s) { return read_authority(s); });
  if (!seen) return Result<bool>::failure(seen.error());
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    seen_ = *seen;
  }
  if (seen->released.empty() || files == seen->released || files == seen->staged) return Result<bool>::success(true);
  set_in_step(false, "its calendar files (revision " + files + ") are not the database's calendar (revision " +
                         seen->released + "); nothing is recorded from them");
  return Result<bool>::success(false);
}

void CalendarAuthority::watch() {
  if (stopped_) return;
  timer_.expires_after(interval_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) check();
  });
}

void CalendarAuthority::stop() {
  stopped_ = true;
  timer_.cancel();
}

void CalendarAuthority::check() {
  store_.run([](store::RevisionStore& s) { return read_authority(s); }, io_, [this](Result<Seen> seen) {
    if (seen) judge(*seen);  // an unreachable store says nothing about the calendar: /healthz says that
    watch();
  });
}

void CalendarAuthority::judge(const Seen& seen) {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    seen_ = seen;
  }
  const std::string running = node_.running();
  if (seen.released.empty() || running == seen.released) {
    set_in_step(true, "");
    return;
  }
  // Another node released a revision, or this one started out of step: are the files here the
  // database's calendar now?
  const std::optional<std::string> files = node_.read_files();
  if (files && *files == seen.released) {
    log::info("calendar", "following the database's calendar: revision " + seen.released + " (this node ran " +
                              running + ")");
    node_.follow();  // the reload puts it in force; the next check finds the node in step
    return;
  }
  set_in_step(false, "its calendar (revision " + running + ", files " + (files ? *files : std::string("unreadable")) +
                         ") is not the database's calendar (revision " + seen.released + ")");
}

void CalendarAuthority::set_in_step(bool in_step, const std::string& why) {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    why_ = why;
  }
  if (gate_->exchange(in_step) == in_step) return;
  if (in_step) {
    log::info("calendar", "this node runs the database's calendar again: firing and sending resume");
  } else {
    log::warning("calendar", "this node is out of step: " + why +
                                 ". Firing and sending pause and /healthz answers 503 until this node's calendar "
                                 "files are the released ones (docs/operations.md, \"Several nodes\")");
  }
}

std::string CalendarAuthority::database_revision() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return seen_.released;
}

nlohmann::json CalendarAuthority::health() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  nlohmann::json body = {{"in_step", gate_->load()}, {"database_revision", seen_.released}};
  if (!seen_.staged.empty()) body["staged_revision"] = seen_.staged;
  if (!why_.empty()) body["why"] = why_;
  return {{"calendar_authority", body}};
}

}  // namespace deadline::daemon
