// docs/webhooks.md gives integrators a worked example to test their verifier against: headers,
// secrets and the exact body bytes. This holds the example to the code: the body is what
// webhook_event_body writes for those reminders, the signatures what sign_webhook computes, and
// the pretty-printed copy the same JSON. A change to the event's fields fails here until the
// example is brought up to date. The same holds for the `deadline.change` example, and every
// example (and events of every change kind) must satisfy docs/webhook-event.schema.json, which
// must declare every field the code writes.

#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <regex>
#include <vector>
#include <sstream>

#include "delivery/webhook_event.h"
#include "delivery/webhook_signature.h"
#include "render/change_test_support.h"
#include "test_support.h"
#include "time/iso8601.h"

using namespace deadline;

namespace {

std::string read_docs_file(const char* name) {
  std::ifstream in(std::string(DEADLINED_TEST_DIR) + "/../docs/" + name, std::ios::binary);
  REQUIRE_MESSAGE(in, name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string read_doc() { return read_docs_file("webhooks.md"); }

const nlohmann::json& event_schema() {
  static const nlohmann::json schema = nlohmann::json::parse(read_docs_file("webhook-event.schema.json"));
  return schema;
}

// `value` against `schema`: the JSON Schema 2020-12 keywords docs/webhook-event.schema.json uses
// (any other keyword is an error, so the schema cannot rely on one this does not check), and
// strictly: a key of an object whose schema says "type": "object" must be one of its
// "properties" (receivers ignore unknown fields; the schema must still name every field we write).
void schema_errors(const nlohmann::json& schema, const nlohmann::json& value, const std::string& path,
                   std::vector<std::string>& errors) {
  using nlohmann::json;
  static const std::vector<std::string> known = {"$schema", "title", "description", "type", "required", "properties",
                                                 "allOf", "$defs", "$ref", "enum", "const", "pattern", "items",
                                                 "minItems", "maxItems", "oneOf", "if", "then"};
  for (auto it = schema.begin(); it != schema.end(); ++it) {
    if (std::find(known.begin(), known.end(), it.key()) == known.end()) errors.push_back(path + ": keyword " + it.key() + " not checked");
  }
  const auto fail = [&](const std::string& what) { errors.push_back(path + ": " + what); };
  if (schema.contains("$ref")) {
    const std::string ref = schema["$ref"];
    REQUIRE_MESSAGE(ref.starts_with("#/$defs/"), ref);
    const json& defs = event_schema()["$defs"];
    const std::string name = ref.substr(8);
    REQUIRE_MESSAGE(defs.contains(name), ref);
    schema_errors(defs[name], value, path, errors);
  }
  if (schema.contains("type")) {
    const auto is = [&](const std::string& type) {
      if (type == "object") return value.is_object();
      if (type == "array") return value.is_array();
      if (type == "string") return value.is_string();
      if (type == "integer") return value.is_number_integer();
      if (type == "number") return value.is_number();
      if (type == "boolean") return value.is_boolean();
      if (type == "null") return value.is_null();
      FAIL("unknown type " << type);
      return false;
    };
    const json types = schema["type"].is_array() ? schema["type"] : json::array({schema["type"]});
    if (std::none_of(types.begin(), types.end(), [&](const json& t) { return is(t.get<std::string>()); })) {
      fail("not of type " + schema["type"].dump() + ": " + value.dump());
      return;
    }
  }
  if (schema.contains("enum") && std::find(schema["enum"].begin(), schema["enum"].end(), value) == schema["enum"].end()) {
    fail(value.dump() + " not one of " + schema["enum"].dump());
  }
  if (schema.contains("const") && value != schema["const"]) fail(value.dump() + " is not " + schema["const"].dump());
  if (schema.contains("pattern") && value.is_string() &&
      !std::regex_search(value.get<std::string>(), std::regex(schema["pattern"].get<std::string>()))) {
    fail(value.dump() + " does not match " + schema["pattern"].get<std::string>());
  }
  if (value.is_object()) {
    if (schema.contains("required")) {
      for (const json& name : schema["required"]) {
        if (!value.contains(name.get<std::string>())) fail("missing " + name.get<std::string>());
      }
    }
    const json properties = schema.value("properties", json::object());
    for (const auto& [key, item] : value.items()) {
      if (properties.contains(key)) {
        schema_errors(properties[key], item, path + "." + key, errors);
      } else if (schema.value("type", json()) == "object") {
        fail("field " + key + " is not in the schema");
      }
    }
  }
  if (value.is_array()) {
    if (schema.contains("minItems") && value.size() < schema["minItems"].get<std::size_t>()) fail("too few items");
    if (schema.contains("maxItems") && value.size() > schema["maxItems"].get<std::size_t>()) fail("too many items");
    if (schema.contains("items")) {
      for (std::size_t i = 0; i < value.size(); ++i) schema_errors(schema["items"], value[i], path + "[" + std::to_string(i) + "]", errors);
    }
  }
  for (const json& sub : schema.value("allOf", json::array())) schema_errors(sub, value, path, errors);
  if (schema.contains("oneOf")) {
    int matching = 0;
    for (const json& sub : schema["oneOf"]) {
      std::vector<std::string> branch;
      schema_errors(sub, value, path, branch);
      if (branch.empty()) ++matching;
    }
    if (matching != 1) fail(std::to_string(matching) + " of oneOf match " + value.dump().substr(0, 200));
  }
  if (schema.contains("if")) {
    std::vector<std::string> condition;
    schema_errors(schema["if"], value, path, condition);
    if (condition.empty() && schema.contains("then")) schema_errors(schema["then"], value, path, errors);
  }
}

std::vector<std::string> event_schema_errors(const nlohmann::json& event) {
  std::vector<std::string> errors;
  schema_errors(event_schema(), event, "$", errors);
  return errors;
}

// The contents of the first fenced block after `marker`, without its fences and final newline.
std::string block_after(const std::string& doc, const std::string& marker) {
  const std::size_t at = doc.find(marker);
  REQUIRE_MESSAGE(at != std::string::npos, marker);
  const std::size_t fence = doc.find("```", at);
  const std::size_t start = doc.find('\n', fence) + 1;
  const std::size_t end = doc.find("\n```", start);
  REQUIRE(end != std::string::npos);
  return doc.substr(start, end - start);
}

std::string header_value(const std::string& headers, const std::string& name) {
  const std::size_t at = headers.find(name + ": ");
  REQUIRE_MESSAGE(at != std::string::npos, name);
  const std::size_t start = at + name.size() + 2;
  return headers.substr(start, headers.find('\n', start) - start);
}

}  // namespace

TEST_CASE("docs/webhooks.md's example is the body and signatures the code produces") {
  const std::string doc = read_doc();
  const std::string headers = block_after(doc, "the headers are");
  const std::string documented_body = block_after(doc, "the body these exact bytes");
  const std::string pretty = block_after(doc, "Pretty-printed, the body above is");

  std::vector<std::string> secrets;
  const std::regex secret_pattern("`(whsec_[A-Za-z0-9+/=]+)`");
  for (std::sregex_iterator it(doc.begin(), doc.end(), secret_pattern), end; it != end; ++it) {
    secrets.push_back((*it)[1]);
  }
  REQUIRE(secrets.size() >= 2);
  secrets.resize(2);  // (current) and (previous), as the text gives them

  const Calendar& calendar = test::handbook();
  std::vector<WebhookReminder> reminders;
  for (const auto& [id, lead] : {std::pair{"jiangsu-specialised-sme-2024-batch2/apply/2024", "1d"},
                                 std::pair{"postdoctoral-research-workstation/apply/2024", "14d"}}) {
    const Window* window = calendar.find_window(id);
    REQUIRE_MESSAGE(window, id);
    reminders.push_back({calendar.find_programme(window->programme_id), window, lead});
  }
  const std::string id = header_value(headers, "webhook-id");
  const Result<std::string> body =
      webhook_event_body(id, *parse_iso8601("2024-10-17T01:00:00Z"), reminders);
  REQUIRE(body.ok());
  CHECK(*body == documented_body);
  CHECK(doc.find("(" + std::to_string(body->size()) + " bytes") != std::string::npos);
  CHECK(nlohmann::json::parse(pretty) == nlohmann::json::parse(*body));

  CHECK(event_schema_errors(nlohmann::json::parse(*body)) == std::vector<std::string>{});

  const std::string timestamp = header_value(headers, "webhook-timestamp");
  const Instant signed_at{std::chrono::seconds{std::stoll(timestamp)}};
  const Result<WebhookSignatureHeaders> signature = sign_webhook(secrets, id, signed_at, *body);
  REQUIRE(signature.ok());
  CHECK(signature->signature == header_value(headers, "webhook-signature"));
}

TEST_CASE("docs/webhooks.md's deadline.change example is the body the code produces") {
  const std::string doc = read_doc();
  const std::string documented_body = block_after(doc, "the `deadline.change` body, these exact bytes");
  const std::string pretty = block_after(doc, "Pretty-printed, the change event above is");
  const nlohmann::json documented = nlohmann::json::parse(documented_body);
  const std::string id = documented.at("id");
  const Result<std::string> body =
      webhook_event_body(id, *parse_iso8601("2024-11-27T01:00:00Z"), {}, {test::moved_earlier_change()});
  REQUIRE(body.ok());
  CHECK(*body == documented_body);
  CHECK(doc.find("(" + std::to_string(body->size()) + " bytes") != std::string::npos);
  CHECK(nlohmann::json::parse(pretty) == nlohmann::json::parse(*body));
  CHECK(event_schema_errors(nlohmann::json::parse(*body)) == std::vector<std::string>{});
}

TEST_CASE("docs/webhook-event.schema.json: events of every change kind satisfy it, broken ones do not") {
  const Instant now = test::change_told_at();
  std::vector<ToldChange> every = test::fixture_pair_changes();  // added, cancelled, moved, confirmed, removed, dropped
  every.push_back(test::moved_earlier_change());
  ToldChange reopened = test::fixture_pair_change("p-move/apply/2024");
  reopened.reopened = true;
  every.push_back(reopened);
  const Window* review = test::handbook().find_window("jiangsu-proof-of-concept-centres-batch2/review/2024");
  REQUIRE(review);
  const std::vector<WebhookReminder> reminders{{test::handbook().find_programme(review->programme_id), review, "7d"}};
  for (const auto& event : {*webhook_event_json("m1", now, {}, every), *webhook_event_json("m1", now, reminders, every),
                            *webhook_event_json("m1", now, reminders)}) {
    CHECK(event_schema_errors(event) == std::vector<std::string>{});
  }

  nlohmann::json broken = *webhook_event_json("m1", now, {}, {test::moved_earlier_change()});
  broken["changes"][0]["current"].erase("closes_at");
  CHECK(event_schema_errors(broken) == std::vector<std::string>{"$.changes[0].current: 0 of oneOf match " +
                                                                broken["changes"][0]["current"].dump().substr(0, 200)});
  nlohmann::json extra = *webhook_event_json("m1", now, {}, {test::moved_earlier_change()});
  extra["changes"][0]["undocumented"] = 1;
  CHECK(event_schema_errors(extra) == std::vector<std::string>{"$.changes[0]: field undocumented is not in the schema"});
  nlohmann::json mixed = *webhook_event_json("m1", now, reminders, {test::moved_earlier_change()});
  mixed["type"] = "deadline.change";
  CHECK(event_schema_errors(mixed) == std::vector<std::string>{"$.reminders: too many items"});
}
