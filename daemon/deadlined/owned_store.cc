#include "deadlined/owned_store.h"

#include <unistd.h>

#include <climits>

#include "base/log.h"
#include "store/gated_store.h"
#include "store/open_store.h"

namespace deadline::daemon {

namespace {

std::string host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown-host";
  return name;
}

}  // namespace

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
    auto lock = pg::OwnerLock::acquire(where->uri, store::connect_settings(settings), pg::OwnerLock::Mode::node);
    if (!lock) return R::failure(lock.error());
    owned.node_lock.emplace(std::move(lock).value());
    owned.node.id = pg::new_node_id();
    owned.node.host = host_name();
    owned.node.pid = getpid();
    owned.node.key_file = config.token_keys_file.string();
    owned.node.claim_lease = config.claim_lease;
    settings.claimant = owned.node.id;
    settings.claim_lease = config.claim_lease;
    log::info("store", "PostgreSQL " + where->shown + ": node " + owned.node.id + " holds the owner lock (shared)");
  }
  auto opened = store::open_store(*where, settings);  // migrates: the nodes table exists after it
  if (!opened) return R::failure(opened.error());
  owned.store = std::move(opened).value();
  return R::success(std::move(owned));
}

Status join_as_node(OwnedStore& owned, const subscription::KeyRing& keys) {
  if (!owned.node_lock) return ok_status();
  pg::NodeIdentity& node = owned.node;
  for (const int id : keys.ids()) node.key_fingerprints.push_back(subscription::key_fingerprint(*keys.find(id)));
  node.signing_key = subscription::key_fingerprint(keys.signing_key());
  if (const Status registered = pg::register_node(owned.node_lock->connection(), node); !registered) {
    return registered;
  }
  log::info("store", "registered as node " + node.id + " (link keys " + std::to_string(node.key_fingerprints.size()) +
                         ", signing key id " + std::to_string(keys.signing_key().id) + ")");
  pg::NodeBeat beat{[node](pg::PgConnection& c) { return pg::beat(c, node); },
                    [id = node.id](pg::PgConnection& c) { pg::leave(c, id); }};
  owned.owner_lock = std::make_unique<pg::OwnerLockKeeper>(std::move(*owned.node_lock), std::move(beat));
  owned.node_lock.reset();
  owned.store = std::make_unique<store::GatedStore>(std::move(owned.store), owned.owner_lock->gate(),
                                                    "this daemon does not hold the database's owner lock");
  owned.calendar_gate = std::make_shared<std::atomic<bool>>(true);
  owned.store = std::make_unique<store::GatedStore>(std::move(owned.store), owned.calendar_gate,
                                                    "this node's calendar files are not the database's calendar",
                                                    store::GatedStore::WhenClosed::reachable_as_the_store_says);
  return ok_status();
}

}  // namespace deadline::daemon
