#pragma once
// The frame every page of the site shares: zh-CN, readable on a phone, no scripts, no remote
// resources. Pages pass their own body; every text in it must already be escaped.

#include <string>
#include <string_view>

#include "base/html_escape.h"

namespace deadline::web {

inline std::string escape(std::string_view text) { return html_escape(text); }

// A complete HTML document titled `title` (escaped here) around `body_html`.
std::string page(std::string_view title, std::string_view body_html);

}  // namespace deadline::web
