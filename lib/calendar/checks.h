#pragma once
// Shape checks for calendar fields. Pure predicates; the loader turns a false into a
// file:line error that names the field.

#include <string_view>

namespace deadline {

// Programme, policy and edition ids: a-z, 0-9 and '-', starting with a letter or digit, ≤ 64.
bool is_valid_id(std::string_view id);

// Window keys ("apply", "recommend", ...): the same alphabet as ids, ≤ 32.
bool is_valid_window_key(std::string_view key);

// Chinese landline as printed with its area code: 0AA-NNNNNNNN or 0AAA-NNNNNNN (7–8 digits).
bool is_valid_phone(std::string_view phone);

// An absolute http(s) URL with a host, no spaces, no control characters, ≤ 2048 bytes.
bool is_valid_link(std::string_view link);

// A submission system or forms page as printed: a host name with a dot ("jszfw.gov.cn") or an
// absolute http(s) URL (is_valid_link).
bool is_valid_host_or_url(std::string_view address);

// A mailbox as printed: local@host, the host with a dot, no spaces ("jskjtgxc@163.com").
bool is_valid_mailbox(std::string_view address);

}  // namespace deadline
