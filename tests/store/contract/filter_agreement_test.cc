// The filter rule has two homes: the store's fan-out (SQL in the SQLite backend) and
// domain/window_facts.h filters_match (C++, for personal calendar feeds). This table test holds
// them to the same answer for every combination of filter kinds — none, one value, several
// values within a kind, a value that matches nothing, two kinds together, all six — over every
// window of the bundled calendar.

#include <algorithm>
#include <array>
#include <set>

#include "schedule/window_match.h"
#include "store/contract/contract.h"

using namespace deadline;
using namespace deadline::store;

namespace {

using Field = std::vector<std::string> EndpointFilters::*;

struct Kind {
  const char* name;
  Field field;
  std::string WindowFacts::*fact;
};

const Kind kKinds[] = {
    {"programmes", &EndpointFilters::programmes, &WindowFacts::programme_id},
    {"groups", &EndpointFilters::groups, &WindowFacts::group},
    {"categories", &EndpointFilters::categories, &WindowFacts::category},
    {"authorities", &EndpointFilters::authorities, &WindowFacts::authority_text},
    {"roles", &EndpointFilters::roles, &WindowFacts::role},
    {"keywords", &EndpointFilters::keywords, &WindowFacts::search_text},
};

// What a filter of each kind may hold: a value one window has, another value another window has,
// and one no window has. Authorities and keywords are substrings: a programme's authority, a
// programme's title.
struct Values {
  std::string one, another, nothing;
};

Values values_for(const Kind& kind, const Calendar& calendar) {
  std::vector<std::string> seen;
  for (const Window& w : calendar.windows()) {
    const Programme& p = *calendar.find_programme(w.programme_id);
    std::string value = window_facts(p, w).*kind.fact;
    if (kind.field == &EndpointFilters::authorities) value = p.authority;
    if (kind.field == &EndpointFilters::keywords) value = p.title;
    if (std::find(seen.begin(), seen.end(), value) == seen.end()) seen.push_back(value);
  }
  REQUIRE_MESSAGE(seen.size() >= 2, kind.name);
  return {seen.front(), seen.back(), "不在任何项目里的值"};
}

struct Case {
  std::string label;
  EndpointFilters filters;
};

// Every kind alone with each choice of values, every pair of kinds, and all six at once.
std::vector<Case> cases(const Calendar& calendar) {
  std::vector<std::vector<std::vector<std::string>>> choices;  // per kind: the value lists tried
  for (const Kind& kind : kKinds) {
    const Values v = values_for(kind, calendar);
    choices.push_back({{v.one}, {v.another}, {v.one, v.another}, {v.nothing}, {v.nothing, v.another}});
  }
  std::vector<Case> out{{"no filters", {}}};
  const std::size_t kinds = std::size(kKinds);
  for (std::size_t a = 0; a < kinds; ++a) {
    for (std::size_t i = 0; i < choices[a].size(); ++i) {
      Case c{std::string(kKinds[a].name) + "#" + std::to_string(i), {}};
      c.filters.*kKinds[a].field = choices[a][i];
      out.push_back(c);
    }
    for (std::size_t b = a + 1; b < kinds; ++b) {
      for (const std::size_t i : std::array<std::size_t, 3>{0, 2, 3}) {    // one, several, nothing
        for (const std::size_t j : std::array<std::size_t, 3>{0, 1, 2}) {  // one, another, several
          Case c{std::string(kKinds[a].name) + "#" + std::to_string(i) + " & " + kKinds[b].name + "#" +
                     std::to_string(j),
                 {}};
          c.filters.*kKinds[a].field = choices[a][i];
          c.filters.*kKinds[b].field = choices[b][j];
          out.push_back(c);
        }
      }
    }
  }
  for (const std::size_t i : std::array<std::size_t, 2>{0, 2}) {
    Case c{"all six #" + std::to_string(i), {}};
    for (std::size_t k = 0; k < kinds; ++k) c.filters.*kKinds[k].field = choices[k][i];
    out.push_back(c);
  }
  return out;
}

}  // namespace

STORE_CONTRACT("the fan-out's matching agrees with filters_match on every filter combination and window") {
  test::ContractFixture<Backend> f;
  const Calendar& calendar = test::handbook();
  const std::vector<Case> table = cases(calendar);
  std::map<std::int64_t, const Case*> case_of;
  for (const Case& c : table) {
    const auto subscriber = f.subscriber("s" + std::to_string(case_of.size()) + "@example.cn");
    case_of[f.endpoint(subscriber, EndpointKind::webhook, c.filters)] = &c;
  }
  std::vector<Trigger> triggers;
  std::map<std::string, WindowFacts> facts_of;
  for (const Window& w : calendar.windows()) {
    const WindowFacts facts = window_facts(*calendar.find_programme(w.programme_id), w);
    triggers.push_back({w.id(), "7d", f.now, f.now + date::days{30}, facts});  // open, whatever the date
    facts_of[w.id()] = facts;
  }
  REQUIRE(triggers.size() >= 50);
  f.fire(triggers);

  std::set<std::pair<std::int64_t, std::string>> matched_by_store;
  for (const OutboundMessage& m : f.claim({EndpointKind::webhook}, 100000, 1)) {
    for (const DeliveryItem& item : m.items) matched_by_store.insert({m.endpoint_id, item.window_id});
  }
  std::size_t matches = 0, checked = 0;
  for (const auto& [endpoint, c] : case_of) {
    for (const auto& [window, facts] : facts_of) {
      const bool expected = filters_match(c->filters, facts);
      const bool actual = matched_by_store.count({endpoint, window}) > 0;
      CAPTURE(c->label);
      CAPTURE(window);
      CHECK(actual == expected);
      matches += expected ? 1 : 0;
      ++checked;
    }
  }
  MESSAGE(checked << " (filters, window) pairs, " << matches << " matches");
  // The table is only worth something if both answers occur often.
  CHECK(matches > checked / 20);
  CHECK(matches < checked - checked / 20);
}
