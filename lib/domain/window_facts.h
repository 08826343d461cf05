#pragma once
// What endpoints' filters are matched against: the facts of one window, taken from its
// programme. The fan-out matches them in the store (SQL, store/sqlite_store.cc kMatchSql), the
// personal calendar feed here (filters_match); tests/store/contract/filter_agreement_test.cc
// holds the two to the same answers.

#include <string>

#include "domain/endpoint.h"

namespace deadline {

struct WindowFacts {
  std::string programme_id;
  std::string group;
  std::string category;
  std::string authority_text;             // authority and contact, for substring filters
  std::string role;                       // 企业 / 推荐单位 / 主管部门
  std::string search_text;                // title, contact and authority: for keywords

  bool operator==(const WindowFacts&) const = default;
};

// Within one field any value matches (OR); across fields all must (AND); an empty field does not
// filter. Programme, group, category and role match exactly; authority and keyword as substrings.
bool filters_match(const EndpointFilters& filters, const WindowFacts& window);

}  // namespace deadline
