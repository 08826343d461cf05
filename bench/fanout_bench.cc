// How long the fan-out takes when one trigger matches every subscriber of a large list:
// the store's fire() records the firing, then runs its chunks of endpoints (the daemon's default
// size, kDefaultFanoutChunk), each one transaction adding one message holding one delivery per
// matching endpoint. Baseline, measured in the same run: the plainest bulk write of the same
// message and delivery rows, one transaction, into a second database with the same schema and
// endpoints — what the fan-out could at best cost.
//
//   ./build/bench/fanout_bench [ENDPOINTS] [ROUNDS]     (defaults 100000 and 3; medians reported)
//       SQLite: SqliteStore::fire against prepared INSERTs (bind/exec/reset). Target: ≥ 0.7x the
//       baseline's rate (issue "Delivery at scale"). Both database files live in a fresh
//       directory under /tmp, removed at the end. RESULT name=fanout.
//   ./build/bench/fanout_bench --postgresql URI [ENDPOINTS] [ROUNDS]
//       PostgreSQL: PgStore::fire against libpq's COPY FROM STDIN (text format) of the same rows.
//       URI is a server's maintenance database (tests/pg/pg_server.py start DIR writes one to
//       DIR/uri); the bench creates its two databases there (fanout_bench_…) and drops them at
//       the end, on failure too. Target: ≥ 0.4x the baseline's rate (issue "The store on
//       PostgreSQL" §5: COPY is PostgreSQL's fastest way in, which no statement-based write
//       comes near). RESULT name=fanout_pg.
//
// Every round starts from the same state on both sides: outbox tables emptied, then the WAL
// checkpointed (SQLite: truncated; PostgreSQL: CHECKPOINT).

#include <SQLiteCpp/SQLiteCpp.h>
#include <stdlib.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "base/sha256.h"
#include "base/temp_dir.h"
#include "bench_support.h"
#include "pg_bench_support.h"
#include "store/database_location.h"
#include "store/sqlite_store.h"

namespace {

using deadline::bench::median;
using deadline::bench::open_store;
using deadline::bench::parse_positive;
using deadline::bench::require;
using deadline::bench::seconds;

using deadline::Instant;
using deadline::store::FireKind;
using deadline::store::FireOutcome;
using deadline::store::SchedulingStore;
using deadline::store::SqliteStore;
using deadline::Trigger;
using deadline::WindowFacts;
using Clock = std::chrono::steady_clock;

// Issue "Delivery at scale" §1: the chunked fan-out at ≥ 0.7 × the plain bulk insert of the same rows.
constexpr double kSqliteTargetRatio = 0.70;
// Issue "The store on PostgreSQL" §5: ≥ 0.4 × a plain COPY of the same rows.
constexpr double kPgTargetRatio = 0.40;

// A fresh directory under /tmp, removed on the way out (also on failure).
class TempDir : public deadline::TempDir {
 public:
  TempDir() : deadline::TempDir("fanout_bench") {}
};

double elapsed_seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The subscriber list, computed once and written identically into both databases.
struct Population {
  std::vector<std::string> emails;
  std::vector<std::string> email_hashes;
  // Per endpoint: 0 no filter, 1 a programme filter that matches, 2 one that does not.
  std::vector<int> filter_kind;
  std::int64_t matching_filter = 0;
  std::int64_t excluding_filter = 0;
};

Population make_population(std::int64_t count) {
  Population p;
  const auto n = static_cast<std::size_t>(count);
  p.emails.reserve(n);
  p.email_hashes.reserve(n);
  p.filter_kind.reserve(n);
  for (std::int64_t i = 0; i < count; ++i) {
    // Addresses are already lower-case, so this is sha256(lower(email)) as add_subscriber stores.
    p.emails.push_back("subscriber" + std::to_string(i) + "@example.cn");
    p.email_hashes.push_back(deadline::sha256_hex(p.emails.back()));
    // Of every 20 endpoints: 2 filter on the fired programme (10%), 1 on another one (5%).
    const std::int64_t slot = i % 20;
    const int kind = slot < 2 ? 1 : slot == 2 ? 2 : 0;
    p.filter_kind.push_back(kind);
    if (kind == 1) ++p.matching_filter;
    if (kind == 2) ++p.excluding_filter;
  }
  return p;
}

// Writes the population with the columns add_subscriber/add_endpoint use, in one transaction
// (setup, not measured). Returns the ids of the endpoints the fired programme should reach.
std::vector<std::int64_t> populate(SQLite::Database& db, const Population& p, Instant now) {
  std::vector<std::int64_t> matching;
  SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement subscriber(db,
                               "INSERT INTO subscribers (email, email_hash, state, created_at, confirmed_at) "
                               "VALUES (?1, ?2, 'active', ?3, ?3)");
  SQLite::Statement endpoint(db,
                             "INSERT INTO endpoints (subscriber_id, kind, address, secret, filter_fields, "
                             "all_leads, created_at) VALUES (?1, 'email', ?2, NULL, ?3, 1, ?4)");
  SQLite::Statement filter(db,
                           "INSERT INTO endpoint_filters (endpoint_id, field, value) VALUES (?1, 'programme', ?2)");
  for (std::size_t i = 0; i < p.emails.size(); ++i) {
    subscriber.bind(1, p.emails[i]);
    subscriber.bind(2, p.email_hashes[i]);
    subscriber.bind(3, seconds(now));
    subscriber.exec();
    subscriber.reset();
    const std::int64_t subscriber_id = db.getLastInsertRowid();

    const int kind = p.filter_kind[i];
    endpoint.bind(1, subscriber_id);
    endpoint.bind(2, p.emails[i]);
    endpoint.bind(3, kind == 0 ? 0 : 1);  // bit 1: the programme filter is in use
    endpoint.bind(4, seconds(now));
    endpoint.exec();
    endpoint.reset();
    const std::int64_t endpoint_id = db.getLastInsertRowid();

    if (kind != 0) {
      filter.bind(1, endpoint_id);
      filter.bind(2, kind == 1 ? "p-fired" : "p-other");
      filter.exec();
      filter.reset();
    }
    if (kind != 2) matching.push_back(endpoint_id);
  }
  transaction.commit();
  return matching;
}

// Empties what a round writes, then checkpoints so the next round starts with an empty WAL.
void reset_outbox(SQLite::Database& db) {
  SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
  db.exec("DELETE FROM deliveries; DELETE FROM messages; DELETE FROM triggers");
  transaction.commit();
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

std::int64_t count_rows(SQLite::Database& db, const char* table) {
  return db.execAndGet(std::string("SELECT count(*) FROM ") + table).getInt64();
}

// One of a run's two databases (the fan-out's, the baseline's), on either backend: what setup
// and the rounds do with it. The rounds themselves (run below) are the same for both backends.
class BenchDatabase {
 public:
  virtual ~BenchDatabase() = default;
  // Setup: writes the population; returns the ids of the endpoints the fired programme reaches.
  virtual std::vector<std::int64_t> populate(const Population& p, Instant now) = 0;
  // Before each round: the outbox emptied and the log checkpointed.
  virtual void reset_outbox() = 0;
  virtual std::int64_t count_rows(const char* table) = 0;
  // The measured side: the store whose fire() is timed.
  virtual SchedulingStore& store() = 0;
  // The baseline: the rows written the plainest way the backend has, in one transaction.
  virtual void write_rows(const Trigger& trigger, Instant now, const std::vector<std::int64_t>& endpoints,
                          const std::vector<std::string>& ids) = 0;
};

class SqliteDatabase final : public BenchDatabase {
 public:
  explicit SqliteDatabase(const std::filesystem::path& path) : store_(open_store(path)) {}
  std::vector<std::int64_t> populate(const Population& p, Instant now) override {
    return ::populate(store_->database(), p, now);
  }
  void reset_outbox() override { ::reset_outbox(store_->database()); }
  std::int64_t count_rows(const char* table) override { return ::count_rows(store_->database(), table); }
  SchedulingStore& store() override { return *store_; }
  // Prepared statements, bind/exec/reset per row.
  void write_rows(const Trigger& trigger, Instant now, const std::vector<std::int64_t>& endpoints,
                  const std::vector<std::string>& ids) override {
    SQLite::Database& db = store_->database();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement message(db,
                              "INSERT INTO messages (id, endpoint_id, due_at, created_at, state, next_attempt_at, "
                              "expires_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'pending', ?4, ?5, ?4)");
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
      message.bind(1, ids[i]);
      message.bind(2, endpoints[i]);
      message.bind(3, seconds(trigger.due));
      message.bind(4, seconds(now));
      message.bind(5, seconds(trigger.closes));
      message.exec();
      message.reset();
    }
    SQLite::Statement delivery(db,
                               "INSERT INTO deliveries (message_id, endpoint_id, trigger_key, window_id, lead, "
                               "closes_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
      delivery.bind(1, ids[i]);
      delivery.bind(2, endpoints[i]);
      delivery.bind(3, trigger.key());
      delivery.bind(4, trigger.window_id);
      delivery.bind(5, trigger.lead);
      delivery.bind(6, seconds(trigger.closes));
      delivery.exec();
      delivery.reset();
    }
    transaction.commit();
  }

 private:
  std::unique_ptr<SqliteStore> store_;
};

// A new database on the server: the schema from PgStore::open (pg_schema.cc), the population by
// COPY with the same ids as the SQLite files get, dropped at the end.
class PgDatabase final : public BenchDatabase {
 public:
  explicit PgDatabase(const std::string& server_uri)
      : scratch_(server_uri, "fanout_bench"), store_(deadline::bench::open_pg_store(scratch_.uri())),
        connection_(deadline::bench::connect_pg(scratch_.uri())) {}
  std::vector<std::int64_t> populate(const Population& p, Instant now) override {
    deadline::bench::copy_population(
        connection_, static_cast<std::int64_t>(p.emails.size()),
        [&p](std::int64_t i) {
          const auto at = static_cast<std::size_t>(i);
          const int kind = p.filter_kind[at];
          return deadline::bench::PopulationRow{p.emails[at], p.email_hashes[at], "email", p.emails[at], "",
                                                kind == 0 ? "" : kind == 1 ? "p-fired" : "p-other"};
        },
        now);
    std::vector<std::int64_t> matching;  // ids are 1..n in population order
    for (std::size_t i = 0; i < p.filter_kind.size(); ++i) {
      if (p.filter_kind[i] != 2) matching.push_back(static_cast<std::int64_t>(i) + 1);
    }
    return matching;
  }
  // TRUNCATE rather than DELETE: a DELETE would leave the last round's dead rows and index
  // entries for the next round to step over until a vacuum; TRUNCATE gives empty tables, as
  // SQLite's DELETE does. CASCADE: what references messages (message_changes, empty here) goes
  // too, as the foreign keys' ON DELETE CASCADE does on SQLite.
  void reset_outbox() override {
    deadline::bench::exec_pg(connection_, "TRUNCATE deliveries, messages, triggers CASCADE");
    if (!scratch_.checkpoint() && !warned_) {
      std::printf("(CHECKPOINT refused: this user is not a superuser; rounds start without one)\n");
      warned_ = true;
    }
  }
  std::int64_t count_rows(const char* table) override { return deadline::bench::count_pg_rows(connection_, table); }
  SchedulingStore& store() override { return *store_; }
  // COPY FROM STDIN, text format, the rows formatted as they are sent (as a client would).
  void write_rows(const Trigger& trigger, Instant now, const std::vector<std::int64_t>& endpoints,
                  const std::vector<std::string>& ids) override {
    using deadline::bench::CopyIn;
    deadline::bench::exec_pg(connection_, "BEGIN");
    {
      CopyIn message(connection_,
                     "messages (id, endpoint_id, due_at, created_at, state, next_attempt_at, expires_at, updated_at)");
      for (std::size_t i = 0; i < endpoints.size(); ++i) {
        message.field(ids[i]).field(endpoints[i]).field(seconds(trigger.due)).field(seconds(now)).field("pending");
        message.field(seconds(now)).field(seconds(trigger.closes)).field(seconds(now));
        message.end_row();
      }
      message.finish();
    }
    {
      CopyIn delivery(connection_, "deliveries (message_id, endpoint_id, trigger_key, window_id, lead, closes_at)");
      const std::string key = trigger.key();
      for (std::size_t i = 0; i < endpoints.size(); ++i) {
        delivery.field(ids[i]).field(endpoints[i]).field(key).field(trigger.window_id).field(trigger.lead);
        delivery.field(seconds(trigger.closes));
        delivery.end_row();
      }
      delivery.finish();
    }
    deadline::bench::exec_pg(connection_, "COMMIT");
  }

 private:
  deadline::bench::ScratchDatabase scratch_;  // first: dropped after the connections close
  std::unique_ptr<deadline::pg::PgStore> store_;
  deadline::pg::PgConnection connection_;
  bool warned_ = false;
};

Trigger trigger_for_round(int round, Instant now) {
  // A later close each round gives a fresh trigger key (window | lead | close, as the planner).
  const Instant closes = now + std::chrono::days{30 + round};
  return {"p-fired/2026", "7d", closes - std::chrono::days{7}, closes,
          WindowFacts{"p-fired", "工业和信息化部门", "资金引导", "江苏省工业和信息化厅", "企业",
                      "专精特新中小企业认定 江苏省工业和信息化厅"}};
}


// One timed fan-out, checked: every matching endpoint got exactly one message and one delivery.
double time_fanout(BenchDatabase& db, const Trigger& trigger, Instant now, std::int64_t expected) {
  const auto start = Clock::now();
  const auto outcome = db.store().fire({trigger}, FireKind::on_time, now, now);
  const double elapsed = elapsed_seconds(start);
  require(outcome.ok(), "fan-out failed: " + (outcome.ok() ? std::string() : outcome.error()));
  const FireOutcome& o = *outcome;
  require(o.new_triggers == 1, "fan-out did not record the trigger");
  require(o.messages == expected,
          "fan-out recorded " + std::to_string(o.messages) + " messages; " + std::to_string(expected) +
              " endpoints match");
  require(o.deliveries == expected, "fan-out recorded " + std::to_string(o.deliveries) + " deliveries; " +
                                        std::to_string(expected) + " endpoints match");
  require(db.count_rows("messages") == expected && db.count_rows("deliveries") == expected,
          "the fan-out's rows in the database differ from its outcome");
  return elapsed;
}

// Ids of the same shape as the store's (kNewMessageIdSql): the current second in 8 hex digits,
// then 24 random ones. The same rows means the same index locality.
std::vector<std::string> random_message_ids(std::size_t count, std::mt19937_64& random) {
  static constexpr char kHex[] = "0123456789abcdef";
  char second[9];
  std::snprintf(second, sizeof second, "%08llx",
                static_cast<unsigned long long>(std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count()));
  std::vector<std::string> ids;
  ids.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::string id = second + std::string(24, '0');
    std::uint64_t bits = random();
    for (std::size_t c = 8; c < id.size(); ++c) {
      if (c == 20) bits = random();
      id[c] = kHex[bits & 0xf];
      bits >>= 4;
    }
    ids.push_back(std::move(id));
  }
  return ids;
}


// One timed baseline: the same message and delivery rows the fan-out writes (ids of the same
// shape made beforehand), written in one transaction.
double time_baseline(BenchDatabase& db, const Trigger& trigger, Instant now,
                     const std::vector<std::int64_t>& endpoints, const std::vector<std::string>& ids) {
  const auto start = Clock::now();
  db.write_rows(trigger, now, endpoints, ids);
  const double elapsed = elapsed_seconds(start);
  const auto expected = static_cast<std::int64_t>(endpoints.size());
  require(db.count_rows("messages") == expected && db.count_rows("deliveries") == expected,
          "the baseline's rows in the database differ from what it inserted");
  return elapsed;
}

// What differs between the two modes: the result's name, the baseline's label, the target, where
// the databases are, and how one is opened ("fanout" or "baseline").
struct Backend {
  const char* result_name;
  const char* baseline_label;
  double target;
  std::string where;
  std::function<std::unique_ptr<BenchDatabase>(const std::string& which)> open;
};

int run(const Backend& backend, std::int64_t endpoint_count, int rounds) {
  const Instant now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());

  std::printf("setting up %lld subscribers with one endpoint each, twice, in %s ...\n",
              static_cast<long long>(endpoint_count), backend.where.c_str());
  std::fflush(stdout);
  const Population population = make_population(endpoint_count);
  const std::unique_ptr<BenchDatabase> fanout_db = backend.open("fanout");
  const std::unique_ptr<BenchDatabase> baseline_db = backend.open("baseline");
  const std::vector<std::int64_t> fanout_matching = fanout_db->populate(population, now);
  const std::vector<std::int64_t> matching = baseline_db->populate(population, now);
  require(fanout_matching == matching, "the two databases were set up differently");
  const auto matched = static_cast<std::int64_t>(matching.size());
  require(matched == endpoint_count - population.excluding_filter, "setup miscounted the matching endpoints");

  std::mt19937_64 random(std::random_device{}());
  std::vector<double> fanout_times, baseline_times;
  for (int round = 0; round < rounds; ++round) {
    fanout_db->reset_outbox();
    baseline_db->reset_outbox();
    const Trigger trigger = trigger_for_round(round, now);
    const std::vector<std::string> ids = random_message_ids(matching.size(), random);
    // Alternate which side goes first, so neither always inherits the other's effect on the
    // OS page cache and disk.
    double fanout = 0, baseline = 0;
    if (round % 2 == 0) {
      fanout = time_fanout(*fanout_db, trigger, now, matched);
      baseline = time_baseline(*baseline_db, trigger, now, matching, ids);
    } else {
      baseline = time_baseline(*baseline_db, trigger, now, matching, ids);
      fanout = time_fanout(*fanout_db, trigger, now, matched);
    }
    fanout_times.push_back(fanout);
    baseline_times.push_back(baseline);
    std::printf("round %d: fan-out %.3f s, baseline %.3f s\n", round + 1, fanout, baseline);
    std::fflush(stdout);
  }

  const deadline::bench::Comparison comparison = deadline::bench::compare(matched, fanout_times, baseline_times);
  const auto [fanout_s, baseline_s, fanout_rate, baseline_rate, ratio] = comparison;
  std::printf("\n");
  std::printf("endpoints                : %10lld (%lld filter on the fired programme, %lld on another)\n",
              static_cast<long long>(endpoint_count), static_cast<long long>(population.matching_filter),
              static_cast<long long>(population.excluding_filter));
  std::printf("matched                  : %10lld (one message + one delivery each)\n",
              static_cast<long long>(matched));
  std::printf("rounds                   : %10d (medians below)\n", rounds);
  std::printf("fan-out  store->fire()   : %10.3f s %12.0f messages/s (chunks of %d endpoints)\n", fanout_s,
              fanout_rate, deadline::kDefaultFanoutChunk);
  std::printf("baseline %-16s: %10.3f s %12.0f messages/s\n", backend.baseline_label, baseline_s, baseline_rate);
  std::printf("ratio fan-out / baseline : %10.2f   target >= %.2f: %s\n", ratio, backend.target,
              deadline::bench::verdict(ratio, backend.target));
  deadline::bench::result_line(backend.result_name, "messages/s", comparison, backend.target,
                               "endpoints=" + std::to_string(endpoint_count));
  return 0;
}

int run_sqlite(std::int64_t endpoint_count, int rounds) {
  const TempDir dir;  // declared first: removed after both databases are closed
  const Backend backend{"fanout", "bulk insert", kSqliteTargetRatio, dir.path().string(),
                        [&dir](const std::string& which) -> std::unique_ptr<BenchDatabase> {
                          return std::make_unique<SqliteDatabase>(dir.path() / (which + ".sqlite"));
                        }};
  return run(backend, endpoint_count, rounds);
}

int run_postgresql(const std::string& server_uri, std::int64_t endpoint_count, int rounds) {
  const Backend backend{"fanout_pg", "COPY", kPgTargetRatio,
                        "two new databases on PostgreSQL " + deadline::store::uri_without_password(server_uri),
                        [&server_uri](const std::string&) -> std::unique_ptr<BenchDatabase> {
                          return std::make_unique<PgDatabase>(server_uri);
                        }};
  return run(backend, endpoint_count, rounds);
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<std::string> postgresql;
  std::int64_t endpoints = 100000;
  std::int64_t rounds = 3;
  try {
    postgresql = deadline::bench::take_postgresql_option(argc, argv);
    if (argc > 3) {
      std::fprintf(stderr, "usage: %s [--postgresql URI] [ENDPOINTS (default 100000)] [ROUNDS (default 3)]\n",
                   argv[0]);
      return 2;
    }
    if (argc > 1) endpoints = parse_positive(argv[1], "ENDPOINTS");
    if (argc > 2) rounds = parse_positive(argv[2], "ROUNDS", 1000);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fanout_bench: %s\n", e.what());
    return 2;
  }
  try {
    return postgresql ? run_postgresql(*postgresql, endpoints, static_cast<int>(rounds))
                      : run_sqlite(endpoints, static_cast<int>(rounds));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fanout_bench: %s\n", e.what());
    return 1;
  }
}
