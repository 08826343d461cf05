#pragma once
// What the benchmarks' PostgreSQL modes share (`--postgresql URI`, fanout_bench and
// webhook_bench): the option itself, a scratch database per run on the server the URI names,
// COPY FROM STDIN through libpq (the fan-out's baseline, and the setup of both benches: 100,000
// rows one INSERT at a time would take longer than what is measured), the population of
// subscribers and endpoints, and the CPU time of the server process a store talks to.
//
// The URI is a server's maintenance database (`postgres`), as tests/pg/pg_server.py writes it to
// DIR/uri; its user must be allowed CREATE DATABASE (and, for the rounds to start from a
// checkpoint, CHECKPOINT: a superuser, as the test server's `deadlined` is).

#include <libpq-fe.h>
#include <time.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bench_support.h"
#include "pg/pg_connection.h"
#include "store/database_copy.h"
#include "pg/pg_store.h"

namespace deadline::bench {

// `--postgresql URI` as the first two arguments: removed from argv (so the positional arguments
// keep their places) and returned; nullopt without it.
inline std::optional<std::string> take_postgresql_option(int& argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) != "--postgresql") return std::nullopt;
  if (argc < 3) throw std::invalid_argument("--postgresql needs a URI (a server's maintenance database)");
  std::string uri = argv[2];
  for (int i = 3; i < argc; ++i) argv[i - 2] = argv[i];
  argc -= 2;
  return uri;
}

// The same server and user as `server_uri`, database `name`: a dbname= parameter, which libpq
// applies after the URI's path (the last value of a keyword wins), so no part of the URI needs
// parsing here.
inline std::string database_uri(const std::string& server_uri, const std::string& name) {
  return server_uri + (server_uri.find('?') == std::string::npos ? "?" : "&") + "dbname=" + name;
}

inline pg::PgConnection connect_pg(const std::string& uri) {
  auto opened = pg::PgConnection::open(uri);
  require(opened.ok(), opened.ok() ? std::string() : opened.error());
  return std::move(opened).value();
}

inline pg::PgResult exec_pg(pg::PgConnection& connection, std::string_view sql,
                            const std::vector<pg::Param>& params = {}) {
  auto done = connection.exec(sql, params);
  require(done.ok(), done.ok() ? std::string() : done.error());
  return std::move(done).value();
}

// A new, empty database on the server (`PREFIX_` and random hex), dropped when this goes, with
// any session still on it (WITH (FORCE): a failed run may leave the store's connection open).
class ScratchDatabase {
 public:
  ScratchDatabase(const std::string& server_uri, const std::string& prefix) : admin_(connect_pg(server_uri)) {
    std::random_device random;
    name_ = prefix + "_" + std::to_string(random()) + std::to_string(random());
    exec_pg(admin_, "CREATE DATABASE " + name_);
    uri_ = database_uri(server_uri, name_);
  }
  ~ScratchDatabase() { (void)admin_.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)"); }
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& uri() const { return uri_; }
  const std::string& name() const { return name_; }
  // Writes every dirty page out, so that a round does not pay for the writes of its setup (what
  // wal_checkpoint(TRUNCATE) does for the SQLite mode). False when the user may not (then the
  // rounds start without it, and the bench says so).
  bool checkpoint() { return admin_.exec("CHECKPOINT").ok(); }

 private:
  pg::PgConnection admin_;
  std::string name_, uri_;
};

inline std::unique_ptr<pg::PgStore> open_pg_store(const std::string& uri) {
  auto store = pg::PgStore::open(uri);  // creates the schema (pg_schema.cc) in a new database
  require(store.ok(), store.ok() ? std::string() : store.error());
  return std::move(store).value();
}

// One `COPY table (columns) FROM STDIN` in text format: rows are added field by field and sent
// in blocks of about 64 KiB (PQputCopyData), finish() ends it and checks the server's answer.
class CopyIn {
 public:
  CopyIn(pg::PgConnection& connection, const std::string& table_and_columns) : conn_(connection.raw()) {
    const pg::PgResult started(PQexec(conn_, ("COPY " + table_and_columns + " FROM STDIN").c_str()));
    require(started.raw() && PQresultStatus(started.raw()) == PGRES_COPY_IN,
            "COPY " + table_and_columns + ": " + PQerrorMessage(conn_));
    buffer_.reserve(kBlock + 4096);
  }
  CopyIn(const CopyIn&) = delete;
  CopyIn& operator=(const CopyIn&) = delete;

  CopyIn& field(std::string_view text) {
    separate();
    deadline::store::append_copy_text(buffer_, text);  // the text format's escapes
    return *this;
  }
  CopyIn& field(std::int64_t value) {
    separate();
    char digits[24];
    const auto [end, error] = std::to_chars(digits, digits + sizeof digits, value);
    buffer_.append(digits, end);
    return *this;
  }
  CopyIn& null() {
    separate();
    buffer_ += "\\N";
    return *this;
  }
  void end_row() {
    buffer_ += '\n';
    first_ = true;
    if (buffer_.size() >= kBlock) flush();
  }
  // Sends what is left and ends the COPY: the rows are in (within the caller's transaction).
  void finish() {
    flush();
    require(PQputCopyEnd(conn_, nullptr) == 1, std::string("ending a COPY: ") + PQerrorMessage(conn_));
    bool ok = true;
    std::string why;
    while (PGresult* r = PQgetResult(conn_)) {
      const pg::PgResult result(r);
      if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        ok = false;
        why = PQresultErrorMessage(r);
      }
    }
    require(ok, "COPY failed: " + why);
  }

 private:
  static constexpr std::size_t kBlock = 64 * 1024;
  void separate() {
    if (!first_) buffer_ += '\t';
    first_ = false;
  }
  void flush() {
    if (buffer_.empty()) return;
    require(PQputCopyData(conn_, buffer_.data(), static_cast<int>(buffer_.size())) == 1,
            std::string("sending COPY data: ") + PQerrorMessage(conn_));
    buffer_.clear();
  }

  PGconn* conn_;
  std::string buffer_;
  bool first_ = true;
};

// One subscriber of a population and its one endpoint, with the columns add_subscriber /
// add_endpoint use (what bench_support.h's populate_and_fire writes on SQLite).
struct PopulationRow {
  std::string email, email_hash;
  const char* kind = "email";
  std::string address;
  std::string secret;              // empty: none (NULL)
  std::string programme_filter;    // empty: no filter; else a programme filter with this value
};

// Writes `count` active subscribers with one active endpoint each (`row(i)`), ids 1..count on
// both tables (the ids a fresh SQLite file gives the same rows), in one transaction by COPY, then
// moves the identity sequences past them and ANALYZEs: setup, not measured. ANALYZE because a
// running server's autovacuum would have by the time a fan-out comes; the store's queries are
// then planned for the tables as they are, not as empty ones.
inline void copy_population(pg::PgConnection& connection, std::int64_t count,
                            const std::function<PopulationRow(std::int64_t)>& row, Instant now) {
  exec_pg(connection, "BEGIN");
  std::vector<PopulationRow> rows;
  rows.reserve(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) rows.push_back(row(i));
  {
    CopyIn subscribers(connection, "subscribers (id, email, email_hash, state, created_at, confirmed_at)");
    for (std::int64_t i = 0; i < count; ++i) {
      const PopulationRow& r = rows[static_cast<std::size_t>(i)];
      subscribers.field(i + 1).field(r.email).field(r.email_hash).field("active").field(seconds(now)).field(
          seconds(now));
      subscribers.end_row();
    }
    subscribers.finish();
  }
  {
    CopyIn endpoints(connection,
                     "endpoints (id, subscriber_id, kind, address, secret, filter_fields, all_leads, created_at)");
    for (std::int64_t i = 0; i < count; ++i) {
      const PopulationRow& r = rows[static_cast<std::size_t>(i)];
      endpoints.field(i + 1).field(i + 1).field(r.kind).field(r.address);
      if (r.secret.empty()) {
        endpoints.null();
      } else {
        endpoints.field(r.secret);
      }
      // filter_fields bit 1: the programme filter is in use (as add_endpoint sets it).
      endpoints.field(std::int64_t{r.programme_filter.empty() ? 0 : 1}).field(std::int64_t{1}).field(seconds(now));
      endpoints.end_row();
    }
    endpoints.finish();
  }
  {
    CopyIn filters(connection, "endpoint_filters (endpoint_id, field, value)");
    for (std::int64_t i = 0; i < count; ++i) {
      const PopulationRow& r = rows[static_cast<std::size_t>(i)];
      if (r.programme_filter.empty()) continue;
      filters.field(i + 1).field("programme").field(r.programme_filter);
      filters.end_row();
    }
    filters.finish();
  }
  const std::string last = std::to_string(count);
  exec_pg(connection, "SELECT setval(pg_get_serial_sequence('subscribers', 'id'), " + last + ")");
  exec_pg(connection, "SELECT setval(pg_get_serial_sequence('endpoints', 'id'), " + last + ")");
  exec_pg(connection, "COMMIT");
  exec_pg(connection, "ANALYZE subscribers, endpoints, endpoint_filters");
}

inline std::int64_t count_pg_rows(pg::PgConnection& connection, const char* table) {
  return exec_pg(connection, std::string("SELECT count(*) FROM ") + table).integer(0, 0);
}

// The CPU time of another process so far (a PostgreSQL backend: the server's side of a store's
// connection), from its CPU clock; 0 when it cannot be read.
inline double process_cpu_seconds_of(int pid) {
  clockid_t clock{};
  if (clock_getcpuclockid(pid, &clock) != 0) return 0;
  timespec t{};
  if (clock_gettime(clock, &t) != 0) return 0;
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

}  // namespace deadline::bench
