#include "store/statement_cache.h"

namespace deadline::store {

StatementCache::Lease::~Lease() {
  if (!statement_) return;
  statement_->tryReset();  // its result repeats the last step's error, which the caller has had
  try {
    statement_->clearBindings();
  } catch (...) {  // sqlite3_clear_bindings cannot fail; a destructor must not throw regardless
  }
}

StatementCache::Lease StatementCache::get(const std::string& sql) {
  std::unique_ptr<SQLite::Statement>& statement = statements_[sql];
  if (!statement) statement = std::make_unique<SQLite::Statement>(db_, sql);
  return Lease(*statement);
}

}  // namespace deadline::store
