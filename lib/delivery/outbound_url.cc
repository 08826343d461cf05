#include "delivery/outbound_url.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <curl/curl.h>

#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "base/text.h"
#include "delivery/address_policy.h"

namespace deadline::delivery {

namespace {

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlStringDeleter {
  void operator()(char* text) const { curl_free(text); }
};
using CurlString = std::unique_ptr<char, CurlStringDeleter>;

// The part, or nullopt-like empty pointer when the URL has none (or libcurl ran out of memory).
CurlString get_part(CURLU* url, CURLUPart part, unsigned flags, CURLUcode* rc) {
  char* text = nullptr;
  *rc = curl_url_get(url, part, &text, flags);
  return CurlString(*rc == CURLUE_OK ? text : nullptr);
}

bool has_part(CURLU* url, CURLUPart part) {
  CURLUcode rc = CURLUE_OK;
  return get_part(url, part, 0, &rc) != nullptr;
}

// Whitespace or a control character: never quoted back, only named.
std::string bad_character_problem(std::string_view url) {
  for (const char c : url) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == ' ') return "the URL contains a space";
    if (byte < 0x20 || byte == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(byte));
      return std::string("the URL contains a control character (") + hex + ")";
    }
  }
  return {};
}

// libcurl reads "https:/x" and "https:///x" as host x; deadlined wants the plain form.
bool has_authority(std::string_view url) {
  const auto colon = url.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view rest = url.substr(colon + 1);
  if (rest.size() < 3 || rest.substr(0, 2) != "//") return false;
  const char first = rest[2];
  return first != '/' && first != '\\' && first != '?' && first != '#';
}


bool is_numeric_host(std::string_view host) {
  const std::string text(without_brackets(host));
  in_addr in4{};
  in6_addr in6{};
  return inet_pton(AF_INET, text.c_str(), &in4) == 1 || inet_pton(AF_INET6, text.c_str(), &in6) == 1;
}

}  // namespace

std::string OutboundUrl::redacted() const { return scheme + "://" + host; }

OutboundUrlCheck inspect_outbound_url(std::string_view url, const std::vector<std::string>& allow_list) {
  OutboundUrlCheck check;
  const auto refuse = [&check](TargetRefusal reason, std::string detail) {
    check.refusal = reason;
    check.result = Result<OutboundUrl>::failure(std::move(detail));
    return check;
  };
  using T = TargetRefusal;
  if (url.empty()) return refuse(T::url_empty, "the URL is empty");
  if (url.size() > kMaxOutboundUrlBytes) {
    return refuse(T::url_too_long, "the URL is " + std::to_string(url.size()) + " bytes long: at most " +
                                       std::to_string(kMaxOutboundUrlBytes) + " are allowed");
  }
  if (std::string problem = bad_character_problem(url); !problem.empty()) {
    const TargetRefusal reason = problem.ends_with("space") ? T::url_has_space : T::url_has_control;
    return refuse(reason, std::move(problem));
  }

  const std::unique_ptr<CURLU, UrlDeleter> handle(curl_url());
  if (!handle) return refuse(T::url_not_valid, "out of memory while reading the URL");
  const std::string text(url);
  if (const CURLUcode rc = curl_url_set(handle.get(), CURLUPART_URL, text.c_str(), 0); rc != CURLUE_OK) {
    if (rc == CURLUE_NO_HOST) return refuse(T::url_no_host, "the URL has no host");
    if (rc == CURLUE_BAD_SCHEME) return refuse(T::url_not_web, "the URL does not start with https://");
    return refuse(T::url_not_valid, std::string("the URL is not valid: ") + curl_url_strerror(rc));
  }

  OutboundUrl out;
  CURLUcode rc = CURLUE_OK;
  const CurlString scheme = get_part(handle.get(), CURLUPART_SCHEME, 0, &rc);
  if (!scheme) return refuse(T::url_not_web, "the URL has no scheme");
  out.scheme = scheme.get();
  if (out.scheme != "https" && out.scheme != "http") {
    return refuse(T::url_not_web, "the URL's scheme is " + out.scheme + ": only https is allowed");
  }
  if (!has_authority(url)) {
    return refuse(T::url_no_slashes, "the URL must have // and then the host after " + out.scheme + ":");
  }

  const CurlString host = get_part(handle.get(), CURLUPART_HOST, 0, &rc);
  if (!host || host.get()[0] == '\0' || without_brackets(host.get()).empty()) {
    return refuse(T::url_no_host, "the URL has no host");
  }
  out.host = host.get();
  check.host = std::string(without_brackets(out.host));
  out.allow_listed = host_on_allow_list(out.host, allow_list);

  if (has_part(handle.get(), CURLUPART_USER) || has_part(handle.get(), CURLUPART_PASSWORD) ||
      has_part(handle.get(), CURLUPART_OPTIONS)) {
    return refuse(T::url_user_info,
                  "the URL has a user name or password before the host (user:pass@): that is not allowed");
  }
  if (has_part(handle.get(), CURLUPART_ZONEID)) {
    return refuse(T::url_zone_id, "the URL's host has an IPv6 zone id: that is not allowed");
  }

  if (out.scheme == "http" && !out.allow_listed) {
    return refuse(T::url_http,
                  "the URL's scheme is http: only https is allowed (http only for a host on the allow-list)");
  }

  const CurlString port = get_part(handle.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT, &rc);
  if (!port) return refuse(T::url_bad_port, "the URL has no port and its scheme has no default");
  unsigned long number = 0;
  for (const char* p = port.get(); *p != '\0'; ++p) {
    if (*p < '0' || *p > '9' || number > 65535) {
      return refuse(T::url_bad_port, "the URL's port is not a number from 1 to 65535");
    }
    number = number * 10 + static_cast<unsigned long>(*p - '0');
  }
  if (number == 0 || number > 65535) return refuse(T::url_bad_port, "the URL's port is not a number from 1 to 65535");
  out.port = static_cast<std::uint16_t>(number);

  if (!out.allow_listed && is_numeric_host(out.host)) {
    const AddressClass verdict = classify(without_brackets(out.host));
    if (!verdict.allowed()) {
      return refuse(T::url_not_public, "the URL's host " + out.host + " is not reachable: " + verdict.reason);
    }
  }

  const CurlString normalised = get_part(handle.get(), CURLUPART_URL, 0, &rc);
  if (!normalised) return refuse(T::url_not_valid, std::string("the URL is not valid: ") + curl_url_strerror(rc));
  out.url = normalised.get();
  check.result = Result<OutboundUrl>::success(std::move(out));
  return check;
}

Result<OutboundUrl> check_outbound_url(std::string_view url, const std::vector<std::string>& allow_list) {
  return inspect_outbound_url(url, allow_list).result;
}

std::string redact_url(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "(not a URL)";
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  if (rest.empty() || rest.front() != '[') {
    rest = rest.substr(0, rest.find(':'));
  } else {
    rest = rest.substr(0, rest.find(']') + 1);
  }
  std::string out(url.substr(0, scheme_end + 3));
  for (const char c : rest) {
    if (static_cast<unsigned char>(c) > 0x20 && c != 0x7f) out += c;  // nothing that could break a log line
  }
  return out;
}

}  // namespace deadline::delivery
