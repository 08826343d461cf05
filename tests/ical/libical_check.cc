// libical_check: an iCalendar object judged by libical itself, the library many calendar clients
// and servers (Evolution, KDE PIM, Cyrus) parse with, rather than by the writer's own tests or
// python3-icalendar alone.
//
//   libical_check [--min-events N] [--assume-method M] [--print] [FILE]   (no FILE or "-": stdin)
//
// It parses the text (icalparser_parse_string), runs icalrestriction_check() on every VCALENDAR
// (the iTIP restrictions of RFC 5546 for the calendar's METHOD: with METHOD:PUBLISH a VEVENT needs
// exactly one ORGANIZER, one DTSTAMP, ...; without METHOD the plain RFC 5545 ones), then prints
// every X-LIC-ERROR property libical left in the tree (parse problems and failed restrictions)
// as "libical_check: <component> <n>: <error>". Exit 0: nothing wrong, and at least N VEVENTs
// (default 1); 1: any error or too few events; 2: usage or unreadable input.
// --assume-method PUBLISH checks a calendar that has no METHOD (a subscribed feed) as if it were
// a METHOD:PUBLISH one: a feed is a publication too, and its events are the very ones the mails
// carry with METHOD:PUBLISH, so they are held to the same rules.
// --print writes each VEVENT's UID and its ORGANIZER as libical decoded it (CN and address), so a
// test can compare what a client reads with what was meant: "VEVENT <uid>\tORGANIZER\t<CN>\t<address>",
// with `\` tab and line ends in the values written `\\` `\t` `\n` `\r`.

#include <libical/ical.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace {

// Every X-LIC-ERROR in `component` and below, named by the component kind and its index.
int report_errors(icalcomponent* component, const std::string& where) {
  int errors = 0;
  for (icalproperty* p = icalcomponent_get_first_property(component, ICAL_XLICERROR_PROPERTY); p != nullptr;
       p = icalcomponent_get_next_property(component, ICAL_XLICERROR_PROPERTY)) {
    const char* text = icalproperty_get_xlicerror(p);
    std::cout << "libical_check: " << where << ": " << (text ? text : "(X-LIC-ERROR without text)") << '\n';
    ++errors;
  }
  int index = 0;
  for (icalcomponent* inner = icalcomponent_get_first_component(component, ICAL_ANY_COMPONENT); inner != nullptr;
       inner = icalcomponent_get_next_component(component, ICAL_ANY_COMPONENT)) {
    const char* kind = icalcomponent_kind_to_string(icalcomponent_isa(inner));
    errors += report_errors(inner, where + " > " + (kind ? kind : "?") + " " + std::to_string(++index));
  }
  return errors;
}

// For --print: one line per event, so a tab, a line end or a backslash in a value is shown escaped.
std::string printable(const char* text) {
  std::string out;
  for (const char* c = text; *c != '\0'; ++c) {
    switch (*c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += *c;
    }
  }
  return out;
}

void print_events(icalcomponent* calendar) {
  for (icalcomponent* event = icalcomponent_get_first_component(calendar, ICAL_VEVENT_COMPONENT); event != nullptr;
       event = icalcomponent_get_next_component(calendar, ICAL_VEVENT_COMPONENT)) {
    const char* uid = icalcomponent_get_uid(event);
    std::cout << "VEVENT " << (uid ? printable(uid) : "(no UID)");
    for (icalproperty* p = icalcomponent_get_first_property(event, ICAL_ORGANIZER_PROPERTY); p != nullptr;
         p = icalcomponent_get_next_property(event, ICAL_ORGANIZER_PROPERTY)) {
      const char* address = icalproperty_get_organizer(p);
      icalparameter* cn = icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER);
      const char* name = cn ? icalparameter_get_cn(cn) : nullptr;
      std::cout << "\tORGANIZER\t" << (name ? printable(name) : "(no CN)") << '\t'
                << (address ? printable(address) : "(no address)");
    }
    std::cout << '\n';
  }
}

int count_events(icalcomponent* calendar) {
  return icalcomponent_count_components(calendar, ICAL_VEVENT_COMPONENT);
}

int usage() {
  std::cerr << "usage: libical_check [--min-events N] [--assume-method M] [--print] [FILE]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int min_events = 1;
  bool print = false;
  std::string assume_method;
  std::string file = "-";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--min-events" && i + 1 < argc) {
      min_events = std::atoi(argv[++i]);
    } else if (arg == "--assume-method" && i + 1 < argc) {
      assume_method = argv[++i];
    } else if (arg == "--print") {
      print = true;
    } else if (arg.starts_with("--") || file != "-") {
      return usage();
    } else {
      file = arg;
    }
  }

  std::string text;
  if (file == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cerr << "libical_check: cannot read " << file << '\n';
      return 2;
    }
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (text.empty() || text.find('\0') != std::string::npos) {
    std::cerr << "libical_check: " << file << ": empty, or not text\n";
    return 2;
  }

  icalerror_set_errors_are_fatal(0);
  icalcomponent* root = icalparser_parse_string(text.c_str());
  if (root == nullptr) {
    std::cout << "libical_check: libical found no component in the input (" << icalerror_strerror(icalerrno) << ")\n";
    return 1;
  }
  // One object is a VCALENDAR; several at the top level come wrapped in an XROOT.
  std::vector<icalcomponent*> calendars;
  if (icalcomponent_isa(root) == ICAL_VCALENDAR_COMPONENT) {
    calendars.push_back(root);
  } else {
    for (icalcomponent* c = icalcomponent_get_first_component(root, ICAL_ANY_COMPONENT); c != nullptr;
         c = icalcomponent_get_next_component(root, ICAL_ANY_COMPONENT)) {
      if (icalcomponent_isa(c) == ICAL_VCALENDAR_COMPONENT) calendars.push_back(c);
    }
  }

  int failures = 0, events = 0;
  if (calendars.empty()) {
    std::cout << "libical_check: no VCALENDAR in the input\n";
    ++failures;
  }
  int index = 0;
  for (icalcomponent* calendar : calendars) {
    ++index;
    if (!assume_method.empty() && icalcomponent_get_first_property(calendar, ICAL_METHOD_PROPERTY) == nullptr) {
      const icalproperty_method method = icalproperty_string_to_method(assume_method.c_str());
      if (method == ICAL_METHOD_NONE || method == ICAL_METHOD_X) {
        std::cerr << "libical_check: unknown method " << assume_method << '\n';
        return 2;
      }
      icalcomponent_add_property(calendar, icalproperty_new_method(method));
      std::cout << "libical_check: VCALENDAR " << index << " has no METHOD; checked as METHOD:" << assume_method << '\n';
    }
    const bool restricted_ok = icalrestriction_check(calendar) != 0;
    const int errors = report_errors(calendar, "VCALENDAR " + std::to_string(index));
    if (!restricted_ok && errors == 0) {
      std::cout << "libical_check: VCALENDAR " << index << ": icalrestriction_check failed\n";
    }
    if (!restricted_ok || errors != 0) ++failures;
    events += count_events(calendar);
    if (print) print_events(calendar);
  }
  if (events < min_events) {
    std::cout << "libical_check: " << events << " VEVENT(s), expected at least " << min_events << '\n';
    ++failures;
  }
  icalcomponent* method_holder = calendars.empty() ? nullptr : calendars.front();
  icalproperty* method = method_holder ? icalcomponent_get_first_property(method_holder, ICAL_METHOD_PROPERTY) : nullptr;
  std::cout << "libical_check: " << (failures == 0 ? "ok" : "FAILED") << ": " << calendars.size()
            << " VCALENDAR(s), " << events << " VEVENT(s), METHOD "
            << (method ? icalproperty_get_value_as_string(method) : "(none)") << " (libical " << ICAL_VERSION << ")\n";
  icalcomponent_free(root);
  return failures == 0 ? 0 : 1;
}
