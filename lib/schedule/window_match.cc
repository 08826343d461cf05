#include "schedule/window_match.h"

#include <algorithm>

namespace deadline {

namespace {

bool any_equal(const std::vector<std::string>& values, std::string_view of) {
  return values.empty() || std::find(values.begin(), values.end(), of) != values.end();
}

bool any_within(const std::vector<std::string>& values, const std::string& text) {
  return values.empty() ||
         std::any_of(values.begin(), values.end(), [&](const std::string& v) { return text.find(v) != std::string::npos; });
}

}  // namespace

std::string authority_text(const Programme& programme) { return programme.authority + " " + programme.contact; }

std::string search_text(const Programme& programme) {
  return programme.title + " " + programme.contact + " " + programme.authority;
}

bool filters_match(const store::EndpointFilters& filters, const Programme& programme, const Window& window) {
  return any_equal(filters.programmes, programme.id) && any_equal(filters.groups, programme.group) &&
         any_equal(filters.categories, programme.category) && any_equal(filters.roles, to_chinese(window.role)) &&
         any_within(filters.authorities, authority_text(programme)) &&
         any_within(filters.keywords, search_text(programme));
}

}  // namespace deadline
