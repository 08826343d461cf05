#include "domain/window_facts.h"

#include <algorithm>

namespace deadline {

namespace {

bool any_equal(const std::vector<std::string>& values, const std::string& of) {
  return values.empty() || std::find(values.begin(), values.end(), of) != values.end();
}

bool any_within(const std::vector<std::string>& values, const std::string& text) {
  return values.empty() ||
         std::any_of(values.begin(), values.end(), [&](const std::string& v) { return text.find(v) != std::string::npos; });
}

}  // namespace

bool filters_match(const EndpointFilters& filters, const WindowFacts& window) {
  return any_equal(filters.programmes, window.programme_id) && any_equal(filters.groups, window.group) &&
         any_equal(filters.categories, window.category) && any_equal(filters.roles, window.role) &&
         any_within(filters.authorities, window.authority_text) && any_within(filters.keywords, window.search_text);
}

}  // namespace deadline
