#pragma once
// deadlinectl's maintenance verbs on the database file (--db), until the admin API exists:
// subscribers and endpoints, and a look at the outbox. They run beside a running daemon (SQLite
// WAL): the daemon reads subscriptions inside each fan-out, so a change is seen at the next one.
// Exit status as the calendar commands: 0 done, 1 refused or not found, 2 usage.

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "store/records.h"

namespace deadline::ctl {

struct StoreSource {
  std::filesystem::path database;
  std::filesystem::path calendars;   // programme ids in filters are checked against it
};

struct NewEndpointArgs {
  std::int64_t subscriber_id = 0;
  std::string kind;
  std::string address;
  std::string secret;
  EndpointFilters filters;
  std::vector<std::string> leads;
};

int subscribers_add(const StoreSource& source, const std::string& email, bool pending, std::ostream& out,
                    std::ostream& err);
int subscribers_list(const StoreSource& source, std::ostream& out, std::ostream& err);
int subscribers_show(const StoreSource& source, std::int64_t id, std::ostream& out, std::ostream& err);
int subscribers_unsubscribe(const StoreSource& source, std::int64_t id, std::ostream& out, std::ostream& err);
int subscribers_remove(const StoreSource& source, std::int64_t id, std::ostream& out, std::ostream& err);

int endpoints_add(const StoreSource& source, const NewEndpointArgs& args, std::ostream& out, std::ostream& err);
int endpoints_list(const StoreSource& source, std::optional<std::int64_t> subscriber_id, std::ostream& out,
                   std::ostream& err);
int endpoints_show(const StoreSource& source, std::int64_t id, std::ostream& out, std::ostream& err);
int endpoints_remove(const StoreSource& source, std::int64_t id, std::ostream& out, std::ostream& err);
int endpoints_rotate_secret(const StoreSource& source, std::int64_t id, std::ostream& out, std::ostream& err);
int endpoints_finish_rotation(const StoreSource& source, std::int64_t id, std::ostream& out, std::ostream& err);

// The newest messages in a state (dead, retry, ...): id, endpoint, attempts, last error.
int messages_list(const StoreSource& source, const std::string& state, int limit, std::ostream& out,
                  std::ostream& err);

// Message counts by state and trigger counts by outcome.
int outbox_summary(const StoreSource& source, std::ostream& out, std::ostream& err);

}  // namespace deadline::ctl
