#include "store/firing_support.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "domain/change_notice_json.h"
#include "domain/revision_json.h"
#include "store/store.h"

namespace deadline::store {

const NoticeDecider* notice_rule_for(const NoticeDeciders& deciders, const FiringRecord& firing) {
  const auto decide = deciders.find(firing.revision_id);
  return decide == deciders.end() ? nullptr : &decide->second;
}

std::string missing_notice_rule(const FiringRecord& firing) {
  return "no notice rule for calendar revision #" + std::to_string(firing.revision_id) + " (firing #" +
         std::to_string(firing.id) + ")";
}

void conclude_chunk(const FiringRecord& firing, ChunkOutcome& outcome) {
  outcome.finished = outcome.endpoints_through >= firing.last_endpoint_id;
  outcome.firing_messages = firing.messages + outcome.messages;
}

Instant open_until(const ToldChange& told) {
  return told.current && told.current->status != WindowStatus::cancelled ? told.current->closes_at
                                                                        : told.previous->closes_at;
}

Instant close_told(const ToldChange& told) { return told.current ? told.current->closes_at : told.previous->closes_at; }

void attach_choices(std::vector<NoticeCandidate>& candidates, std::map<std::int64_t, EndpointFilters> filters,
                    std::map<std::int64_t, std::vector<std::string>> leads) {
  for (NoticeCandidate& c : candidates) {
    if (auto f = filters.find(c.id); f != filters.end()) c.filters = std::move(f->second);
    if (auto l = leads.find(c.id); l != leads.end()) c.leads = std::move(l->second);
  }
}

std::optional<KeyedChange> keyed_notice_change(const std::string& change_json, std::int64_t base_id,
                                               std::int64_t id) {
  WindowChange c = window_change_from_json(nlohmann::json::parse(change_json));
  if (!is_notice_worthy(c)) return std::nullopt;
  std::string key = c.window_id + "|" + std::to_string(base_id) + "|" + std::to_string(id);
  return KeyedChange{std::move(key), std::move(c)};
}

std::optional<RevisionWindow> told_before(const std::string& told_json) {
  return told_change_from_json(nlohmann::json::parse(told_json)).previous;
}

namespace {

// The change from `base` (what an endpoint was last told) to the window as released now; nullopt
// when there is nothing notice-worthy between them.
std::optional<WindowChange> net_change(const std::optional<RevisionWindow>& base, const WindowChange& latest) {
  std::vector<RevisionWindow> before, after;
  if (base) before.push_back(*base);
  if (latest.after) after.push_back(*latest.after);
  std::vector<WindowChange> net = diff_revisions(before, after);
  if (net.empty() || !is_notice_worthy(net.front())) return std::nullopt;
  return std::move(net.front());
}

}  // namespace

void decide_change(const KeyedChange& keyed, const std::vector<NoticeCandidate>& endpoints,
                   const UnsentBases& bases, const LedgerClose& ledger, const NoticeDecider& decide,
                   ToldByEndpoint& told) {
  const WindowChange& change = keyed.change;
  const WindowFacts& facts = change.either().facts;  // a removed window: as it was
  for (const NoticeCandidate& c : endpoints) {
    if (!filters_match(c.filters, facts)) continue;
    const std::optional<Instant> close = ledger(c.id);
    std::optional<ToldChange> notice;
    if (const auto base = bases.find(c.id); base != bases.end()) {
      if (const auto net = net_change(base->second, change)) notice = decide(*net, close, c.leads);
    } else {
      notice = decide(change, close, c.leads);
    }
    if (notice) told[c.id].emplace_back(keyed.key, std::move(*notice));
  }
}

KeyedNotices still_open(const KeyedNotices& all, Instant now) {
  KeyedNotices open;
  for (const auto& keyed : all) {
    if (open_until(keyed.second) > now) open.push_back(keyed);
  }
  return open;
}

Instant notices_expire(const KeyedNotices& notices, Instant now) {
  Instant expires = now;
  for (const auto& [key, notice] : notices) expires = std::max(expires, open_until(notice));
  return expires;
}

std::optional<Trigger> overdue_reminder(const ToldChange& notice, Instant now) {
  if (notice.overdue_lead.empty() || !notice.current) return std::nullopt;
  return Trigger{notice.window_id, notice.overdue_lead, now, notice.current->closes_at, {}};
}

std::int64_t endpoints_told(const ToldByEndpoint& told, Instant now) {
  std::int64_t n = 0;
  for (const auto& [endpoint, notices] : told) {
    const bool any_open = std::any_of(notices.begin(), notices.end(),
                                      [now](const auto& keyed) { return open_until(keyed.second) > now; });
    if (any_open) ++n;
  }
  return n;
}

Result<NoticeOutcome> record_change_notices_in_chunks(Store& store, std::int64_t id, const NoticeDecider& decide,
                                                      Instant now) {
  const auto started = store.start_change_notices(id, now);
  if (!started || started->firing_id == 0) return started;
  NoticeOutcome outcome = *started;
  const NoticeDeciders deciders{{id, decide}};
  for (;;) {
    const auto chunk = store.continue_firing(now, 1000, deciders);
    if (!chunk) return Result<NoticeOutcome>::failure(chunk.error());
    if (chunk->firing_id == 0) return Result<NoticeOutcome>::success(outcome);
    if (chunk->firing_id != outcome.firing_id) continue;
    outcome.messages += chunk->messages;
    outcome.superseded += chunk->superseded;
  }
}

}  // namespace deadline::store
