#include "pg/pg_robot_sends.h"

#include <algorithm>
#include <map>

#include "domain/send_limits.h"

namespace deadline::pg {

namespace {

const char* const kServerSecond = "extract(epoch FROM clock_timestamp())::bigint";

bool is_robot(EndpointKind kind) { return !platform_send_limits(kind).empty(); }

// Further back than any platform's window (and its second of margin).
std::int64_t longest_window() {
  std::int64_t longest = 0;
  for (const EndpointKind kind : {EndpointKind::wecom, EndpointKind::dingtalk, EndpointKind::feishu}) {
    for (const SendLimit& limit : platform_send_limits(kind)) longest = std::max<std::int64_t>(longest, limit.per.count());
  }
  return longest + 1;
}

}  // namespace

void RobotSendSlots::read(PgTransaction& tx, const PgResult& candidates, int endpoint_column, int kind_column) {
  std::map<std::int64_t, EndpointKind> fresh;
  for (int i = 0; i < candidates.rows(); ++i) {
    const auto kind = parse_endpoint_kind(candidates.text(i, kind_column));
    const std::int64_t endpoint = candidates.integer(i, endpoint_column);
    if (kind && is_robot(*kind) && free_.count(endpoint) == 0) fresh.emplace(endpoint, *kind);
  }
  if (fresh.empty()) return;
  PgArray ids;
  for (const auto& [endpoint, kind] : fresh) ids.add(endpoint);
  const PgResult sends = tx.prepared(std::string("SELECT endpoint_id, sent_at, ") + kServerSecond +
                                         " FROM endpoint_sends WHERE endpoint_id = ANY($1::bigint[]) AND sent_at > " +
                                         kServerSecond + " - $2::bigint",
                                     args(ids, longest_window()));
  std::map<std::int64_t, std::vector<std::int64_t>> sent;
  std::optional<std::int64_t> now;
  for (int i = 0; i < sends.rows(); ++i) {
    sent[sends.integer(i, 0)].push_back(sends.integer(i, 1));
    now = sends.integer(i, 2);
  }
  for (const auto& [endpoint, kind] : fresh) {
    // No recent send: every slot is free, whatever the clock says.
    free_[endpoint] = now ? free_send_slots(platform_send_limits(kind), sent[endpoint], *now)
                          : free_send_slots(platform_send_limits(kind), {}, 0);
  }
  // A robot its platform throttles has no slot until the throttle ends, on any node.
  const PgResult blocked = tx.prepared(std::string("SELECT endpoint_id FROM endpoint_blocks WHERE endpoint_id = "
                                                   "ANY($1::bigint[]) AND until > ") +
                                           kServerSecond,
                                       args(ids));
  for (int i = 0; i < blocked.rows(); ++i) free_[blocked.integer(i, 0)] = 0;
}

bool RobotSendSlots::available(std::int64_t endpoint, EndpointKind kind) const {
  if (!is_robot(kind)) return true;
  const auto found = free_.find(endpoint);
  return found != free_.end() && found->second > 0;
}

void RobotSendSlots::take(std::int64_t endpoint, EndpointKind kind) {
  if (is_robot(kind)) --free_[endpoint];
}

void record_robot_sends(PgTransaction& tx, const std::vector<store::OutboundMessage>& claimed) {
  PgArray endpoints, messages;
  for (const store::OutboundMessage& m : claimed) {
    if (!is_robot(m.kind)) continue;
    endpoints.add(m.endpoint_id);
    messages.add(m.id);
  }
  if (endpoints.empty()) return;
  tx.prepared(std::string("INSERT INTO endpoint_sends (endpoint_id, message_id, sent_at) SELECT e, m, ") +
                  kServerSecond + " FROM unnest($1::bigint[], $2::text[]) AS t(e, m)",
              args(endpoints, messages));
  tx.prepared(std::string("DELETE FROM endpoint_sends WHERE sent_at < ") + kServerSecond + " - $1::bigint",
              args(longest_window()));
}

void finish_robot_sends(PgTransaction& tx, const std::vector<store::AttemptResult>& results) {
  PgArray messages, blocked, seconds;
  for (const store::AttemptResult& r : results) {
    messages.add(r.message_id);
    if (!r.endpoint_blocked_for) continue;
    blocked.add(r.endpoint_id);
    seconds.add(static_cast<std::int64_t>(r.endpoint_blocked_for->count()));
  }
  if (messages.empty()) return;
  tx.prepared(std::string("UPDATE endpoint_sends SET sent_at = ") + kServerSecond +
                  " WHERE message_id = ANY($1::text[])",
              args(messages));
  if (blocked.empty()) return;
  // A shorter throttle than one in force changes nothing; ended ones go (they stop nobody).
  tx.prepared(std::string("DELETE FROM endpoint_blocks WHERE until <= ") + kServerSecond);
  tx.prepared(std::string("INSERT INTO endpoint_blocks (endpoint_id, until) SELECT e, max(") + kServerSecond +
                  " + s) FROM unnest($1::bigint[], $2::bigint[]) AS t(e, s) GROUP BY e "
                  "ON CONFLICT (endpoint_id) DO UPDATE SET until = greatest(endpoint_blocks.until, excluded.until)",
              args(blocked, seconds));
}

}  // namespace deadline::pg
