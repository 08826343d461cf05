#include "store/database_location.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <vector>

namespace deadline::store {

namespace {

constexpr std::string_view kSchemeEnd = "://";

std::string_view scheme_of(std::string_view text) {
  const std::size_t end = text.find(kSchemeEnd);
  if (end == std::string_view::npos || end == 0) return {};
  // RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
  if (!std::isalpha(static_cast<unsigned char>(text[0]))) return {};
  for (const char c : text.substr(0, end)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return {};
  }
  return text.substr(0, end);
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string blank_out(std::string message, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (std::size_t at = message.find(secret); at != std::string::npos; at = message.find(secret, at)) {
      message.replace(at, secret.size(), "***");
    }
  }
  return message;
}

struct SplitUri {
  std::string shown;                   // without any password
  std::vector<std::string> passwords;  // as written, to blank out of libpq's messages
};

SplitUri split_passwords(std::string_view uri) {
  SplitUri split;
  std::string& out = split.shown;
  const std::string_view scheme = scheme_of(uri);
  std::size_t rest = 0;
  if (!scheme.empty()) {
    rest = scheme.size() + kSchemeEnd.size();
    // The authority ends at the first '/', '?' or '#'; its user part at its last '@'.
    const std::size_t authority_end = std::min(uri.find_first_of("/?#", rest), uri.size());
    const std::string_view authority = uri.substr(rest, authority_end - rest);
    out.append(uri.substr(0, rest));
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
      const std::string_view user = authority.substr(0, at);
      const std::size_t colon = user.find(':');
      out.append(user.substr(0, colon));
      if (colon != std::string_view::npos) split.passwords.emplace_back(user.substr(colon + 1));
      out.append(authority.substr(at));
    } else {
      out.append(authority);
    }
    rest = authority_end;
  }
  // Query parameters: drop password=… wherever it stands.
  const std::size_t query = uri.find('?', rest);
  out.append(uri.substr(rest, query == std::string_view::npos ? std::string_view::npos : query - rest));
  if (query == std::string_view::npos) return split;
  const std::size_t fragment = std::min(uri.find('#', query), uri.size());
  std::string kept;
  std::string_view params = uri.substr(query + 1, fragment - query - 1);
  while (!params.empty()) {
    const std::size_t amp = params.find('&');
    const std::string_view param = params.substr(0, amp);
    const std::size_t equals = param.find('=');
    if (lower(param.substr(0, equals)) == "password") {
      if (equals != std::string_view::npos) split.passwords.emplace_back(param.substr(equals + 1));
    } else {
      if (!kept.empty()) kept += '&';
      kept.append(param);
    }
    params = amp == std::string_view::npos ? std::string_view{} : params.substr(amp + 1);
  }
  if (!kept.empty()) out.append("?").append(kept);
  out.append(uri.substr(fragment));
  return split;
}

}  // namespace

bool looks_like_uri(std::string_view text) { return !scheme_of(text).empty(); }

std::string uri_without_password(std::string_view uri) { return split_passwords(uri).shown; }

Result<DatabaseLocation> parse_database_location(const std::string& text, std::string_view where) {
  using R = Result<DatabaseLocation>;
  const std::string prefix = std::string(where) + ": ";
  if (text.empty()) return R::failure(prefix + "no database given: a file path (SQLite) or a postgresql:// URI");
  const std::string scheme(scheme_of(text));
  DatabaseLocation location;
  if (scheme.empty()) {
    location.kind = DatabaseLocation::Kind::sqlite_file;
    location.file = text;
    location.shown = text;
    return R::success(std::move(location));
  }
  const SplitUri split = split_passwords(text);
  location.shown = split.shown;
  if (scheme != lower(scheme) && (lower(scheme) == "postgresql" || lower(scheme) == "postgres")) {
    // libpq knows the scheme in lower case only.
    return R::failure(prefix + "'" + location.shown + "': write the scheme in lower case (postgresql://)");
  }
  if (scheme != "postgresql" && scheme != "postgres") {
    return R::failure(prefix + "'" + location.shown + "' is not a database deadlined can use (scheme '" + scheme +
                      "'): give a file path for SQLite (e.g. /var/lib/deadlined/deadlined.sqlite) or a "
                      "postgresql:// URI for PostgreSQL");
  }
  // libpq's own parser: the same rules the connection will apply, checked before anything starts.
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(text.c_str(), &error);
  const std::unique_ptr<char, decltype(&PQfreemem)> error_owner(error, &PQfreemem);
  const std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options_owner(options, &PQconninfoFree);
  if (!options) {
    std::string why = error ? std::string(error) : std::string("libpq could not parse it");
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    return R::failure(prefix + "'" + location.shown + "' is not a valid PostgreSQL connection URI: " +
                      blank_out(why, split.passwords));
  }
  location.kind = DatabaseLocation::Kind::postgresql;
  location.uri = text;
  return R::success(std::move(location));
}

}  // namespace deadline::store
