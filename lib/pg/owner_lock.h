#pragma once
// Who may use a PostgreSQL database: any number of daemons together (issue "Several daemons on
// one PostgreSQL"), or one offline deadlinectl verb (migrate) alone. Each holds a session-level
// advisory lock on a connection of its own for as long as it runs: daemons in shared mode,
// deadlinectl in exclusive mode, so neither starts while the other holds it. The server drops
// the lock when that session ends, however it ends (kill -9, a lost network), so a stale
// holder never blocks a restart.
//
// The key is documented (docs/operations.md) so an operator can see the holder:
//   SELECT pid, application_name FROM pg_locks JOIN pg_stat_activity USING (pid)
//   WHERE locktype = 'advisory' AND classid = 1684365668 AND objid = 1818848868
//     AND database = (SELECT oid FROM pg_database WHERE datname = current_database());
// (Advisory keys are per database: daemons on different databases of one server never meet.)

#include <cstdint>
#include <optional>
#include <string>

#include "base/result.h"
#include "base/status.h"
#include "pg/pg_connection.h"

namespace deadline::pg {

// "deadlind" in ASCII, as one bigint: pg_locks shows it as classid (high 32 bits) and objid.
constexpr std::int64_t kOwnerLockKey = 0x646561646c696e64;

class OwnerLock {
 public:
  enum class Mode { node, exclusive };  // node: shared with other daemons; exclusive: alone

  // Takes the lock without waiting. A holder in the other mode: fails naming its backend's pid
  // and application_name (the daemon exits 1 with that message).
  static Result<OwnerLock> acquire(const std::string& uri, const ConnectSettings& settings = {},
                                   Mode mode = Mode::exclusive);

  // Who holds the lock on the database `uri` names now, as "pid N (application_name 'x')", or
  // nullopt when nobody does (a probe: nothing is kept). Fails when the server cannot be reached.
  static Result<std::optional<std::string>> holder_of(const std::string& uri, const ConnectSettings& settings = {});

  // The lock's own connection: what a node's heartbeat (node_registry.h) talks on.
  PgConnection& connection() { return connection_; }

  // Whether this process still holds the lock: false once its connection has gone (then the
  // server has released it, and another process may hold it now). Asks the server.
  bool held();
  // After held() said false: a new connection and the lock again (fails as acquire does).
  Status reacquire();

 private:
  OwnerLock(PgConnection connection, std::string uri, ConnectSettings settings, Mode mode)
      : connection_(std::move(connection)), uri_(std::move(uri)), settings_(std::move(settings)), mode_(mode) {}
  static Result<PgConnection> lock_on_new_connection(const std::string& uri, const ConnectSettings& settings,
                                                     Mode mode);

  PgConnection connection_;
  std::string uri_;
  ConnectSettings settings_;
  Mode mode_;
};

}  // namespace deadline::pg
