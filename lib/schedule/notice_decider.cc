#include "schedule/notice_decider.h"

#include <algorithm>

#include "schedule/change_notice_rule.h"

namespace deadline {

namespace {

// An endpoint's lead ids as leads of the menu; none chosen means every lead.
std::vector<Lead> chosen_leads(const std::vector<Lead>& menu, const std::vector<std::string>& ids) {
  if (ids.empty()) return menu;
  std::vector<Lead> leads;
  for (const Lead& lead : menu) {
    if (std::find(ids.begin(), ids.end(), lead.id) != ids.end()) leads.push_back(lead);
  }
  return leads;
}

}  // namespace

NoticeDecider make_notice_decider(std::shared_ptr<const Calendar> before, std::shared_ptr<const Calendar> after,
                                  const PlannerOptions& options, Instant now) {
  return [before = std::move(before), after = std::move(after), options, now](
             const WindowChange& change, const std::optional<Instant>& close_told,
             const std::vector<std::string>& leads) -> std::optional<ToldChange> {
    NoticeContext context{change};
    context.previous = before ? before->find_window(change.window_id) : nullptr;
    context.current = after ? after->find_window(change.window_id) : nullptr;
    context.send_time = options.send_time;
    context.now = now;
    return decide_change_notice(context, EndpointBase{close_told, chosen_leads(options.menu, leads)});
  };
}

}  // namespace deadline
