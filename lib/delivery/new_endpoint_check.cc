#include "delivery/new_endpoint_check.h"

#include <algorithm>

#include "delivery/endpoint_check.h"
#include "schedule/lead.h"

namespace deadline::delivery {

namespace {

bool has(const std::vector<std::string>& values, const std::string& v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

}  // namespace

NewEndpointProblem new_endpoint_problem(const store::NewEndpoint& endpoint, const Calendar& calendar) {
  if (const EndpointTargetProblem p = endpoint_target_problem(endpoint.kind, endpoint.address, endpoint.secret);
      !p.message.empty()) {
    return {p.field == EndpointTargetProblem::Field::secret ? "secret" : "address", p.message};
  }
  for (const std::string& lead : endpoint.leads) {
    if (const Result<Lead> parsed = parse_lead(lead); !parsed) return {"lead", parsed.error()};
  }
  std::vector<std::string> groups, categories;
  for (const Programme& p : calendar.programmes()) {
    if (!has(groups, p.group)) groups.push_back(p.group);
    if (!has(categories, p.category)) categories.push_back(p.category);
  }
  const EndpointFilters& f = endpoint.filters;
  for (const std::string& id : f.programmes) {
    if (!calendar.find_programme(id)) return {"programme", "no programme '" + id + "' in the calendar"};
  }
  for (const std::string& g : f.groups) {
    if (!has(groups, g)) return {"group", "'" + g + "' is not a department group of the calendar"};
  }
  for (const std::string& c : f.categories) {
    if (!has(categories, c)) return {"category", "'" + c + "' is not a category of the calendar"};
  }
  for (const std::string& r : f.roles) {
    if (!parse_role(r)) return {"role", "'" + r + "' is not one of 企业, 推荐单位, 主管部门"};
  }
  return {};
}

}  // namespace deadline::delivery
