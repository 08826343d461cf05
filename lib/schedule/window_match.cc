#include "schedule/window_match.h"

namespace deadline {

std::string authority_text(const Programme& programme) { return programme.authority + " " + programme.contact; }

std::string search_text(const Programme& programme) {
  return programme.title + " " + programme.contact + " " + programme.authority;
}

WindowFacts window_facts(const Programme& programme, const Window& window) {
  return {programme.id,           programme.group,
          programme.category,     authority_text(programme),
          std::string(to_chinese(window.role)), search_text(programme)};
}

}  // namespace deadline
