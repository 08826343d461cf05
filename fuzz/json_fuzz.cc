// JSON API bodies: parse_json_object (lib/api/json_body.h) on the input, then what the API does
// with an object (lib/api/choices_json.h): subscribe_request, filters_member, leads_member,
// against the small fixed calendar and the default lead menu.
//
// Invariants: nothing throws; parse_json_object accepts exactly the JSON objects nested at most
// kMaxJsonDepth deep (compared with nlohmann's own parse of a body without NUL bytes and a
// depth count); a refusal is a 400 invalid_json; subscribe_request's form passes
// validate_subscribe_form and holds no empty or repeated list value; filters_member's result
// reads back the same through filters_json; every ApiError is a 4xx with a code, and
// error_reply makes a JSON body of it.

#include <algorithm>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "api/choices_json.h"
#include "api/json_body.h"
#include "fuzz_support.h"
#include "web/subscribe_form.h"

using namespace deadline;
using nlohmann::json;

namespace {

// The oracle for "a member given twice": nlohmann's SAX interface, not the parser callback
// api::parse_json_object uses, so the two are found by different code.
struct RepeatedMemberFinder : nlohmann::json_sax<json> {
  std::vector<std::vector<std::string>> objects;
  bool repeated = false;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    objects.emplace_back();
    return true;
  }
  bool key(string_t& name) override {
    std::vector<std::string>& seen = objects.back();
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) repeated = true;
    seen.push_back(name);
    return true;
  }
  bool end_object() override {
    objects.pop_back();
    return true;
  }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }
};

bool repeats_a_member(std::string_view body) {
  RepeatedMemberFinder finder;
  return json::sax_parse(body, &finder, nlohmann::json::input_format_t::json, false) && finder.repeated;
}

int depth(const json& value) {
  int deepest = 0;
  if (value.is_structured()) {
    for (const json& item : value) deepest = std::max(deepest, depth(item));
    return deepest + 1;
  }
  return 0;
}

bool clean_list(const std::vector<std::string>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i].empty()) return false;
    if (std::find(values.begin() + static_cast<std::ptrdiff_t>(i) + 1, values.end(), values[i]) != values.end()) return false;
  }
  return true;
}

void check_error(const api::ApiError& error) {
  const unsigned status = static_cast<unsigned>(error.status);
  FUZZ_CHECK(status >= 400 && status < 500);
  FUZZ_CHECK(!error.code.empty());
  const http::Response reply = api::error_reply(error, {11, true, false});
  FUZZ_CHECK(reply.result() == error.status);
  FUZZ_CHECK(json::accept(reply.body()));
}

bool same(const EndpointFilters& a, const EndpointFilters& b) {
  return a.programmes == b.programmes && a.groups == b.groups && a.categories == b.categories &&
         a.authorities == b.authorities && a.roles == b.roles && a.keywords == b.keywords;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::shared_ptr<const Calendar> calendar = fuzz::fixture_calendar();
  static const std::vector<Lead> menu = default_lead_menu();
  const std::string_view body = fuzz::as_text(data, size);

  fuzz::no_throw([&] {
    const std::variant<json, api::ApiError> parsed = api::parse_json_object(body);
    // nlohmann stops at a NUL as at the end of the input: JSON text never holds one.
    const bool has_nul = body.find('\0') != std::string_view::npos;
    const json reference = has_nul ? json(json::value_t::discarded) : json::parse(body, nullptr, false);
    const bool acceptable = !reference.is_discarded() && reference.is_object() &&
                            depth(reference) <= api::kMaxJsonDepth && !repeats_a_member(body);
    if (const auto* error = std::get_if<api::ApiError>(&parsed)) {
      FUZZ_CHECK(!acceptable);
      FUZZ_CHECK(error->status == http::Status::bad_request && error->code == "invalid_json");
      check_error(*error);
      return;
    }
    FUZZ_CHECK(acceptable);
    const json& object = std::get<json>(parsed);
    FUZZ_CHECK(object == reference);

    const auto form = api::subscribe_request(object, *calendar, menu);
    if (const auto* error = std::get_if<api::ApiError>(&form)) {
      check_error(*error);
    } else {
      const web::SubscribeForm& f = std::get<web::SubscribeForm>(form);
      FUZZ_CHECK(!f.email.empty());
      FUZZ_CHECK(web::validate_subscribe_form(f, *calendar, menu).empty());
      FUZZ_CHECK(clean_list(f.programmes) && clean_list(f.groups) && clean_list(f.categories) && clean_list(f.leads));
      FUZZ_CHECK(!f.leads.empty());
      (void)web::filters_of(f);
    }

    const auto filters = api::filters_member(object, *calendar);
    if (const auto* error = std::get_if<api::ApiError>(&filters)) {
      check_error(*error);
    } else if (const auto& got = std::get<std::optional<EndpointFilters>>(filters)) {
      const json shown = api::filters_json(*got);
      (void)shown.dump();
      const auto again = api::filters_member(json{{"filters", shown}}, *calendar);
      FUZZ_CHECK(std::holds_alternative<std::optional<EndpointFilters>>(again));
      const auto& read_back = std::get<std::optional<EndpointFilters>>(again);
      FUZZ_CHECK(read_back && same(*read_back, *got));
    }

    const auto leads = api::leads_member(object, menu);
    if (const auto* error = std::get_if<api::ApiError>(&leads)) {
      check_error(*error);
    } else if (const auto& got = std::get<std::optional<std::vector<std::string>>>(leads)) {
      FUZZ_CHECK(!got->empty() && clean_list(*got));
    }
  });
  return 0;
}
