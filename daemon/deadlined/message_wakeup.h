#pragma once
// On PostgreSQL, other daemons on the same database create messages this one may send (issue
// 24): a listener on the store's database (pg/pg_listener.h) wakes this daemon's dispatcher when
// they commit, instead of leaving them to its next poll. Polling stays as it is: the listener is
// a cue, and while it is not connected nothing is lost, only later.

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>

#include "config/config.h"
#include "pg/pg_listener.h"

namespace deadline::daemon {

// A listener whose notifications post `wake` to `io`; nullptr when the database is a SQLite
// file (this process is then the only writer of its outbox and wakes its dispatcher itself).
// Connects on its own thread: never blocks the caller, and a server that cannot be reached now
// is retried (logged).
std::unique_ptr<pg::PgListener> listen_for_new_messages(const Config& config, boost::asio::io_context& io,
                                                        std::function<void()> wake);

}  // namespace deadline::daemon
