#include "web/manage_page.h"

#include "delivery/outbound_url.h"
#include "web/calendar_html.h"
#include "web/home_page.h"
#include "web/page.h"

namespace deadline::web {

namespace {

std::string_view kind_label(store::EndpointKind kind) {
  switch (kind) {
    case store::EndpointKind::email: return "邮件";
    case store::EndpointKind::webhook: return "Webhook";
    case store::EndpointKind::wecom: return "企业微信群机器人";
    case store::EndpointKind::dingtalk: return "钉钉群机器人";
    case store::EndpointKind::feishu: return "飞书群机器人";
  }
  return "";
}

std::string_view state_label(std::string_view state) {
  if (state == "active") return "正常";
  if (state == "needs_attention") return "需要处理";
  if (state == "disabled") return "已停用";
  if (state == "unsubscribed") return "已退订";
  return state;
}

std::string endpoint_item(const store::EndpointRecord& e, std::string_view manage_path) {
  // Robot and webhook URLs hold secrets: shown as scheme and host only.
  const std::string where = e.kind == store::EndpointKind::email ? e.address : delivery::redact_url(e.address);
  std::string html = "<li><strong>" + escape(kind_label(e.kind)) + "</strong> " + escape(where) + " — " +
                     escape(state_label(e.state));
  if (!e.state_reason.empty()) html += "<br><span class=\"note\">原因：" + escape(e.state_reason) + "</span>";
  if (e.state == "needs_attention" || e.state == "disabled") {
    html += "\n<form method=\"post\" action=\"" + escape(manage_path) + "\">"
            "<input type=\"hidden\" name=\"action\" value=\"reenable\">"
            "<input type=\"hidden\" name=\"endpoint\" value=\"" + std::to_string(e.id) + "\">"
            "<button type=\"submit\">问题已解决，重新启用</button></form>";
  }
  return html + "</li>\n";
}

}  // namespace

SubscribeForm form_of(const store::EndpointRecord& endpoint) {
  SubscribeForm form;
  form.email = endpoint.address;
  form.programmes = endpoint.filters.programmes;
  form.groups = endpoint.filters.groups;
  form.categories = endpoint.filters.categories;
  form.keyword = endpoint.filters.keywords.empty() ? "" : endpoint.filters.keywords.front();
  form.leads = endpoint.leads;
  return form;
}

std::string manage_page(const Calendar& calendar, const std::vector<Lead>& lead_menu, const ManagePageInput& input) {
  std::string body(calendar_style());
  if (!input.notice.empty()) body += "<p role=\"status\"><strong>" + escape(input.notice) + "</strong></p>\n";
  body += "<p>订阅邮箱：<strong>" + escape(input.email) + "</strong></p>\n";
  body += "<section aria-labelledby=\"choices-heading\">\n<h2 id=\"choices-heading\">邮件提醒的内容和时间</h2>\n";
  body += "<form method=\"post\" action=\"" + escape(input.manage_path) + "\" novalidate>\n"
          "<input type=\"hidden\" name=\"action\" value=\"choices\">\n";
  body += preference_fields(calendar, lead_menu, input.values, input.errors);
  body += "<button type=\"submit\">保存</button>\n</form>\n</section>\n";
  body += "<section aria-labelledby=\"endpoints-heading\">\n<h2 id=\"endpoints-heading\">接收方式</h2>\n<ul>\n";
  for (const store::EndpointRecord& e : input.endpoints) body += endpoint_item(e, input.manage_path);
  body += "</ul>\n</section>\n";
  body += "<section aria-labelledby=\"leave-heading\">\n<h2 id=\"leave-heading\">退订</h2>\n"
          "<p><a href=\"" + escape(input.unsubscribe_path) + "\">不再接收任何提醒</a></p>\n</section>\n";
  return page("管理订阅", body);
}

}  // namespace deadline::web
