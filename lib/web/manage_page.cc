#include "web/manage_page.h"

#include <algorithm>

#include "delivery/endpoint_display.h"
#include "web/calendar_html.h"
#include "web/feed_links.h"
#include "web/home_page.h"
#include "web/page.h"
#include "wording/delivery_wording.h"
#include "wording/manage_wording.h"

namespace deadline::web {

namespace {

std::string hidden_field(std::string_view name, std::string_view value) {
  return "<input type=\"hidden\" name=\"" + std::string(name) + "\" value=\"" + escape(value) + "\">";
}

// A one-button form posting `action` for endpoint `id` (no script: every change is a POST).
std::string endpoint_button(std::string_view manage_path, std::string_view action, std::int64_t id,
                            std::string_view label) {
  return "<form method=\"post\" action=\"" + escape(manage_path) + "\" class=\"inline\">" + hidden_field("action", action) +
         hidden_field("endpoint", std::to_string(id)) + "<button type=\"submit\">" + escape(label) + "</button></form>";
}

// A link styled as a secondary button: the GET steps (edit, the delete question).
std::string step_link(std::string_view manage_path, std::string_view query, std::string_view label) {
  return "<a class=\"button-link\" href=\"" + escape(manage_path) + "?" + escape(query) + "\">" + escape(label) + "</a>";
}

// Its problem in Chinese: the latest failed attempt's while it fails, else why it was stopped.
std::string problem_of(const store::EndpointRecord& e) {
  if (e.state == EndpointState::active) return e.failing_since ? wording::delivery_problem_text(e.kind, e.last_error) : "";
  return wording::delivery_problem_text(e.kind, e.state_reason.empty() ? e.last_error : e.state_reason);
}

std::string endpoint_item(const store::EndpointRecord& e, const std::vector<store::EndpointRecord>& all,
                          std::string_view manage_path) {
  const bool failing = e.state == EndpointState::active && e.failing_since.has_value();
  const std::string state_class = e.state == EndpointState::active && !failing ? "ok" : "bad";
  std::string html = "<li class=\"endpoint\" id=\"endpoint-" + std::to_string(e.id) + "\">\n<p><strong>" +
                     escape(endpoint_title(e, all)) + "</strong>（" + escape(wording::endpoint_kind_name(e.kind)) +
                     "）<span class=\"state " + state_class + "\">" +
                     escape(wording::endpoint_state_text(e.state, failing)) + "</span></p>\n";
  html += "<p class=\"address\"><code>" + escape(delivery::shown_address(e.kind, e.address)) + "</code>";
  if (!e.secret_tail.empty()) html += " <span class=\"note\">" + escape(wording::secret_tail_text(e.secret_tail)) + "</span>";
  html += "</p>\n";
  if (const std::string problem = problem_of(e); !problem.empty()) {
    html += "<p class=\"note\">最近的问题：" + escape(problem) + "</p>\n";
  }
  html += "<p class=\"actions\">";
  if (e.state == EndpointState::active) html += endpoint_button(manage_path, "test", e.id, "发送一条测试提醒");
  if (e.state == EndpointState::needs_attention || e.state == EndpointState::disabled) {
    html += endpoint_button(manage_path, "reenable", e.id, "问题已解决，重新启用");
  }
  if (e.kind != EndpointKind::email) {
    html += " " + step_link(manage_path, "edit=" + std::to_string(e.id), "修改名称和提醒内容");
    html += " " + step_link(manage_path, "delete=" + std::to_string(e.id), "删除");
  }
  return html + "</p>\n</li>\n";
}

std::string error_for(const FormErrors& errors, const std::string& field) {
  const auto found = errors.find(field);
  if (found == errors.end()) return {};
  return "<p class=\"error\" id=\"" + field + "-error\"><strong>" + escape(found->second) + "</strong></p>\n";
}

std::string described(const FormErrors& errors, const std::string& field) {
  return errors.count(field) ? " aria-describedby=\"" + field + "-error\" aria-invalid=\"true\"" : "";
}

std::string name_field(const FormErrors& errors, std::string_view id, std::string_view value, std::string_view hint) {
  return "<p><label for=\"" + std::string(id) + "\">名称（" + std::string(hint) + "）</label>\n" + error_for(errors, "name") +
         "<input id=\"" + std::string(id) + "\" name=\"name\" type=\"text\" maxlength=\"" +
         std::to_string(wording::kEndpointNameMaxChars) + "\" value=\"" + escape(value) + "\"" +
         described(errors, "name") + "></p>\n";
}

// Webhooks and chat robots get the same reminders as the email, at the same points, until their
// owner gives them their own choices.
std::string add_endpoint_form(const ManagePageInput& input) {
  std::string html = "<h3>添加 Webhook 或群机器人</h3>\n<p class=\"note\">新接收方式先收到与邮件相同的提醒；"
                     "添加后可以单独修改它的提醒内容。</p>\n"
                     "<form method=\"post\" action=\"" + escape(input.manage_path) + "\" novalidate>\n" +
                     hidden_field("action", "add") + "\n";
  html += "<p><label for=\"kind\">接收方式</label>\n" + error_for(input.errors, "kind") + "<select id=\"kind\" name=\"kind\"" +
          described(input.errors, "kind") + ">\n";
  for (const EndpointKind k : {EndpointKind::webhook, EndpointKind::wecom, EndpointKind::dingtalk, EndpointKind::feishu}) {
    const std::string value(to_string(k));
    html += "<option value=\"" + value + "\"" + (input.add_form.kind == value ? " selected" : "") + ">" +
            escape(wording::endpoint_kind_name(k)) + "</option>\n";
  }
  html += "</select></p>\n<p><label for=\"url\">地址（URL）</label>\n" + error_for(input.errors, "url") +
          "<input id=\"url\" name=\"url\" type=\"url\" maxlength=\"2000\" autocomplete=\"off\" value=\"" +
          escape(input.add_form.url) + "\"" + described(input.errors, "url") + "></p>\n";
  html += name_field(input.errors, "name", input.add_form.name, "可选，例如“财务群”；留空则自动命名");
  html += "<p><label for=\"secret\">密钥（Webhook 可留空自动生成；钉钉为 SEC 开头的加签密钥；飞书可选）</label>\n" +
          error_for(input.errors, "secret") + "<input id=\"secret\" name=\"secret\" type=\"text\" autocomplete=\"off\"" +
          described(input.errors, "secret") + "></p>\n<button type=\"submit\">添加</button>\n</form>\n";
  return html;
}

// The generated key, once: in a box that wraps anywhere (a phone shows all of it) and a
// read-only field to select and copy from.
std::string new_secret_section(std::string_view secret) {
  return "<section class=\"secret\" aria-labelledby=\"secret-heading\">\n<h2 id=\"secret-heading\">" +
         escape(wording::kNewSecretHeading) + "</h2>\n<p>" + escape(wording::kNewSecretNote) +
         "</p>\n<p><code id=\"new-secret\" class=\"secret-value\">" + escape(secret) +
         "</code></p>\n<p><label for=\"new-secret-copy\">复制用</label>\n<input id=\"new-secret-copy\" type=\"text\" "
         "readonly value=\"" + escape(secret) + "\"></p>\n</section>\n";
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

std::string endpoint_title(const store::EndpointRecord& endpoint, const std::vector<store::EndpointRecord>& all) {
  if (!endpoint.name.empty()) return endpoint.name;
  if (endpoint.kind == EndpointKind::email) return endpoint.address;
  int n = 0;
  for (const store::EndpointRecord& e : all) {
    if (e.kind == endpoint.kind) ++n;
    if (e.id == endpoint.id) break;
  }
  return wording::default_endpoint_name(endpoint.kind, std::max(n, 1));
}

std::string manage_page(const Calendar& calendar, const std::vector<Lead>& lead_menu, const ManagePageInput& input) {
  std::string body(calendar_style());
  if (!input.new_secret.empty()) body += new_secret_section(input.new_secret);
  if (!input.notice.empty()) body += "<p role=\"status\" class=\"done\"><strong>" + escape(input.notice) + "</strong></p>\n";
  if (!input.problem.empty()) body += "<p role=\"alert\" class=\"error\"><strong>" + escape(input.problem) + "</strong></p>\n";
  body += "<p>订阅邮箱：<strong>" + escape(input.email) + "</strong></p>\n";
  body += "<section aria-labelledby=\"choices-heading\">\n<h2 id=\"choices-heading\">邮件提醒的内容和时间</h2>\n";
  body += "<form method=\"post\" action=\"" + escape(input.manage_path) + "\" novalidate>\n" + hidden_field("action", "choices") + "\n";
  body += preference_fields(calendar, lead_menu, input.values, input.errors);
  body += "<button type=\"submit\">保存</button>\n</form>\n</section>\n";
  body += "<section aria-labelledby=\"endpoints-heading\">\n<h2 id=\"endpoints-heading\">接收方式</h2>\n<ul class=\"endpoints\">\n";
  for (const store::EndpointRecord& e : input.endpoints) body += endpoint_item(e, input.endpoints, input.manage_path);
  body += "</ul>\n";
  body += add_endpoint_form(input);
  body += "</section>\n";
  if (!input.feed_path.empty()) {
    body += feed_links_html(feed_links(input.public_url, input.feed_path, "我的申报截止日历"),
                            "我的日历订阅（按上面的选择筛选）");
  }
  body += "<section aria-labelledby=\"leave-heading\">\n<h2 id=\"leave-heading\">退订和删除</h2>\n"
          "<p><a href=\"" + escape(input.unsubscribe_path) + "\">不再接收任何提醒（退订）</a></p>\n"
          "<p>" + step_link(input.manage_path, "erase=1", std::string(wording::kEraseHeading)) + "</p>\n</section>\n";
  return page("管理订阅", body);
}

std::string endpoint_edit_page(const Calendar& calendar, const std::vector<Lead>& lead_menu,
                               const EndpointEditInput& input) {
  const store::EndpointRecord& e = input.endpoint;
  std::string body(calendar_style());
  body += "<p>" + escape(wording::endpoint_kind_name(e.kind)) + " <code>" +
          escape(delivery::shown_address(e.kind, e.address)) + "</code></p>\n";
  body += "<form method=\"post\" action=\"" + escape(input.manage_path) + "\" novalidate>\n" + hidden_field("action", "edit") +
          hidden_field("endpoint", std::to_string(e.id)) + "\n";
  body += name_field(input.errors, "name", input.name, "便于区分多个接收方式");
  body += preference_fields(calendar, lead_menu, input.values, input.errors);
  body += "<button type=\"submit\">保存</button>\n</form>\n";
  body += "<p><a href=\"" + escape(input.manage_path) + "\">返回管理页面（不保存）</a></p>\n";
  return page("修改接收方式", body);
}

std::string endpoint_delete_page(const store::EndpointRecord& endpoint, std::string_view manage_path) {
  std::string body = "<p><strong>" +
                     escape(wording::delete_endpoint_question(endpoint.name.empty() ? std::string(wording::endpoint_kind_name(endpoint.kind))
                                                                                    : endpoint.name,
                                                              delivery::shown_address(endpoint.kind, endpoint.address))) +
                     "</strong></p>\n<p>" + escape(wording::kDeleteEndpointNote) + "</p>\n";
  body += "<form method=\"post\" action=\"" + escape(manage_path) + "\">" + hidden_field("action", "delete") +
          hidden_field("endpoint", std::to_string(endpoint.id)) + "<button type=\"submit\">确定删除</button></form>\n";
  body += "<p><a href=\"" + escape(manage_path) + "\">不删除，返回管理页面</a></p>\n";
  return page("删除接收方式", body);
}

std::string erase_confirm_page(std::string_view manage_path) {
  std::string body = "<p>" + escape(wording::kEraseExplained) + "</p>\n";
  body += "<form method=\"post\" action=\"" + escape(manage_path) + "\">" + hidden_field("action", "erase") +
          "<button type=\"submit\">确定删除我的全部信息</button></form>\n";
  body += "<p><a href=\"" + escape(manage_path) + "\">不删除，返回管理页面</a></p>\n";
  return page(wording::kEraseHeading, body);
}

std::string erased_page() {
  return page("已删除", "<p role=\"status\">" + escape(wording::kEraseDone) + "</p>\n<p><a href=\"/\">返回首页</a></p>\n");
}

}  // namespace deadline::web
