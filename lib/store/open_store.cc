#include "store/open_store.h"

#include "pg/owner_lock.h"
#include "pg/pg_store.h"
#include "store/database_lock.h"
#include "store/sqlite_store.h"

namespace deadline::store {

namespace {

template <class Concrete>
Result<std::unique_ptr<Store>> as_store(Result<std::unique_ptr<Concrete>> opened) {
  if (!opened) return Result<std::unique_ptr<Store>>::failure(opened.error());
  return Result<std::unique_ptr<Store>>::success(std::move(opened).value());
}

}  // namespace

pg::ConnectSettings connect_settings(const StoreSettings& settings) {
  pg::ConnectSettings connect;
  connect.application_name = settings.application_name;
  connect.passfile = settings.pg_passfile.string();
  return connect;
}

Result<std::unique_ptr<Store>> open_store(const DatabaseLocation& where, const StoreSettings& settings) {
  if (where.kind == DatabaseLocation::Kind::sqlite_file) return as_store(SqliteStore::open(where.file));
  return as_store(pg::PgStore::open(where.uri, connect_settings(settings), settings.claimant, settings.claim_lease));
}

Result<std::unique_ptr<Store>> open_store(const std::string& database, const StoreSettings& settings) {
  const auto where = parse_database_location(database, "--db");
  if (!where) return Result<std::unique_ptr<Store>>::failure(where.error());
  return open_store(*where, settings);
}

Result<std::string> daemon_running_on(const std::string& database) {
  using R = Result<std::string>;
  const auto where = parse_database_location(database, "--db");
  if (!where) return R::failure(where.error());
  if (where->kind == DatabaseLocation::Kind::sqlite_file) {
    if (!DatabaseLock::held_elsewhere(where->file)) return R::success("");
    return R::success("deadlined is running on " + where->shown + " (it holds the .lock file)");
  }
  const auto holder = pg::OwnerLock::holder_of(where->uri);
  if (!holder) return R::failure(holder.error());
  if (!*holder) return R::success("");
  return R::success("deadlined is running on " + where->shown + " (" + **holder + " holds its owner lock)");
}

}  // namespace deadline::store
