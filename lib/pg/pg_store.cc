#include "pg/pg_store.h"

#include "pg/node_registry.h"
#include "pg/pg_schema.h"
#include "pg/pg_store_support.h"

namespace deadline::pg {

Result<std::unique_ptr<PgStore>> PgStore::open(const std::string& uri, const ConnectSettings& settings,
                                               std::string claimant, std::chrono::seconds claim_lease) {
  using R = Result<std::unique_ptr<PgStore>>;
  auto connection = PgConnection::open(uri, settings);
  if (!connection.ok()) return R::failure(connection.error());
  if (const Status migrated = migrate_pg(connection.value()); !migrated) return R::failure(migrated.error());
  // Statistics as the tables are now, before the first claim is planned: a restart in the middle
  // of a fan-out, or endpoints loaded in bulk, leave them behind until autovacuum's next look, and
  // a claim planned for "6 active endpoints" walked all 100,000 of them (1.4-2.4 s a claim).
  // Sampling, not scanning: a few hundred milliseconds at a million rows.
  (void)connection.value().exec("ANALYZE endpoints, messages, deliveries");
  if (claimant.empty()) claimant = new_node_id();
  return R::success(std::unique_ptr<PgStore>(
      new PgStore(uri, settings, std::move(connection).value(), std::move(claimant), claim_lease)));
}

PgStore::PgStore(std::string uri, ConnectSettings settings, PgConnection connection, std::string claimant,
                 std::chrono::seconds claim_lease)
    : uri_(std::move(uri)),
      settings_(std::move(settings)),
      claimant_(std::move(claimant)),
      claim_lease_(claim_lease),
      connection_(std::move(connection)) {}

PgStore::~PgStore() = default;

PgConnection& PgStore::connection_for_call() {
  if (connection_ && connection_->alive()) return *connection_;
  connection_.reset();  // the old one is closed before the new one opens
  auto connection = PgConnection::open(uri_, settings_);
  if (!connection.ok()) throw PgError(connection.error(), "");
  connection_.emplace(std::move(connection).value());
  return *connection_;
}

bool PgStore::connection_lost() const { return !connection_ || !connection_->alive(); }

}  // namespace deadline::pg
