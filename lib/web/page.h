#pragma once
// The frame every page of the site shares: zh-CN, readable on a phone, no scripts, no remote
// resources, and a footer naming who runs the site and its 备案 numbers. Pages pass their own
// body; every text in it must already be escaped.

#include <string>
#include <string_view>

#include "base/html_escape.h"

namespace deadline::web {

inline std::string escape(std::string_view text) { return html_escape(text); }

// What the footer of every page says ([site] in the configuration; docs/configuration.md). Empty
// parts are left out; with all empty there is no footer line at all.
struct SiteFooter {
  std::string operator_name;     // "江苏省中小企业服务中心"
  std::string operator_contact;  // "025-00000000，service@example.cn"
  std::string icp_record;        // "苏ICP备00000000号-1": links to https://beian.miit.gov.cn/
  std::string police_record;     // "苏公网安备32010202000000号": links to beian.mps.gov.cn with its digits
};

// Set once at start-up, before the server answers (the pages read it without a lock).
void set_site_footer(SiteFooter footer);
const SiteFooter& site_footer();

// The footer's HTML for `footer` ("" when it has nothing to say). Pure.
std::string footer_html(const SiteFooter& footer);

// A complete HTML document: the document title is `title` (what a tab or bookmark shows, e.g.
// "订阅表单有误 - 惠企政策申报截止提醒"), the visible <h1> is `heading`; both escaped here.
std::string page(std::string_view title, std::string_view heading, std::string_view body_html);

// The same with one text for both (a page whose title is its heading).
std::string page(std::string_view title, std::string_view body_html);

}  // namespace deadline::web
