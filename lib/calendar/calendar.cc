#include "calendar/calendar.h"

#include <algorithm>
#include <tuple>

namespace deadline {

std::string_view to_chinese(Role role) {
  switch (role) {
    case Role::enterprise: return "企业";
    case Role::recommender: return "推荐单位";
    case Role::authority: return "主管部门";
  }
  return "?";
}

std::optional<Role> parse_role(std::string_view chinese) {
  for (const Role role : {Role::enterprise, Role::recommender, Role::authority}) {
    if (chinese == to_chinese(role)) return role;
  }
  return std::nullopt;
}

std::string_view to_string(AddressKind kind) {
  switch (kind) {
    case AddressKind::submission_system: return "submission_system";
    case AddressKind::mailbox: return "mailbox";
    case AddressKind::forms_page: return "forms_page";
    case AddressKind::postal_address: return "postal_address";
  }
  return "?";
}

std::optional<AddressKind> parse_address_kind(std::string_view text) {
  for (const AddressKind kind : {AddressKind::submission_system, AddressKind::mailbox, AddressKind::forms_page,
                                 AddressKind::postal_address}) {
    if (text == to_string(kind)) return kind;
  }
  return std::nullopt;
}

std::string Address::href() const {
  if (misprint && corrected.empty()) return {};
  const std::string& address = corrected.empty() ? printed : corrected;
  switch (kind) {
    case AddressKind::mailbox: return "mailto:" + address;
    case AddressKind::submission_system:
    case AddressKind::forms_page:
      // The loader checked the shape (calendar/checks.h); only a full URL is linked, a bare host
      // is shown as printed rather than completed with a guessed scheme.
      return address.starts_with("https://") || address.starts_with("http://") ? address : std::string();
    case AddressKind::postal_address: return {};
  }
  return {};
}

Calendar::Calendar(std::vector<Edition> editions, std::vector<Programme> programmes,
                   std::vector<Policy> policies, std::vector<Window> windows, std::string revision)
    : editions_(std::move(editions)),
      programmes_(std::move(programmes)),
      policies_(std::move(policies)),
      windows_(std::move(windows)),
      revision_(std::move(revision)) {
  std::sort(windows_.begin(), windows_.end(), [](const Window& a, const Window& b) {
    const auto open_key = [](const Window& w) { return w.opens ? w.opens->at : Instant::min(); };
    return std::make_tuple(a.closes.at, open_key(a), a.id()) <
           std::make_tuple(b.closes.at, open_key(b), b.id());
  });
}

const Programme* Calendar::find_programme(std::string_view id) const {
  const auto it = std::find_if(programmes_.begin(), programmes_.end(),
                               [&](const Programme& p) { return p.id == id; });
  return it == programmes_.end() ? nullptr : &*it;
}

const Policy* Calendar::find_policy(std::string_view id) const {
  const auto it = std::find_if(policies_.begin(), policies_.end(),
                               [&](const Policy& p) { return p.id == id; });
  return it == policies_.end() ? nullptr : &*it;
}

const Window* Calendar::find_window(std::string_view window_id) const {
  const auto it = std::find_if(windows_.begin(), windows_.end(), [&](const Window& w) { return w.id() == window_id; });
  return it == windows_.end() ? nullptr : &*it;
}

std::vector<const Window*> Calendar::windows_of(std::string_view programme_id) const {
  std::vector<const Window*> result;
  for (const Window& w : windows_) {
    if (w.programme_id == programme_id) result.push_back(&w);
  }
  return result;
}

}  // namespace deadline
