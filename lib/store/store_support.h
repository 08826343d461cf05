#pragma once
// What every store backend shares (SQLite: sqlite_support.h, PostgreSQL: lib/pg/pg_store_support.h):
// how instants and states are stored, how failures reach callers, how filters are kept. Nothing
// here knows a database library.

#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "domain/endpoint.h"
#include "domain/state_names.h"
#include "time/instant.h"

namespace deadline::store {

// Instants are stored as Unix seconds (UTC).
inline std::int64_t seconds(Instant at) { return at.time_since_epoch().count(); }
inline Instant instant(std::int64_t s) { return Instant{std::chrono::seconds{s}}; }

// Runs `body`, turning exceptions from SQLiteCpp (and anything else) into a failed Result that
// names the operation. The store's callers never see an exception.
template <class F>
auto guarded(const char* operation, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return decltype(body())::failure(std::string("store: ") + operation + ": " + e.what());
  }
}

// A failed store call's message: "store: <operation>: <why>", or "store unavailable: …" when
// the database could not be reached, which callers answer differently (503, try again later)
// from a refusal or a bug.
inline constexpr std::string_view kStoreUnavailable = "store unavailable";
inline std::string failure_message(const char* operation, const std::string& why, bool unavailable) {
  return std::string(unavailable ? kStoreUnavailable : "store") + ": " + operation + ": " + why;
}
inline bool store_unavailable(const std::string& error) { return error.rfind(kStoreUnavailable, 0) == 0; }

// A state or kind column's text as its enum (stored as the names in domain/). A value this
// program does not know fails the call, through guarded(), naming the value.
template <class Enum, std::size_t N>
Enum stored_as(const StateNames<Enum, N>& names, const std::string& text) {
  if (const auto value = names.parse(text)) return *value;
  throw std::runtime_error("unknown value '" + text + "' in the database");
}

// An optional state filter as bound to SQL: '' means any state.
template <class Enum>
std::string state_filter(const std::optional<Enum>& state) {
  return state ? std::string(to_string(*state)) : std::string();
}

// sha256 of the address with ASCII letters lowered: what identifies an address, kept after a
// purge so an unsubscribed address stays known.
std::string email_hash(const std::string& email);

// Filter fields: their name in endpoint_filters.field and their bit in endpoints.filter_fields
// (the fan-out query tests the same bits).
struct FilterField {
  const char* name;
  int bit;
  std::vector<std::string> EndpointFilters::*values;
};
inline const FilterField kFilterFields[] = {
    {"programme", 1, &EndpointFilters::programmes}, {"group", 2, &EndpointFilters::groups},
    {"category", 4, &EndpointFilters::categories},  {"authority", 8, &EndpointFilters::authorities},
    {"role", 16, &EndpointFilters::roles},          {"keyword", 32, &EndpointFilters::keywords},
};

// The filter_fields bits of the fields `filters` uses.
inline int filter_fields_of(const EndpointFilters& filters) {
  int fields = 0;
  for (const FilterField& f : kFilterFields) {
    if (!(filters.*f.values).empty()) fields |= f.bit;
  }
  return fields;
}

// One endpoint_filters row (field, value) into `filters`.
inline void add_filter_row(EndpointFilters& filters, const std::string& field, std::string value) {
  for (const FilterField& f : kFilterFields) {
    if (field == f.name) (filters.*f.values).push_back(std::move(value));
  }
}

}  // namespace deadline::store
