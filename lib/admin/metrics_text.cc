#include "admin/metrics_text.h"

namespace deadline::admin {

namespace {

constexpr const char* kMessageStates[] = {"pending", "sending", "retry", "delivered", "dead", "expired"};

void family(std::string& out, std::string_view name, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" gauge\n");
}

void sample(std::string& out, std::string_view name, std::string_view label, std::string_view value,
            std::int64_t number) {
  out.append(name).append("{").append(label).append("=\"").append(escape_label_value(value)).append("\"} ");
  out.append(std::to_string(number)).append("\n");
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string metrics_text(const MetricsInput& input) {
  std::string out;
  family(out, "deadlined_build_info", "The running deadlined's version; always 1.");
  sample(out, "deadlined_build_info", "version", input.version, 1);
  family(out, "deadlined_messages", "Messages in the outbox, by state.");
  std::map<std::string, std::int64_t> messages = input.messages;
  for (const char* state : kMessageStates) messages.try_emplace(state, 0);
  for (const auto& [state, count] : messages) sample(out, "deadlined_messages", "state", state, count);
  family(out, "deadlined_calendar_revision_info", "The calendar revision in force; always 1.");
  if (input.calendar_revision) sample(out, "deadlined_calendar_revision_info", "revision", *input.calendar_revision, 1);
  return out;
}

}  // namespace deadline::admin
