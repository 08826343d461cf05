#include "pg/owner_lock.h"

namespace deadline::pg {

namespace {

const std::string kKey = std::to_string(kOwnerLockKey);

// Who holds the key now, as "pid N (application_name 'x')", or empty if nobody (it was
// released between our try and this look).
std::string holder(PgConnection& connection) {
  const auto found = connection.exec(
      "SELECT a.pid, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
      "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
      // Advisory keys are per database: the same key on another database of the server is
      // another daemon's own lock.
      "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
      "AND l.classid = ($1::bigint >> 32)::oid AND l.objid = ($1::bigint & 4294967295)::oid",
      {kKey});
  if (!found || found->rows() == 0) return {};
  return "pid " + found->text(0, 0) + " (application_name '" + found->text(0, 1) + "')";
}

}  // namespace

Result<PgConnection> OwnerLock::lock_on_new_connection(const std::string& uri, const ConnectSettings& settings,
                                                       Mode mode) {
  using R = Result<PgConnection>;
  auto connection = PgConnection::open(uri, settings);
  if (!connection) return connection;
  const auto taken = connection.value().exec(mode == Mode::node ? "SELECT pg_try_advisory_lock_shared($1::bigint)"
                                                                : "SELECT pg_try_advisory_lock($1::bigint)",
                                             {kKey});
  if (!taken) return R::failure(taken.error());
  if (taken->boolean(0, 0)) return connection;
  const std::string who = holder(connection.value());
  return R::failure(connection->shown() + " is in use: " + (who.empty() ? std::string("a session") : who) +
                    " holds advisory lock " + kKey +
                    (mode == Mode::node ? " alone (an offline deadlinectl verb such as migrate runs on it)"
                                        : " (a running deadlined; stop every daemon on this database first)"));
}

Result<OwnerLock> OwnerLock::acquire(const std::string& uri, const ConnectSettings& settings, Mode mode) {
  auto connection = lock_on_new_connection(uri, settings, mode);
  if (!connection) return Result<OwnerLock>::failure(connection.error());
  return Result<OwnerLock>::success(OwnerLock(std::move(connection).value(), uri, settings, mode));
}

Result<std::optional<std::string>> OwnerLock::holder_of(const std::string& uri, const ConnectSettings& settings) {
  using R = Result<std::optional<std::string>>;
  auto connection = PgConnection::open(uri, settings);
  if (!connection) return R::failure(connection.error());
  const std::string who = holder(connection.value());
  return R::success(who.empty() ? std::nullopt : std::optional<std::string>(who));
}

bool OwnerLock::held() {
  if (!connection_.alive()) return false;
  // A query, not only PQstatus: libpq notices a terminated backend when it next talks to it.
  const auto mine = connection_.exec(
      "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory' AND granted "
      "AND objsubid = 1 AND classid = ($1::bigint >> 32)::oid AND objid = ($1::bigint & 4294967295)::oid",
      {kKey});
  return mine && mine->integer(0, 0) == 1;
}

Status OwnerLock::reacquire() {
  auto connection = lock_on_new_connection(uri_, settings_, mode_);
  if (!connection) return Status::failure(connection.error());
  connection_ = std::move(connection).value();
  return ok_status();
}

}  // namespace deadline::pg
