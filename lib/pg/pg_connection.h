#pragma once
// One libpq connection, owned (PQfinish when it goes), and the few calls the store makes on it.
// Our own small layer: Debian 12's libpqxx is 6.4, an old API (issue "The store on PostgreSQL").
//
// Every connection fails fast on a dead server rather than hang a request: a connect timeout,
// TCP keepalives (a silent peer is found out in idle + interval × count seconds) and a statement
// timeout. These are defaults: the same keywords in the URI win (docs/operations.md).
// Statements go out with text parameters ($1, $2, …; PostgreSQL converts them), never with
// values spliced into the SQL.

#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "pg/pg_result.h"

namespace deadline::pg {

struct ConnectSettings {
  std::string application_name = "deadlined";  // shown in pg_stat_activity (and in lock refusals)
  std::chrono::seconds connect_timeout{5};
  std::chrono::milliseconds statement_timeout{30000};
  std::chrono::seconds keepalive_idle{10}, keepalive_interval{5};
  int keepalive_count = 3;
  // A password file in libpq's format (host:port:db:user:password), for example a systemd
  // credential; empty: libpq's own default ($PGPASSFILE, else ~/.pgpass). The URI's passfile=
  // wins over it.
  std::string passfile;
};

// A parameter: text, or SQL NULL.
using Param = std::optional<std::string>;

class PgConnection {
 public:
  // `uri` is a libpq connection URI (store/database_location.h); errors show it without its
  // password.
  static Result<PgConnection> open(const std::string& uri, const ConnectSettings& settings = {});

  PgConnection(PgConnection&&) noexcept = default;
  PgConnection& operator=(PgConnection&&) noexcept = default;

  // One statement with parameters. A failure names the server's message, its SQLSTATE and the
  // start of the statement; last_sqlstate() has the code alone (e.g. "23505", unique_violation).
  Result<PgResult> exec(std::string_view sql, const std::vector<Param>& params = {});
  // The same, prepared on this connection at first use and reused after: for statements a loop
  // runs many times (claims, results), where parsing and planning each time costs more than
  // running them. A new connection prepares them again.
  Result<PgResult> exec_prepared(const std::string& sql, const std::vector<Param>& params = {});
  // Several statements separated by ';', no parameters (a migration's script).
  Status exec_script(const std::string& sql);

  // False once the server has gone away (a killed backend, a restart): open a new connection.
  bool alive() const;
  int backend_pid() const;
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  const std::string& shown() const { return shown_; }  // the URI without its password
  PGconn* raw() const { return conn_.get(); }

 private:
  PgConnection(PGconn* conn, std::string shown) : conn_(conn, &PQfinish), shown_(std::move(shown)) {}
  std::string failure(const PGresult* result, std::string_view sql);

  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
  std::string shown_;
  std::string last_sqlstate_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> the statement's name
};

}  // namespace deadline::pg
