#include "schedule/lead.h"

#include <doctest/doctest.h>

using namespace deadline;

TEST_CASE("leads are read from their written form") {
  CHECK(parse_lead("open")->kind == LeadKind::opens);
  CHECK(parse_lead("closing-day")->kind == LeadKind::closing_day);
  CHECK(parse_lead("30d").value() == Lead{"30d", LeadKind::days_before, 30});
  CHECK(parse_lead("2h").value() == Lead{"2h", LeadKind::hours_before, 2});
  for (const char* bad : {"", "d", "0d", "07d", "367d", "73h", "2m", "-1d", "1.5d", "opens"}) {
    CAPTURE(bad);
    CHECK(parse_lead(bad).error() == "unknown lead '" + std::string(bad) +
                                         "' (expected open, closing-day, Nd with N 1..366 or Nh with N 1..72)");
  }
}

TEST_CASE("the default menu is the design's") {
  std::vector<std::string> ids;
  for (const Lead& lead : default_lead_menu()) ids.push_back(lead.id);
  CHECK(ids == std::vector<std::string>{"open", "30d", "14d", "7d", "3d", "1d", "closing-day", "2h"});
}
