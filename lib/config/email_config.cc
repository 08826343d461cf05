#include "config/email_config.h"

#include <curl/curl.h>

#include <memory>
#include <optional>

#include "subscription/email_address.h"

namespace deadline {

namespace {

struct UrlParts {
  std::string scheme, host, user, query, fragment;
};

std::optional<std::string> part(CURLU* url, CURLUPart which) {
  char* text = nullptr;
  if (curl_url_get(url, which, &text, 0) != CURLUE_OK) return std::nullopt;
  std::string value(text);
  curl_free(text);
  return value;
}

// libcurl's own URL parser, so the daemon and libcurl read a URL the same way.
std::optional<UrlParts> split_url(const std::string& text) {
  const std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> url(curl_url(), &curl_url_cleanup);
  if (!url || curl_url_set(url.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return std::nullopt;
  }
  UrlParts p;
  p.scheme = part(url.get(), CURLUPART_SCHEME).value_or("");
  p.host = part(url.get(), CURLUPART_HOST).value_or("");
  p.user = part(url.get(), CURLUPART_USER).value_or("");
  p.query = part(url.get(), CURLUPART_QUERY).value_or("");
  p.fragment = part(url.get(), CURLUPART_FRAGMENT).value_or("");
  return p;
}

bool has_control_characters(const std::string& text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

std::string smtp_relay_problem(const std::string& url) {
  const auto p = split_url(url);
  if (!p || p->host.empty()) return "'" + url + "' is not a URL with a host";
  if (p->scheme != "smtp" && p->scheme != "smtps") return "the relay must be smtp:// (with STARTTLS) or smtps://";
  if (!p->user.empty()) return "user names and passwords go in credentials_file, not in the relay URL";
  return {};
}

bool relay_is_loopback(const std::string& url) {
  const auto p = split_url(url);
  if (!p) return false;
  const std::string& h = p->host;
  return h == "localhost" || h == "[::1]" || h == "::1" || h.rfind("127.", 0) == 0;
}

std::string public_url_problem(const std::string& url) {
  const auto p = split_url(url);
  if (!p || p->host.empty()) return "'" + url + "' is not a URL with a host";
  if (p->scheme != "http" && p->scheme != "https") return "public_url must be http:// or https://";
  if (!p->user.empty() || !p->query.empty() || !p->fragment.empty()) {
    return "public_url must not hold user info, a query or a fragment";
  }
  return {};
}

void read_email(TableReader& r, const std::filesystem::path& base, Config::Email& email) {
  if (const std::string relay = r.text("relay", false); !relay.empty()) {
    if (const std::string problem = smtp_relay_problem(relay); !problem.empty()) {
      r.error(r.line("relay"), problem);
    } else {
      email.relay = relay;
    }
  }
  if (const std::string file = r.text("credentials_file", false); !file.empty()) {
    const std::filesystem::path path(file);
    email.credentials_file = path.is_relative() ? base / path : path;
  }
  const auto address = [&r](std::string_view key, std::string& target) {
    if (const std::string value = r.text(key, false); !value.empty()) {
      if (const std::string problem = email_address_problem(value); !problem.empty()) {
        r.error(r.line(key), "'" + std::string(key) + "': " + problem);
      } else {
        target = value;
      }
    }
  };
  address("from_address", email.from_address);
  // Names end up in headers and the SMTP dialogue: nothing that could end a line gets in.
  const auto plain = [&r](std::string_view key, std::size_t max, std::string& target) {
    if (const std::string value = r.text(key, false); !value.empty()) {
      if (has_control_characters(value) || value.size() > max) {
        r.error(r.line(key), "'" + std::string(key) + "' must be at most " + std::to_string(max) +
                                 " bytes without control characters");
      } else {
        target = value;
      }
    }
  };
  plain("from_name", 120, email.from_name);
  plain("ehlo_name", 253, email.ehlo_name);
  plain("bounce_domain", 253, email.bounce_domain);
  plain("list_id", 200, email.list_id);
  if (const auto n = r.integer("connections", 1, 100, false)) email.connections = *n;
}

}  // namespace deadline
