#include "deadlined/owned_store.h"

#include "base/log.h"
#include "store/gated_store.h"
#include "store/open_store.h"

namespace deadline::daemon {

Result<OwnedStore> open_owned_store(const Config& config) {
  using R = Result<OwnedStore>;
  const auto where = store::parse_database_location(config.database.string(), "database");
  if (!where) return R::failure(where.error());
  OwnedStore owned;
  store::StoreSettings settings;
  settings.pg_passfile = database_passfile(config.database_credentials_file);
  if (where->kind == store::DatabaseLocation::Kind::sqlite_file) {
    auto lock = store::DatabaseLock::acquire(where->file);
    if (!lock) return R::failure(lock.error());
    owned.file_lock.emplace(std::move(lock).value());
  } else {
    pg::ConnectSettings connect;
    connect.application_name = settings.application_name;
    connect.passfile = settings.pg_passfile.string();
    auto lock = pg::OwnerLock::acquire(where->uri, connect);
    if (!lock) return R::failure(lock.error());
    owned.owner_lock = std::make_unique<pg::OwnerLockKeeper>(std::move(lock).value());
    log::info("store", "PostgreSQL " + where->shown + ": holding the owner lock");
  }
  auto opened = store::open_store(*where, settings);
  if (!opened) return R::failure(opened.error());
  owned.store = std::move(opened).value();
  if (owned.owner_lock) {
    owned.store = std::make_unique<store::GatedStore>(std::move(owned.store), owned.owner_lock->gate());
  }
  return R::success(std::move(owned));
}

}  // namespace deadline::daemon
