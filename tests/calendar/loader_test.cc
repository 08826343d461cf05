// Every loader error has a fixture (tests/calendar/fixtures/), and its exact message is compared:
// the message is the user interface of a calendar editor.

#include "calendar/loader.h"

#include <doctest/doctest.h>

#include "test_support.h"

using namespace deadline;
using deadline::test::fixture;

namespace {

std::vector<std::string> errors_of(const std::string& name) {
  const LoadOutcome outcome = load_calendar_files({fixture(name)});
  CHECK_FALSE(outcome.calendar.has_value());  // any error rejects the whole calendar
  return outcome.errors;
}

std::string at(const std::string& name, int line) { return fixture(name).string() + ":" + std::to_string(line); }

}  // namespace

TEST_CASE("the valid fixture loads with every field") {
  const LoadOutcome outcome = load_calendar_files({fixture("valid.toml")});
  REQUIRE_MESSAGE(outcome.errors.empty(), outcome.errors.front());
  const Calendar& calendar = *outcome.calendar;
  REQUIRE(calendar.programmes().size() == 1);
  const Programme& p = calendar.programmes().front();
  CHECK(p.title == "测试项目");
  CHECK(p.source.str() == at("valid.toml", 18));
  REQUIRE(p.phones.size() == 2);
  CHECK_FALSE(p.phones[0].area_code_inferred);
  CHECK(p.phones[1].number == "010-68205766");
  CHECK(p.phones[1].area_code_inferred);
  REQUIRE(calendar.policies().size() == 1);
  CHECK(calendar.policies().front().in_force_until->spec.text() == "2028");
  CHECK(calendar.revision().size() == 12);
}

TEST_CASE("each loader error names file:line and what is wrong") {
  struct Row { const char* fixture; int line; const char* message; };
  const Row rows[] = {
      {"unknown_key.toml", 31, "programme 'test-programme': unknown key 'colour'"},
      {"missing_field.toml", 18, "programme 'test-programme': missing 'contact'"},
      {"duplicate_id.toml", 18, "duplicate programme or policy id 'test-programme' (first defined at FILE:8)"},
      {"impossible_date.toml", 48, "programme 'test-programme' window 'recommend': closes: impossible date 'before 2024-02-30'"},
      {"impossible_time.toml", 48, "programme 'test-programme' window 'recommend': closes: impossible time of day '2024-10-18T24:30'"},
      {"malformed_bound.toml", 39,
       "programme 'test-programme' window 'apply': closes: malformed bound '2024年11月' (expected YYYY, YYYY-MM, "
       "YYYY-MM-DD, 'before YYYY-MM-DD' or YYYY-MM-DDTHH:MM)"},
      {"before_on_opens.toml", 38,
       "programme 'test-programme' window 'apply': opens: 'before' only makes sense for a closing bound: 'before 2024-11-01'"},
      {"closes_before_opens.toml", 39, "programme 'test-programme' window 'apply': window closes (2024-11) before it opens (2024-12)"},
      {"unknown_zone.toml", 6, "edition 'test-edition': unknown time zone 'Asia/Shangai'"},
      {"malformed_phone.toml", 26,
       "programme 'test-programme' phone: malformed phone '010-6820' (expected 0AA-NNNNNNNN with its area code)"},
      {"malformed_link.toml", 27,
       "programme 'test-programme': malformed link 'ftp://policy.example.cn/p/1' (expected an http:// or https:// URL)"},
      {"wrong_type.toml", 20, "programme 'test-programme': 'number' must be an integer"},
      {"bad_status.toml", 35,
       "programme 'test-programme' window 'apply': status must be confirmed, estimated or cancelled, not 'maybe'"},
      {"cancelled_without_source.toml", 35,
       "programme 'test-programme' window 'apply': a cancelled window names the notice that withdrew it: add source = "
       "{ title, issuer, date, url }"},
      {"bad_source.toml", 36,
       "programme 'test-programme' window 'apply' source: date must be the notice's day, YYYY-MM-DD, not '2024-11'"},
      {"bad_source_url.toml", 36,
       "programme 'test-programme' window 'apply' source: malformed url 'ftp://x' (expected an http:// or https:// URL)"},
      {"bad_role.toml", 47, "programme 'test-programme' window 'recommend': role must be 企业, 推荐单位 or 主管部门, not '企业家'"},
      {"bad_group.toml", 23, "programme 'test-programme': group must be 工业和信息化部门, 科学技术部门 or 其他部门, not '财政部门'"},
      {"missing_edition.toml", 1, "missing [edition] table"},
      {"duplicate_window.toml", 50,
       "programme 'test-programme' window 'recommend': duplicate confirmed window for cycle 2024 (first defined at FILE:42)"},
      {"syntax_error.toml", 22,
       "TOML syntax: Error while parsing string: unescaped control characters other than TAB (U+0009) are "
       "explicitly prohibited"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.fixture);
    std::string message = row.message;
    if (const auto p = message.find("FILE"); p != std::string::npos) message.replace(p, 4, fixture(row.fixture).string());
    const std::vector<std::string> errors = errors_of(row.fixture);
    REQUIRE(errors.size() == 1);
    CHECK(errors.front() == at(row.fixture, row.line) + ": " + message);
  }
}

TEST_CASE("addresses load as printed - a misprint unlinked unless a correction with its source is recorded") {
  const LoadOutcome outcome = load_calendar_files({fixture("addresses.toml")});
  REQUIRE_MESSAGE(outcome.errors.empty(), outcome.errors.front());
  const Programme& p = outcome.calendar->programmes().front();
  REQUIRE(p.addresses.size() == 7);
  CHECK(p.addresses[0].kind == AddressKind::submission_system);
  CHECK(p.addresses[0].name == "测试申报系统");
  CHECK(p.addresses[0].href() == "https://apply.example.cn/");
  CHECK(p.addresses[0].source.str() == at("addresses.toml", 33));
  CHECK(p.addresses[1].href() == "mailto:apply@example.cn");
  CHECK(p.addresses[2].kind == AddressKind::forms_page);
  CHECK(p.addresses[2].href().empty());  // a host without a scheme: shown, not completed
  CHECK(p.addresses[3].kind == AddressKind::postal_address);
  CHECK(p.addresses[3].href().empty());
  CHECK(p.addresses[4].misprint);
  CHECK(p.addresses[4].href().empty());  // 原文如此, no correction: no link
  CHECK(p.addresses[5].href() == "https://www.jszwfw.gov.cn/");
  CHECK(p.addresses[5].correction_source == "江苏政务服务网首页");
  CHECK(p.addresses[6].printed == "apply@example,cn");  // a misprint is kept whatever its shape
  CHECK(p.addresses[6].href().empty());
}

TEST_CASE("each address error names file:line and what is wrong") {
  const std::string a = "programme 'test-programme' address: ";
  CHECK(errors_of("address_errors.toml") == std::vector<std::string>{
      at("address_errors.toml", 34) + ": " + a + "kind must be submission_system, mailbox, forms_page or postal_address, not 'website'",
      at("address_errors.toml", 39) + ": " + a + "malformed submission system '江苏政务服务网' (expected a host name or an http:// or https:// URL)",
      at("address_errors.toml", 43) + ": " + a + "malformed forms page 'ftp://www.example.cn/forms' (expected a host name or an http:// or https:// URL)",
      at("address_errors.toml", 47) + ": " + a + "malformed mailbox 'apply at example.cn' (expected name@host)",
      at("address_errors.toml", 51) + ": " + a + "'printed' must not be empty",
      at("address_errors.toml", 56) + ": " + a + "'corrected' needs misprint = true: only a misprint is corrected",
      at("address_errors.toml", 56) + ": " + a + "'corrected' needs 'correction_source': where the correction comes from",
      at("address_errors.toml", 62) + ": " + a + "corrected: malformed mailbox 'apply@example' (expected name@host)",
      at("address_errors.toml", 68) + ": " + a + "'correction_source' without 'corrected'",
      at("address_errors.toml", 73) + ": " + a + "unknown key 'url'",
  });
}

TEST_CASE("an unknown top-level table is reported - and nothing else is guessed") {
  const std::vector<std::string> errors = errors_of("unknown_top_level.toml");
  REQUIRE(!errors.empty());
  CHECK(errors.front() == at("unknown_top_level.toml", 7) + ": unknown top-level key 'programmes'");
}

TEST_CASE("every error in a file is listed - not only the first") {
  CHECK(errors_of("several_errors.toml") == std::vector<std::string>{
      at("several_errors.toml", 26) + ": programme 'test-programme' phone: malformed phone '68205766' "
                                      "(expected 0AA-NNNNNNNN with its area code)",
      at("several_errors.toml", 27) + ": programme 'test-programme': malformed link 'policy.example.cn/p/1' "
                                      "(expected an http:// or https:// URL)",
      at("several_errors.toml", 48) + ": programme 'test-programme' window 'recommend': closes: impossible date "
                                      "'before 2024-11-31'",
  });
}

TEST_CASE("a missing directory or an empty one is an error - not an empty calendar") {
  const LoadOutcome missing = load_calendar_dir(fixture("no-such-dir"));
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors.front().rfind(fixture("no-such-dir").string() + ": cannot read directory: ", 0) == 0);
  const LoadOutcome empty = load_calendar_files({});
  CHECK(empty.errors == std::vector<std::string>{"no calendar files (*.toml) found"});
}

TEST_CASE("a later edition updates a programme: newest fields - windows from both") {
  const LoadOutcome outcome = load_calendar_files({fixture("valid.toml"), fixture("later_edition.toml")});
  REQUIRE_MESSAGE(outcome.errors.empty(), outcome.errors.front());
  const Calendar& calendar = *outcome.calendar;
  REQUIRE(calendar.programmes().size() == 1);
  CHECK(calendar.programmes().front().title == "测试项目（2025年）");
  CHECK(calendar.programmes().front().edition_id == "test-edition-2025");
  std::vector<std::string> ids;
  for (const Window* w : calendar.windows_of("test-programme")) ids.push_back(w->id() + " " + std::string(to_string(w->status)));
  CHECK(ids == std::vector<std::string>{
                   "test-programme/recommend/2024 confirmed", "test-programme/apply/2024 estimated",
                   "test-programme/apply/2025 confirmed", "test-programme/apply/2026 estimated",
                   "test-programme/apply/2027 estimated", "test-programme/apply/2028 estimated"});
}

TEST_CASE("two editions of the same year cannot both define one id") {
  const LoadOutcome outcome = load_calendar_files({fixture("valid.toml"), fixture("valid.toml")});
  CHECK_FALSE(outcome.calendar.has_value());
  // The edition id clashes too; the programme and policy say where they were first defined.
  CHECK(std::find(outcome.errors.begin(), outcome.errors.end(),
                  at("valid.toml", 18) + ": id 'test-programme' is also defined at " + at("valid.toml", 18) +
                      " by an edition of the same year") != outcome.errors.end());
}
