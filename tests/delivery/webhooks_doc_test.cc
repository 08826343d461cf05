// docs/webhooks.md gives integrators a worked example to test their verifier against: headers,
// secrets and the exact body bytes. This holds the example to the code: the body is what
// webhook_event_body writes for those reminders, the signatures what sign_webhook computes, and
// the pretty-printed copy the same JSON. A change to the event's fields fails here until the
// example is brought up to date.

#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "delivery/webhook_event.h"
#include "delivery/webhook_signature.h"
#include "test_support.h"
#include "time/iso8601.h"

using namespace deadline;

namespace {

std::string read_doc() {
  std::ifstream in(std::string(DEADLINED_TEST_DIR) + "/../docs/webhooks.md", std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
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

  const std::string timestamp = header_value(headers, "webhook-timestamp");
  const Instant signed_at{std::chrono::seconds{std::stoll(timestamp)}};
  const Result<WebhookSignatureHeaders> signature = sign_webhook(secrets, id, signed_at, *body);
  REQUIRE(signature.ok());
  CHECK(signature->signature == header_value(headers, "webhook-signature"));
}
