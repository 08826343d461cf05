#pragma once
// Prepared statements kept for the store's hot paths (claiming messages, recording attempts):
// compiling SQL costs more than running these statements over a small batch, and the delivery
// loop runs them hundreds of times a second.

#include <memory>
#include <string>
#include <unordered_map>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

namespace deadline::store {

class StatementCache {
 public:
  explicit StatementCache(SQLite::Database& db) : db_(db) {}

  // A prepared statement lent for one use: reset, with its bindings cleared, when the lease
  // ends, so no read is left open on the database. At most one lease per SQL text at a time.
  class Lease {
   public:
    explicit Lease(SQLite::Statement& statement) : statement_(&statement) {}
    Lease(Lease&& other) noexcept : statement_(other.statement_) { other.statement_ = nullptr; }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    SQLite::Statement& operator*() const { return *statement_; }
    SQLite::Statement* operator->() const { return statement_; }

   private:
    SQLite::Statement* statement_;
  };

  // Prepares `sql` on first use (throws SQLite::Exception if it does not compile).
  Lease get(const std::string& sql);

 private:
  SQLite::Database& db_;
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> statements_;
};

}  // namespace deadline::store
