// How long the fan-out takes when one trigger matches every subscriber of a large list:
// SqliteStore::fire() records the firing, then runs its chunks of endpoints (the daemon's default
// size, kDefaultFanoutChunk), each one transaction adding one message holding one delivery per
// matching endpoint. Baseline, measured in the same run: a plain bulk insert of the same
// message and delivery rows (prepared statements, bind/exec/reset, one transaction) into a second
// database with the same schema, pragmas and endpoints — what the fan-out could at best cost.
// Target: the fan-out records at least 0.7x the baseline's rate (issue "Delivery at scale").
//
//   ./build/bench/fanout_bench [ENDPOINTS] [ROUNDS]     (defaults 100000 and 3; medians reported)
//
// Both databases live in a fresh directory under /tmp, removed at the end. Every round starts
// from the same state on both sides: outbox tables emptied, WAL checkpointed and truncated.

#include <SQLiteCpp/SQLiteCpp.h>
#include <stdlib.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "base/sha256.h"
#include "base/temp_dir.h"
#include "bench_support.h"
#include "store/sqlite_store.h"

namespace {

using deadline::bench::median;
using deadline::bench::open_store;
using deadline::bench::parse_positive;
using deadline::bench::seconds;

using deadline::Instant;
using deadline::store::FireKind;
using deadline::store::FireOutcome;
using deadline::store::SqliteStore;
using deadline::Trigger;
using deadline::WindowFacts;
using Clock = std::chrono::steady_clock;

// Issue "Delivery at scale" §1: the chunked fan-out at ≥ 0.7 × the plain bulk insert of the same rows.
constexpr double kTargetRatio = 0.70;

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

void require(bool condition, const std::string& message) {
  if (!condition) throw std::runtime_error(message);
}

Trigger trigger_for_round(int round, Instant now) {
  // A later close each round gives a fresh trigger key (window | lead | close, as the planner).
  const Instant closes = now + std::chrono::days{30 + round};
  return {"p-fired/2026", "7d", closes - std::chrono::days{7}, closes,
          WindowFacts{"p-fired", "工业和信息化部门", "资金引导", "江苏省工业和信息化厅", "企业",
                      "专精特新中小企业认定 江苏省工业和信息化厅"}};
}

// One timed fan-out, checked: every matching endpoint got exactly one message and one delivery.
double time_fanout(SqliteStore& store, const Trigger& trigger, Instant now, std::int64_t expected) {
  const auto start = Clock::now();
  const auto outcome = store.fire({trigger}, FireKind::on_time, now, now);
  const double elapsed = elapsed_seconds(start);
  require(outcome.ok(), "fan-out failed: " + (outcome.ok() ? std::string() : outcome.error()));
  const FireOutcome& o = *outcome;
  require(o.new_triggers == 1, "fan-out did not record the trigger");
  require(o.messages == expected,
          "fan-out recorded " + std::to_string(o.messages) + " messages; " + std::to_string(expected) +
              " endpoints match");
  require(o.deliveries == expected, "fan-out recorded " + std::to_string(o.deliveries) + " deliveries; " +
                                        std::to_string(expected) + " endpoints match");
  SQLite::Database& db = store.database();
  require(count_rows(db, "messages") == expected && count_rows(db, "deliveries") == expected,
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
// shape made beforehand), inserted with prepared statements in one transaction.
double time_baseline(SQLite::Database& db, const Trigger& trigger, Instant now,
                     const std::vector<std::int64_t>& endpoints, const std::vector<std::string>& ids) {
  const auto start = Clock::now();
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
  const double elapsed = elapsed_seconds(start);
  const auto expected = static_cast<std::int64_t>(endpoints.size());
  require(count_rows(db, "messages") == expected && count_rows(db, "deliveries") == expected,
          "the baseline's rows in the database differ from what it inserted");
  return elapsed;
}

int run(std::int64_t endpoint_count, int rounds) {
  const TempDir dir;  // declared first: removed after both databases are closed
  const Instant now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());

  std::printf("setting up %lld subscribers with one endpoint each, twice, in %s ...\n",
              static_cast<long long>(endpoint_count), dir.path().c_str());
  std::fflush(stdout);
  const Population population = make_population(endpoint_count);
  const auto fanout_store = open_store(dir.path() / "fanout.sqlite");
  const auto baseline_store = open_store(dir.path() / "baseline.sqlite");
  SQLite::Database& fanout_db = fanout_store->database();
  SQLite::Database& baseline_db = baseline_store->database();
  const std::vector<std::int64_t> fanout_matching = populate(fanout_db, population, now);
  const std::vector<std::int64_t> matching = populate(baseline_db, population, now);
  require(fanout_matching == matching, "the two databases were set up differently");
  const auto matched = static_cast<std::int64_t>(matching.size());
  require(matched == endpoint_count - population.excluding_filter, "setup miscounted the matching endpoints");

  std::mt19937_64 random(std::random_device{}());
  std::vector<double> fanout_times, baseline_times;
  for (int round = 0; round < rounds; ++round) {
    reset_outbox(fanout_db);
    reset_outbox(baseline_db);
    const Trigger trigger = trigger_for_round(round, now);
    const std::vector<std::string> ids = random_message_ids(matching.size(), random);
    // Alternate which side goes first, so neither always inherits the other's effect on the
    // OS page cache and disk.
    double fanout = 0, baseline = 0;
    if (round % 2 == 0) {
      fanout = time_fanout(*fanout_store, trigger, now, matched);
      baseline = time_baseline(baseline_db, trigger, now, matching, ids);
    } else {
      baseline = time_baseline(baseline_db, trigger, now, matching, ids);
      fanout = time_fanout(*fanout_store, trigger, now, matched);
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
  std::printf("baseline bulk insert     : %10.3f s %12.0f messages/s\n", baseline_s, baseline_rate);
  std::printf("ratio fan-out / baseline : %10.2f   target >= %.2f: %s\n", ratio, kTargetRatio,
              deadline::bench::verdict(ratio, kTargetRatio));
  deadline::bench::result_line("fanout", "messages/s", comparison, kTargetRatio,
                               "endpoints=" + std::to_string(endpoint_count));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 3) {
    std::fprintf(stderr, "usage: %s [ENDPOINTS (default 100000)] [ROUNDS (default 3)]\n", argv[0]);
    return 2;
  }
  std::int64_t endpoints = 100000;
  std::int64_t rounds = 3;
  try {
    if (argc > 1) endpoints = parse_positive(argv[1], "ENDPOINTS");
    if (argc > 2) rounds = parse_positive(argv[2], "ROUNDS", 1000);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fanout_bench: %s\n", e.what());
    return 2;
  }
  try {
    return run(endpoints, static_cast<int>(rounds));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fanout_bench: %s\n", e.what());
    return 1;
  }
}
