// The operator's lead menu as subscribers read it.

#include "web/lead_labels.h"

#include <doctest/doctest.h>

using namespace deadline;

TEST_CASE("web lead labels: the default menu in Chinese") {
  std::vector<std::string> labels;
  for (const Lead& lead : default_lead_menu()) labels.push_back(web::lead_label(lead));
  CHECK(labels == std::vector<std::string>{"开始申报时", "截止前30天", "截止前14天", "截止前7天", "截止前3天",
                                           "截止前1天", "截止当天", "截止前2小时"});
}

TEST_CASE("web lead labels: any amount the menu may hold") {
  CHECK(web::lead_label(parse_lead("366d").value()) == "截止前366天");
  CHECK(web::lead_label(parse_lead("72h").value()) == "截止前72小时");
}
