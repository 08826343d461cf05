#include "http/client_address.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

namespace deadline::http {

namespace ip = boost::asio::ip;

namespace {

std::string_view trim(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<unsigned> parse_number(std::string_view text, unsigned max) {
  if (!all_digits(text) || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

// The address bytes, most significant first (4 for IPv4, 16 for IPv6).
std::array<unsigned char, 16> bytes_of(const ip::address& address, std::size_t& size) {
  std::array<unsigned char, 16> bytes{};
  if (address.is_v4()) {
    const auto v4 = address.to_v4().to_bytes();
    std::copy(v4.begin(), v4.end(), bytes.begin());
    size = 4;
  } else {
    bytes = address.to_v6().to_bytes();
    size = 16;
  }
  return bytes;
}

// Whether the first `prefix` bits of a and b are equal (both `size` bytes long).
bool same_prefix(const std::array<unsigned char, 16>& a, const std::array<unsigned char, 16>& b, unsigned prefix) {
  const std::size_t whole = prefix / 8;
  for (std::size_t i = 0; i < whole; ++i) {
    if (a[i] != b[i]) return false;
  }
  const unsigned rest = prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<unsigned char>(0xFFu << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

std::optional<ip::address> plain_address(std::string_view text) {
  boost::system::error_code ec;
  const ip::address address = ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  if (address.is_v6() && address.to_v6().scope_id() != 0) return std::nullopt;  // "fe80::1%eth0"
  return unmapped(address);
}

// One address as proxies write them: "192.0.2.1", "192.0.2.1:4711", "2001:db8::1",
// "[2001:db8::1]" or "[2001:db8::1]:4711". nullopt for anything else ("unknown", "_hidden").
std::optional<ip::address> forwarded_address(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  if (text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !parse_number(rest.substr(1), 65535))) return std::nullopt;
    const auto address = plain_address(text.substr(1, close - 1));
    if (!address || address->is_v4()) return std::nullopt;  // brackets are for IPv6 only
    return address;
  }
  if (auto address = plain_address(text)) return address;
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || text.find(':', colon + 1) != std::string_view::npos) return std::nullopt;
  if (!parse_number(text.substr(colon + 1), 65535)) return std::nullopt;
  auto address = plain_address(text.substr(0, colon));
  if (!address || !address->is_v4()) return std::nullopt;
  return address;
}

// Splits at `separator` outside double quotes (a backslash escapes the next character in quotes).
std::vector<std::string_view> split_outside_quotes(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted && c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == separator) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(text.substr(start));
  return parts;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

// The for= value of one Forwarded element ("for=192.0.2.60;proto=http;by=203.0.113.43"), unquoted;
// empty when it has none.
std::string forwarded_for(std::string_view element) {
  for (const std::string_view pair : split_outside_quotes(element, ';')) {
    const std::string_view trimmed = trim(pair);
    const std::size_t equals = trimmed.find('=');
    if (equals == std::string_view::npos || !equals_ignoring_case(trim(trimmed.substr(0, equals)), "for")) continue;
    const std::string_view value = trim(trimmed.substr(equals + 1));
    if (value.size() < 2 || value.front() != '"' || value.back() != '"') return std::string(value);
    std::string unquoted;
    for (std::size_t i = 1; i + 1 < value.size(); ++i) {
      if (value[i] == '\\' && i + 2 < value.size()) ++i;
      unquoted += value[i];
    }
    return unquoted;
  }
  return {};
}

// The addresses a header lists, left to right, as written (not yet parsed); empty when the
// request has no such header.
std::vector<std::string> forwarded_chain(const Request& request) {
  std::vector<std::string> chain;
  const auto [xff_first, xff_last] = request.equal_range("X-Forwarded-For");
  for (auto field = xff_first; field != xff_last; ++field) {
    for (const std::string_view item : split_outside_quotes(field->value(), ',')) chain.emplace_back(trim(item));
  }
  if (!chain.empty()) return chain;
  const auto [first, last] = request.equal_range(Field::forwarded);
  for (auto field = first; field != last; ++field) {
    for (const std::string_view element : split_outside_quotes(field->value(), ',')) {
      chain.push_back(forwarded_for(element));
    }
  }
  return chain;
}

}  // namespace

ip::address unmapped(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  }
  return address;
}

Result<Cidr> parse_cidr(std::string_view text) {
  using R = Result<Cidr>;
  const std::string quoted = "'" + std::string(text) + "'";
  const std::size_t slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);
  boost::system::error_code ec;
  const ip::address address = ip::make_address(std::string(address_text), ec);
  if (address_text.empty() || ec) return R::failure(quoted + ": not an IPv4 or IPv6 address or range");
  if (address.is_v6() && address.to_v6().scope_id() != 0) {
    return R::failure(quoted + ": a zone index (%...) is not allowed");
  }
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return R::failure(quoted + ": write an IPv4 address as IPv4, not as IPv4-mapped IPv6");
  }
  const unsigned bits = address.is_v4() ? 32 : 128;
  unsigned prefix = bits;
  if (slash != std::string_view::npos) {
    const auto parsed = parse_number(text.substr(slash + 1), bits);
    if (!parsed) {
      return R::failure(quoted + ": the prefix length must be 0 to " + std::to_string(bits) + " for " +
                        (address.is_v4() ? "IPv4" : "IPv6"));
    }
    prefix = *parsed;
  }
  std::size_t size = 0;
  const auto bytes = bytes_of(address, size);
  // The bits past the prefix must be zero: compare the address with itself masked.
  std::array<unsigned char, 16> masked{};
  for (std::size_t i = 0; i < size; ++i) {
    const unsigned from = static_cast<unsigned>(i) * 8;
    if (prefix >= from + 8) {
      masked[i] = bytes[i];
    } else if (prefix > from) {
      masked[i] = static_cast<unsigned char>(bytes[i] & (0xFFu << (8 - (prefix - from))));
    }
  }
  if (masked != bytes) {
    return R::failure(quoted + ": the address has bits set beyond the /" + std::to_string(prefix) + " prefix");
  }
  return R::success(Cidr{address, prefix});
}

std::string to_string(const Cidr& cidr) { return cidr.network.to_string() + "/" + std::to_string(cidr.prefix); }

bool contains(const Cidr& range, const ip::address& address) {
  const ip::address a = unmapped(address);
  if (a.is_v4() != range.network.is_v4()) return false;
  std::size_t size = 0;
  return same_prefix(bytes_of(range.network, size), bytes_of(a, size), range.prefix);
}

bool is_trusted(const ip::address& address, const std::vector<Cidr>& trusted) {
  return std::any_of(trusted.begin(), trusted.end(), [&](const Cidr& range) { return contains(range, address); });
}

std::string client_address(const ip::address& peer, const Request& request, const std::vector<Cidr>& trusted) {
  const ip::address direct = unmapped(peer);
  if (!is_trusted(direct, trusted)) return direct.to_string();
  const std::vector<std::string> chain = forwarded_chain(request);
  if (chain.empty() || (chain.size() == 1 && chain.front().empty())) return direct.to_string();
  std::optional<ip::address> client;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    client = forwarded_address(*it);
    if (!client) return direct.to_string();
    if (!is_trusted(*client, trusted)) break;
  }
  return client->to_string();
}

}  // namespace deadline::http
