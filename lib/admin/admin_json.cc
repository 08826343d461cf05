#include "admin/admin_json.h"

#include "delivery/outbound_url.h"
#include "domain/revision_json.h"
#include "time/iso8601.h"

namespace deadline::admin {

using nlohmann::json;

json subscriber_json(const store::SubscriberRecord& s) {
  return {{"id", s.id},
          {"email", s.email ? json(*s.email) : json(nullptr)},
          {"state", to_string(s.state)},
          {"token_generation", s.token_generation},
          {"created_at", format_utc(s.created_at)}};
}

json endpoint_json(const store::EndpointRecord& e) {
  const EndpointFilters& f = e.filters;
  return {{"id", e.id},
          {"subscriber_id", e.subscriber_id},
          {"kind", std::string(to_string(e.kind))},
          {"address", e.kind == EndpointKind::email ? e.address : delivery::redact_url(e.address)},
          {"state", to_string(e.state)},
          {"state_reason", e.state_reason.empty() ? json(nullptr) : json(e.state_reason)},
          {"filters",
           {{"programmes", f.programmes},
            {"groups", f.groups},
            {"categories", f.categories},
            {"authorities", f.authorities},
            {"roles", f.roles},
            {"keywords", f.keywords}}},
          {"leads", e.leads},
          {"created_at", format_utc(e.created_at)}};
}

json message_json(const store::MessageRecord& m) {
  return {{"id", m.id},
          {"endpoint_id", m.endpoint_id},
          {"state", to_string(m.state)},
          {"attempts", m.attempts},
          {"due", format_utc(m.due)},
          {"next_attempt", format_utc(m.next_attempt)},
          {"updated", format_utc(m.updated)},
          {"last_error", m.last_error.empty() ? json(nullptr) : json(m.last_error)}};
}

json revision_json(const store::RevisionRecord& r) {
  json changes = json::array();
  for (const WindowChange& c : r.changes) changes.push_back(window_change_json(c));
  return {{"id", r.id},
          {"calendar_revision", r.calendar_revision},
          {"recorded_at", format_utc(r.recorded_at)},
          {"cause", std::string(to_string(r.cause))},
          {"reason", r.reason.empty() ? json(nullptr) : json(r.reason)},
          {"baseline", r.baseline},
          {"state", std::string(to_string(r.state))},
          {"base_revision_id", r.base_id == 0 ? json(nullptr) : json(r.base_id)},
          {"release_at", r.release_at ? json(format_utc(*r.release_at)) : json(nullptr)},
          {"released_at", r.released_at ? json(format_utc(*r.released_at)) : json(nullptr)},
          {"closed_reason", r.closed_reason.empty() ? json(nullptr) : json(r.closed_reason)},
          {"changes", changes}};
}

}  // namespace deadline::admin
