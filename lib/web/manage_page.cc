#include "web/manage_page.h"

#include "delivery/outbound_url.h"
#include "web/calendar_html.h"
#include "web/home_page.h"
#include "web/feed_links.h"
#include "web/page.h"

namespace deadline::web {

namespace {

std::string_view kind_label(EndpointKind kind) {
  switch (kind) {
    case EndpointKind::email: return "邮件";
    case EndpointKind::webhook: return "Webhook";
    case EndpointKind::wecom: return "企业微信群机器人";
    case EndpointKind::dingtalk: return "钉钉群机器人";
    case EndpointKind::feishu: return "飞书群机器人";
  }
  return "";
}

std::string_view state_label(EndpointState state) {
  switch (state) {
    case EndpointState::active: return "正常";
    case EndpointState::needs_attention: return "需要处理";
    case EndpointState::disabled: return "已停用";
    case EndpointState::unsubscribed: return "已退订";
  }
  return "";
}

std::string endpoint_item(const store::EndpointRecord& e, std::string_view manage_path) {
  // Robot and webhook URLs hold secrets: shown as scheme and host only.
  const std::string where = e.kind == EndpointKind::email ? e.address : delivery::redact_url(e.address);
  std::string html = "<li><strong>" + escape(kind_label(e.kind)) + "</strong> " + escape(where) + " — " +
                     escape(state_label(e.state));
  if (!e.state_reason.empty()) html += "<br><span class=\"note\">原因：" + escape(e.state_reason) + "</span>";
  if (e.state == EndpointState::active) {
    html += "\n<form method=\"post\" action=\"" + escape(manage_path) + "\">"
            "<input type=\"hidden\" name=\"action\" value=\"test\">"
            "<input type=\"hidden\" name=\"endpoint\" value=\"" + std::to_string(e.id) + "\">"
            "<button type=\"submit\">发送一条测试提醒</button></form>";
  }
  if (e.state == EndpointState::needs_attention || e.state == EndpointState::disabled) {
    html += "\n<form method=\"post\" action=\"" + escape(manage_path) + "\">"
            "<input type=\"hidden\" name=\"action\" value=\"reenable\">"
            "<input type=\"hidden\" name=\"endpoint\" value=\"" + std::to_string(e.id) + "\">"
            "<button type=\"submit\">问题已解决，重新启用</button></form>";
  }
  return html + "</li>\n";
}

std::string error_for(const FormErrors& errors, const std::string& field) {
  const auto found = errors.find(field);
  if (found == errors.end()) return {};
  return "<p class=\"error\" id=\"" + field + "-error\"><strong>" + escape(found->second) + "</strong></p>\n";
}

std::string described(const FormErrors& errors, const std::string& field) {
  return errors.count(field) ? " aria-describedby=\"" + field + "-error\" aria-invalid=\"true\"" : "";
}

// Webhooks and chat robots get the same reminders as the email, at the same points.
std::string add_endpoint_form(const ManagePageInput& input) {
  std::string html = "<h3>添加 Webhook 或群机器人</h3>\n<p class=\"note\">新接收方式收到与邮件相同的提醒。</p>\n"
                     "<form method=\"post\" action=\"" + escape(input.manage_path) + "\" novalidate>\n"
                     "<input type=\"hidden\" name=\"action\" value=\"add\">\n";
  html += "<p><label for=\"kind\">接收方式</label>\n" + error_for(input.errors, "kind") + "<select id=\"kind\" name=\"kind\"" +
          described(input.errors, "kind") + ">\n";
  for (const EndpointKind k : {EndpointKind::webhook, EndpointKind::wecom,
                                      EndpointKind::dingtalk, EndpointKind::feishu}) {
    const std::string value(to_string(k));
    html += "<option value=\"" + value + "\"" + (input.add_form.kind == value ? " selected" : "") + ">" +
            escape(kind_label(k)) + "</option>\n";
  }
  html += "</select></p>\n<p><label for=\"url\">地址（URL）</label>\n" + error_for(input.errors, "url") +
          "<input id=\"url\" name=\"url\" type=\"url\" maxlength=\"2000\" value=\"" + escape(input.add_form.url) + "\"" +
          described(input.errors, "url") + "></p>\n";
  html += "<p><label for=\"secret\">密钥（Webhook 可留空自动生成；钉钉为 SEC 开头的加签密钥；飞书可选）</label>\n" +
          error_for(input.errors, "secret") + "<input id=\"secret\" name=\"secret\" type=\"text\" autocomplete=\"off\"" +
          described(input.errors, "secret") + "></p>\n<button type=\"submit\">添加</button>\n</form>\n";
  return html;
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
  body += "</ul>\n";
  body += add_endpoint_form(input);
  body += "</section>\n";
  if (!input.feed_path.empty()) {
    body += feed_links_html(feed_links(input.public_url, input.feed_path, "我的申报截止日历"),
                            "我的日历订阅（按上面的选择筛选）");
  }
  body += "<section aria-labelledby=\"leave-heading\">\n<h2 id=\"leave-heading\">退订</h2>\n"
          "<p><a href=\"" + escape(input.unsubscribe_path) + "\">不再接收任何提醒</a></p>\n</section>\n";
  return page("管理订阅", body);
}

}  // namespace deadline::web
