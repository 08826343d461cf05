#include "deadlined/message_wakeup.h"

#include <boost/asio/post.hpp>

#include "store/database_location.h"
#include "store/open_store.h"

namespace deadline::daemon {

std::unique_ptr<pg::PgListener> listen_for_new_messages(const Config& config, boost::asio::io_context& io,
                                                        std::function<void()> wake) {
  const auto where = store::parse_database_location(config.database.string(), "database");
  if (!where || where->kind != store::DatabaseLocation::Kind::postgresql) return nullptr;
  // The store's own connection settings (owned_store.cc): the same application_name in
  // pg_stat_activity, the same password file.
  pg::ConnectSettings connect;
  connect.application_name = store::StoreSettings{}.application_name;
  connect.passfile = database_passfile(config.database_credentials_file).string();
  // The listener's thread only posts: the dispatcher is the io_context's.
  return std::make_unique<pg::PgListener>(where->uri, connect,
                                          [&io, wake = std::move(wake)] { boost::asio::post(io, wake); });
}

}  // namespace deadline::daemon
