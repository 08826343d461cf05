#pragma once
// How an endpoint's address is shown to its owner (the manage page, the JSON API): enough to tell
// two apart, never a secret. Robot and webhook URLs carry their secrets in the path and query (a
// WeCom key, a DingTalk access_token, a Feishu hook id, a webhook's private path), so only the
// scheme, host and port are shown. Pure.

#include <string>
#include <string_view>

#include "domain/endpoint.h"

namespace deadline::delivery {

// An email address as it is; a URL as "scheme://host[:port]/…": the port only when the URL
// names one, IPv6 hosts in their brackets, never a user name, path, query or fragment. Characters
// that could break a line or a log (controls, spaces) are left out. "" for text that is not a URL.
std::string shown_address(EndpointKind kind, std::string_view address);

}  // namespace deadline::delivery
