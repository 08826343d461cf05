#pragma once
// What the benchmarks share: argument parsing, medians, opening a store, instants as seconds.

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite_store.h"
#include "time/instant.h"

namespace deadline::bench {

inline std::int64_t seconds(Instant at) { return at.time_since_epoch().count(); }

inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

// Medians of the rounds, rates for `count` items, and their ratio (measured / baseline).
struct Comparison {
  double measured_s, baseline_s, measured_rate, baseline_rate, ratio;
};

inline Comparison compare(std::int64_t count, std::vector<double> measured, std::vector<double> baseline) {
  Comparison c{median(std::move(measured)), median(std::move(baseline)), 0, 0, 0};
  c.measured_rate = static_cast<double>(count) / c.measured_s;
  c.baseline_rate = static_cast<double>(count) / c.baseline_s;
  c.ratio = c.measured_rate / c.baseline_rate;
  return c;
}

inline const char* verdict(double ratio, double target) { return ratio >= target ? "met" : "NOT met"; }

// A positive integer command-line argument; anything else is a usage error naming `what`.
inline std::int64_t parse_positive(const char* text, const char* what) {
  const std::string_view s(text);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (error != std::errc{} || end != s.data() + s.size() || value < 1) {
    throw std::invalid_argument(std::string(what) + " must be a positive integer, not '" + text + "'");
  }
  return value;
}

inline std::unique_ptr<store::SqliteStore> open_store(const std::filesystem::path& path) {
  auto store = store::SqliteStore::open(path);
  if (!store.ok()) throw std::runtime_error(store.error());
  return std::move(store).value();
}

}  // namespace deadline::bench
