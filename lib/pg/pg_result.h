#pragma once
// One PGresult, owned: freed with PQclear when this goes. Read-only accessors in text format
// (the layer sends and receives text: PostgreSQL's own conversions, no binary layouts).

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace deadline::pg {

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* result) : result_(result, &PQclear) {}

  int rows() const { return result_ ? PQntuples(result_.get()) : 0; }
  int columns() const { return result_ ? PQnfields(result_.get()) : 0; }
  bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string text(int row, int column) const {
    return std::string(PQgetvalue(result_.get(), row, column),
                       static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
  }
  std::optional<std::string> optional_text(int row, int column) const {
    if (is_null(row, column)) return std::nullopt;
    return text(row, column);
  }
  std::int64_t integer(int row, int column) const { return std::stoll(text(row, column)); }
  bool boolean(int row, int column) const { return text(row, column) == "t"; }
  // Rows changed by an INSERT, UPDATE or DELETE.
  std::int64_t affected() const {
    const char* n = result_ ? PQcmdTuples(result_.get()) : "";
    return *n ? std::stoll(n) : 0;
  }
  PGresult* raw() const { return result_.get(); }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_{nullptr, &PQclear};
};

}  // namespace deadline::pg
