// schedule/test_window.h: a test reminder is about a window the endpoint would be reminded of.

#include "schedule/test_window.h"

#include <doctest/doctest.h>

#include "calendar/upcoming.h"
#include "test_support.h"

using namespace deadline;
using test::handbook;

namespace {

std::string category_of(const Window& w) { return handbook().find_programme(w.programme_id)->category; }

}  // namespace

TEST_CASE("a test reminder picks the soonest open window the endpoint's filters match, not the soonest of all") {
  const Instant now = test::at("2024-10-01T09:00:00+08:00");
  const Window* soonest = soonest_open_window(handbook(), now);
  REQUIRE(soonest);
  // The other category than the soonest window's: the bug sent the soonest anyway.
  const std::string other = category_of(*soonest) == "资金引导" ? "认定培育" : "资金引导";
  EndpointFilters filters;
  filters.categories = {other};
  const Window* chosen = test_window_for(handbook(), filters, now);
  REQUIRE(chosen);
  CHECK(category_of(*chosen) == other);
  CHECK(chosen->closes.at > now);
  CHECK_FALSE(chosen->cancelled());
  // Nothing the filters match closes sooner.
  for (const Window& w : handbook().windows()) {
    if (&w == chosen) break;
    CHECK((w.closes.at <= now || w.cancelled() || category_of(w) != other));
  }
  // No filters: every programme, so the soonest of all.
  CHECK(test_window_for(handbook(), {}, now) == soonest);
}

TEST_CASE("no window for a test reminder when none of the chosen programmes is open") {
  EndpointFilters filters;
  filters.programmes = {"no-such-programme"};
  CHECK(test_window_for(handbook(), filters, test::at("2024-10-01T09:00:00+08:00")) == nullptr);
  CHECK(test_window_for(handbook(), {}, test::at("2099-01-01T00:00:00+08:00")) == nullptr);  // all closed
}
