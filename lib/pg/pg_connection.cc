#include "pg/pg_connection.h"

#include <algorithm>

#include "store/database_location.h"

namespace deadline::pg {

namespace {

std::string trimmed(const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// The start of a statement, on one line, for an error message.
std::string statement_head(std::string_view sql) {
  std::string head;
  for (const char c : sql.substr(0, 80)) head += (c == '\n' || c == '\t') ? ' ' : c;
  if (sql.size() > 80) head += "…";
  return head;
}

}  // namespace

Result<PgConnection> PgConnection::open(const std::string& uri, const ConnectSettings& settings) {
  using R = Result<PgConnection>;
  const std::string shown = store::uri_without_password(uri);
  // Our defaults first, the URI last: libpq keeps the last value of a repeated keyword, and
  // the URI's keywords stand where `dbname` stands, so the operator's settings win.
  const std::string connect_timeout = std::to_string(std::max<long long>(settings.connect_timeout.count(), 1));
  const std::string idle = std::to_string(settings.keepalive_idle.count());
  const std::string interval = std::to_string(settings.keepalive_interval.count());
  const std::string count = std::to_string(settings.keepalive_count);
  // NOTICEs ("relation … already exists, skipping") would go to stderr, in an operator's face.
  // JIT off: the store's statements are short, but a fan-out chunk's matching query is costed
  // high (text-search filters, an unanalysed temp table) and PostgreSQL compiled it for each
  // chunk: 0.8-0.9 s of JIT per 2,000 endpoints against milliseconds for the query itself
  // (bench/fanout_bench --postgresql: 0.05 of the COPY baseline with JIT, 0.50 without).
  const std::string options = "-c statement_timeout=" + std::to_string(settings.statement_timeout.count()) +
                              " -c client_min_messages=warning -c jit=off";
  const char* keywords[] = {"application_name", "connect_timeout",     "keepalives", "keepalives_idle",
                            "keepalives_interval", "keepalives_count", "options",    "passfile",
                            "dbname",           nullptr};
  const char* values[] = {settings.application_name.c_str(), connect_timeout.c_str(), "1", idle.c_str(),
                          interval.c_str(), count.c_str(), options.c_str(),
                          settings.passfile.c_str(),  // empty: ignored by libpq
                          uri.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (!conn) return R::failure("PostgreSQL " + shown + ": out of memory opening a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string why = trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return R::failure("cannot connect to PostgreSQL " + shown + ": " + why);
  }
  // Text in and out is UTF-8 whatever the server's default (the calendar and the pages are
  // Chinese); a database in another encoding converts, or refuses what it cannot hold.
  if (PQsetClientEncoding(conn, "UTF8") != 0) {
    const std::string why = trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return R::failure("PostgreSQL " + shown + ": cannot use UTF-8: " + why);
  }
  return R::success(PgConnection(conn, shown));
}

std::string PgConnection::failure(const PGresult* result, std::string_view sql) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = state ? state : "";
  std::string why = trimmed(result ? PQresultErrorMessage(result) : nullptr);
  if (why.empty()) why = trimmed(PQerrorMessage(conn_.get()));
  if (why.rfind("ERROR:  ", 0) == 0) why.erase(0, 8);
  return "PostgreSQL " + shown_ + ": " + why + (last_sqlstate_.empty() ? "" : " [SQLSTATE " + last_sqlstate_ + "]") +
         " in: " + statement_head(sql);
}

Result<PgResult> PgConnection::exec(std::string_view sql, const std::vector<Param>& params) {
  using R = Result<PgResult>;
  last_sqlstate_.clear();
  const std::string statement(sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params) values.push_back(p ? p->c_str() : nullptr);
  PgResult result(PQexecParams(conn_.get(), statement.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, /*text results*/ 0));
  const ExecStatusType status = result.raw() ? PQresultStatus(result.raw()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return R::failure(failure(result.raw(), sql));
  return R::success(std::move(result));
}

Result<PgResult> PgConnection::exec_prepared(const std::string& sql, const std::vector<Param>& params) {
  using R = Result<PgResult>;
  last_sqlstate_.clear();
  auto known = prepared_.find(sql);
  if (known == prepared_.end()) {
    const std::string name = "deadlined_" + std::to_string(prepared_.size() + 1);
    PgResult prepared(PQprepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr));
    if (!prepared.raw() || PQresultStatus(prepared.raw()) != PGRES_COMMAND_OK) {
      return R::failure(failure(prepared.raw(), sql));
    }
    known = prepared_.emplace(sql, name).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params) values.push_back(p ? p->c_str() : nullptr);
  PgResult result(PQexecPrepared(conn_.get(), known->second.c_str(), static_cast<int>(values.size()), values.data(),
                                 nullptr, nullptr, /*text results*/ 0));
  const ExecStatusType status = result.raw() ? PQresultStatus(result.raw()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return R::failure(failure(result.raw(), sql));
  return R::success(std::move(result));
}

Status PgConnection::exec_script(const std::string& sql) {
  last_sqlstate_.clear();
  PgResult result(PQexec(conn_.get(), sql.c_str()));
  const ExecStatusType status = result.raw() ? PQresultStatus(result.raw()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return Status::failure(failure(result.raw(), sql));
  return ok_status();
}

bool PgConnection::alive() const { return conn_ && PQstatus(conn_.get()) == CONNECTION_OK; }

int PgConnection::backend_pid() const { return PQbackendPID(conn_.get()); }

}  // namespace deadline::pg
