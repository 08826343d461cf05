#include "calendar/checks.h"

#include <regex>
#include <string>

namespace deadline {

namespace {

bool is_id_alphabet(std::string_view text, std::size_t max_length) {
  if (text.empty() || text.size() > max_length || text.front() == '-') return false;
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool is_valid_id(std::string_view id) { return is_id_alphabet(id, 64); }

bool is_valid_window_key(std::string_view key) { return is_id_alphabet(key, 32); }

bool is_valid_phone(std::string_view phone) {
  static const std::regex pattern(R"(^0\d{2,3}-\d{7,8}$)");
  return std::regex_match(std::string(phone), pattern);
}

bool is_valid_link(std::string_view link) {
  static const std::regex pattern(R"(^https?://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?(/\S*)?$)");
  if (link.size() > 2048) return false;
  for (const char c : link) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return std::regex_match(std::string(link), pattern);
}

bool is_valid_host_or_url(std::string_view address) {
  static const std::regex host(R"(^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$)");
  if (address.starts_with("http://") || address.starts_with("https://")) return is_valid_link(address);
  return address.size() <= 253 && std::regex_match(std::string(address), host);
}

bool is_valid_mailbox(std::string_view address) {
  static const std::regex pattern(
      R"(^[A-Za-z0-9._%+-]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$)");
  return address.size() <= 254 && std::regex_match(std::string(address), pattern);
}

}  // namespace deadline
