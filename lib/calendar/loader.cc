#include "calendar/loader.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "base/sha256.h"
#include "base/toml_reader.h"
#include "calendar/chain_rule.h"
#include "calendar/checks.h"
#include "calendar/edition_merge.h"
#include "time/zone.h"

namespace deadline {

namespace {

namespace fs = std::filesystem;

// A bound string; resolved in `zone` when the zone is known.
std::optional<Bound> read_bound(TableReader& r, std::string_view key, BoundSide side,
                                const date::time_zone* zone, bool required) {
  const std::string written = r.text(key, required);
  if (written.empty()) return std::nullopt;
  const long at = r.line(key);
  const Result<BoundSpec> spec = parse_bound(written, side);
  if (!spec) {
    r.error(at, std::string(key) + ": " + spec.error());
    return std::nullopt;
  }
  if (!zone) return std::nullopt;  // the zone's own error is already reported
  const Result<Instant> instant = resolve_bound(*spec, side, *zone);
  if (!instant) {
    r.error(at, std::string(key) + ": " + instant.error());
    return std::nullopt;
  }
  return Bound{*spec, *instant};
}

// Everything read so far, across files. Ids are unique within a file; across files a later
// edition may print a programme or policy again (edition_merge.h), but never as the other kind.
struct Collected {
  std::vector<Edition> editions;
  std::vector<Programme> programmes;
  std::vector<Policy> policies;
  std::map<std::string, SourceLocation> file_ids;     // programme and policy ids, this file
  std::map<std::string, SourceLocation> edition_ids;
  std::map<std::string, std::pair<std::string, SourceLocation>> kinds;  // id → kind, first place
  std::vector<std::string> errors;

  void claim_entry(const std::string& id, const SourceLocation& where, const std::string& kind) {
    if (!claim(file_ids, id, where, "programme or policy")) return;
    const auto [it, inserted] = kinds.emplace(id, std::make_pair(kind, where));
    if (!inserted && it->second.first != kind) {
      errors.push_back(where.str() + ": " + kind + " id '" + id + "' is a " + it->second.first +
                       " at " + it->second.second.str());
    }
  }

  // Records `id` at `where`; false (with an error) when it was already taken.
  bool claim(std::map<std::string, SourceLocation>& taken, const std::string& id,
             const SourceLocation& where, const std::string& what) {
    const auto [it, inserted] = taken.emplace(id, where);
    if (!inserted) {
      errors.push_back(where.str() + ": duplicate " + what + " id '" + id +
                       "' (first defined at " + it->second.str() + ")");
    }
    return inserted;
  }
};

std::optional<Edition> read_edition(const toml::table& root, const std::string& file,
                                    Collected& out) {
  const toml::table* table = root.get_as<toml::table>("edition");
  if (!table) {
    out.errors.push_back(file + ":1: missing [edition] table");
    return std::nullopt;
  }
  TableReader r(*table, "edition", file, out.errors);
  Edition e;
  e.source = {file, r.line()};
  e.id = r.text("id");
  if (!e.id.empty() && !is_valid_id(e.id)) r.error(r.line("id"), "malformed id '" + e.id + "'");
  r.set_context("edition '" + e.id + "'");
  e.title = r.text("title");
  e.publisher = r.text("publisher");
  e.disclaimer = r.text("disclaimer", false);
  e.year = r.integer("year", 1990, 2100).value_or(0);
  const std::string zone_name = r.text("zone");
  if (!zone_name.empty()) {
    e.zone = find_zone(zone_name);
    if (!e.zone) r.error(r.line("zone"), "unknown time zone '" + zone_name + "'");
  }
  r.reject_unknown_keys();
  if (!e.id.empty()) out.claim(out.edition_ids, e.id, e.source, "edition");
  return e;
}

void read_phones(TableReader& r, Programme& p, std::vector<std::string>& errors,
                 const std::string& file, const std::string& context) {
  for (const toml::table* t : r.tables("phones", false)) {
    TableReader pr(*t, context + " phone", file, errors);
    Phone phone;
    phone.number = pr.text("number");
    phone.area_code_inferred = pr.boolean("area_code_inferred", false).value_or(false);
    if (!phone.number.empty() && !is_valid_phone(phone.number)) {
      pr.error(pr.line("number"),
               "malformed phone '" + phone.number + "' (expected 0AA-NNNNNNNN with its area code)");
    }
    pr.reject_unknown_keys();
    p.phones.push_back(std::move(phone));
  }
}

// The shape a printed (or corrected) address of `kind` must have; "" when it has it.
std::string address_problem(AddressKind kind, const std::string& address) {
  switch (kind) {
    case AddressKind::submission_system:
      if (is_valid_host_or_url(address)) return {};
      return "malformed submission system '" + address + "' (expected a host name or an http:// or https:// URL)";
    case AddressKind::forms_page:
      if (is_valid_host_or_url(address)) return {};
      return "malformed forms page '" + address + "' (expected a host name or an http:// or https:// URL)";
    case AddressKind::mailbox:
      if (is_valid_mailbox(address)) return {};
      return "malformed mailbox '" + address + "' (expected name@host)";
    case AddressKind::postal_address:
      return {};  // non-empty, as every string
  }
  return {};
}

void read_addresses(TableReader& r, Programme& p, std::vector<std::string>& errors, const std::string& file,
                    const std::string& context) {
  for (const toml::table* t : r.tables("address", false)) {
    TableReader ar(*t, context + " address", file, errors);
    Address a;
    a.source = {file, ar.line()};
    const std::string kind =
        ar.one_of("kind", {"submission_system", "mailbox", "forms_page", "postal_address"});
    a.kind = parse_address_kind(kind).value_or(a.kind);
    a.printed = ar.text("printed");
    a.name = ar.text("name", false);
    a.misprint = ar.boolean("misprint", false).value_or(false);
    a.corrected = ar.text("corrected", false);
    a.correction_source = ar.text("correction_source", false);
    // A misprint is recorded as printed, whatever its shape: it is never linked.
    if (!kind.empty() && !a.printed.empty() && !a.misprint) {
      if (const std::string problem = address_problem(a.kind, a.printed); !problem.empty()) {
        ar.error(ar.line("printed"), problem);
      }
    }
    if (!a.corrected.empty()) {
      if (!a.misprint) ar.error(ar.line("corrected"), "'corrected' needs misprint = true: only a misprint is corrected");
      if (a.correction_source.empty()) {
        ar.error(ar.line("corrected"), "'corrected' needs 'correction_source': where the correction comes from");
      }
      if (!kind.empty()) {
        if (const std::string problem = address_problem(a.kind, a.corrected); !problem.empty()) {
          ar.error(ar.line("corrected"), "corrected: " + problem);
        }
      }
    } else if (!a.correction_source.empty()) {
      ar.error(ar.line("correction_source"), "'correction_source' without 'corrected'");
    }
    ar.reject_unknown_keys();
    p.addresses.push_back(std::move(a));
  }
}

// A window's `source`: the notice that dated, moved or withdrew it, as printed.
NoticeSource read_notice(TableReader& window, const std::string& file, std::vector<std::string>& errors) {
  const toml::node* node = window.find("source", false);
  if (!node) return {};
  const toml::table* table = node->as_table();
  if (!table) {
    window.error(line_of(*node), "'source' must be a table: { title, issuer, date, url }");
    return {};
  }
  TableReader r(*table, window.context() + " source", file, errors);
  NoticeSource s;
  s.title = r.text("title");
  s.issuer = r.text("issuer");
  s.date = r.text("date");
  if (!s.date.empty()) {
    const auto day = parse_bound(s.date, BoundSide::opens);
    if (!day || day->precision != Precision::day || s.date.size() != 10) {
      r.error(r.line("date"), "date must be the notice's day, YYYY-MM-DD, not '" + s.date + "'");
    }
  }
  s.url = r.text("url", false);
  if (!s.url.empty() && !is_valid_link(s.url)) {
    r.error(r.line("url"), "malformed url '" + s.url + "' (expected an http:// or https:// URL)");
  }
  r.reject_unknown_keys();
  return s;
}

std::optional<Window> read_window(const toml::table& table, const Programme& p, const Edition& e,
                                  const std::string& file, std::vector<std::string>& errors) {
  const std::string programme_context = "programme '" + p.id + "' window";
  TableReader r(table, programme_context, file, errors);
  const std::size_t errors_before = errors.size();
  Window w;
  w.programme_id = p.id;
  w.zone = e.zone;
  w.source = {file, r.line()};
  w.key = r.text("key");
  if (!w.key.empty() && !is_valid_window_key(w.key)) {
    r.error(r.line("key"), "malformed key '" + w.key + "'");
  }
  r.set_context(programme_context + " '" + w.key + "'");
  w.phrase = r.text("phrase");
  w.status = parse_window_status(r.one_of("status", {"confirmed", "estimated", "cancelled"})).value_or(w.status);
  w.actor = r.text("actor");
  w.role = parse_role(r.one_of("role", {"企业", "推荐单位", "主管部门"})).value_or(w.role);
  w.cycle = r.integer("cycle", e.year - 1, e.year + 1, false).value_or(e.year);
  w.year_from = r.one_of("year_from", {"title", "edition"}, false);
  w.opens = read_bound(r, "opens", BoundSide::opens, e.zone, false);
  const std::optional<Bound> closes = read_bound(r, "closes", BoundSide::closes, e.zone, true);
  if (closes) w.closes = *closes;
  w.notice = read_notice(r, file, errors);
  if (w.cancelled() && w.notice.empty()) {
    r.error(r.line("status"), "a cancelled window names the notice that withdrew it: add source = { title, issuer, date, url }");
  }
  if (w.opens && closes && !(w.opens->at < closes->at)) {
    r.error(r.line("closes"), "window closes (" + closes->spec.text() + ") before it opens (" +
                                  w.opens->spec.text() + ")");
  }
  r.reject_unknown_keys();
  if (errors.size() != errors_before || !closes) return std::nullopt;
  return w;
}

void read_programme(const toml::table& table, const Edition& e, const std::string& file,
                    Collected& out) {
  TableReader r(table, "programme", file, out.errors);
  Programme p;
  p.source = {file, r.line()};
  p.edition_id = e.id;
  p.id = r.text("id");
  if (!p.id.empty() && !is_valid_id(p.id)) r.error(r.line("id"), "malformed id '" + p.id + "'");
  const std::string context = "programme '" + p.id + "'";
  r.set_context(context);
  p.number = r.integer("number", 1, 999).value_or(0);
  p.page = r.integer("page", 1, 9999).value_or(0);
  p.title = r.text("title");
  p.group = r.one_of("group", {"工业和信息化部门", "科学技术部门", "其他部门"});
  p.category = r.one_of("category", {"资金引导", "认定培育"});
  p.contact = r.text("contact");
  p.authority = r.text("authority", false);
  read_phones(r, p, out.errors, file, context);
  read_addresses(r, p, out.errors, file, context);
  p.link = r.text("link");
  if (!p.link.empty() && !is_valid_link(p.link)) {
    r.error(r.line("link"), "malformed link '" + p.link + "' (expected an http:// or https:// URL)");
  }
  p.eligibility = r.text("eligibility");
  p.recurs = r.boolean("recurs").value_or(false);
  p.recurs_reason = r.text("recurs_reason");
  const auto windows = r.tables("window", true);
  r.reject_unknown_keys();
  if (windows.empty() && table.contains("window")) r.error(r.line(), "has no window");
  for (const toml::table* w : windows) {
    if (auto window = read_window(*w, p, e, file, out.errors)) p.written_windows.push_back(*window);
  }
  if (!p.id.empty()) out.claim_entry(p.id, p.source, "programme");
  out.programmes.push_back(std::move(p));
}

void read_policy(const toml::table& table, const Edition& e, const std::string& file,
                 Collected& out) {
  TableReader r(table, "policy", file, out.errors);
  Policy p;
  p.source = {file, r.line()};
  p.edition_id = e.id;
  p.zone = e.zone;
  p.id = r.text("id");
  if (!p.id.empty() && !is_valid_id(p.id)) r.error(r.line("id"), "malformed id '" + p.id + "'");
  r.set_context("policy '" + p.id + "'");
  p.number = r.integer("number", 1, 999).value_or(0);
  p.page = r.integer("page", 1, 9999).value_or(0);
  p.title = r.text("title");
  p.summary = r.text("summary");
  p.period_phrase = r.text("period_phrase");
  p.in_force_from = read_bound(r, "in_force_from", BoundSide::opens, e.zone, false);
  p.in_force_until = read_bound(r, "in_force_until", BoundSide::closes, e.zone, false);
  if (p.in_force_from && p.in_force_until && !(p.in_force_from->at < p.in_force_until->at)) {
    r.error(r.line("in_force_until"), "period ends (" + p.in_force_until->spec.text() +
                                          ") before it starts (" + p.in_force_from->spec.text() + ")");
  }
  r.reject_unknown_keys();
  if (!p.id.empty()) out.claim_entry(p.id, p.source, "policy");
  out.policies.push_back(std::move(p));
}

void check_duplicate_windows(Collected& out) {
  // Two written windows with one id and one status would make "which is right?" a guess; so would
  // a confirmed and a cancelled one (both dated notices).
  std::map<std::string, SourceLocation> seen;
  for (const Programme& p : out.programmes) {
    for (const Window& w : p.written_windows) {
      const std::string key = w.id() + (w.estimated() ? " estimated" : " dated");
      const auto [it, inserted] = seen.emplace(key, w.source);
      if (!inserted) {
        out.errors.push_back(w.source.str() + ": programme '" + p.id + "' window '" + w.key +
                             "': duplicate " + std::string(to_string(w.status)) + " window for cycle " +
                             std::to_string(w.cycle) + " (first defined at " + it->second.str() + ")");
      }
    }
  }
}

// `file` names the file in messages; `name` (its file name) and `content` make the revision hash.
void parse_file(const std::string& file, const std::string& name, const std::string& content, Collected& out,
                std::string& revision_input) {
  revision_input += name + '\0' + content + '\0';

  out.file_ids.clear();
  toml::table root;
  try {
    root = toml::parse(content, file);
  } catch (const toml::parse_error& e) {
    out.errors.push_back(file + ":" + std::to_string(e.source().begin.line) +
                         ": TOML syntax: " + std::string(e.description()));
    return;
  }
  for (const auto& [key, node] : root) {
    const std::string_view k = key.str();
    if (k != "edition" && k != "programme" && k != "policy") {
      out.errors.push_back(file + ":" + std::to_string(key.source().begin.line) +
                           ": unknown top-level key '" + std::string(k) + "'");
    }
  }
  const std::optional<Edition> edition = read_edition(root, file, out);
  if (!edition) return;
  TableReader top(root, "file", file, out.errors);
  for (const toml::table* t : top.tables("policy", false)) read_policy(*t, *edition, file, out);
  for (const toml::table* t : top.tables("programme", false)) read_programme(*t, *edition, file, out);
  out.editions.push_back(*edition);
}

// Everything read turned into a calendar, or the errors why not.
LoadOutcome finish_loading(Collected collected, const std::string& revision_input, const ProjectionOptions& options) {
  collected.programmes =
      merge_programmes(std::move(collected.programmes), collected.editions, collected.errors);
  collected.policies = merge_policies(std::move(collected.policies), collected.editions, collected.errors);
  check_duplicate_windows(collected);
  if (collected.errors.empty() && collected.editions.empty()) {
    collected.errors.push_back("no calendar files (*.toml) found");
  }
  LoadOutcome outcome;
  if (collected.errors.empty()) {
    std::vector<Window> windows = effective_windows(collected.editions, collected.programmes,
                                                    options, collected.errors);
    outcome.notes = apply_chain_rule(windows, collected.errors);
    if (collected.errors.empty()) {
      outcome.calendar = Calendar(std::move(collected.editions), std::move(collected.programmes),
                                  std::move(collected.policies), std::move(windows),
                                  sha256_hex(revision_input).substr(0, 12));
    }
  }
  outcome.errors = std::move(collected.errors);
  return outcome;
}

}  // namespace

LoadOutcome load_calendar_files(const std::vector<fs::path>& files, const ProjectionOptions& options) {
  Collected collected;
  std::string revision_input;
  CalendarFiles read;
  for (const fs::path& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      collected.errors.push_back(path.string() + ":0: cannot read file");
      continue;
    }
    std::ostringstream bytes;
    bytes << in.rdbuf();
    read.push_back({path.filename().string(), bytes.str()});
    parse_file(path.string(), read.back().name, read.back().text, collected, revision_input);
  }
  LoadOutcome outcome = finish_loading(std::move(collected), revision_input, options);
  outcome.files = std::move(read);
  return outcome;
}

LoadOutcome load_calendar_texts(const CalendarFiles& files, const ProjectionOptions& options) {
  Collected collected;
  std::string revision_input;
  for (const CalendarFile& f : files) parse_file(f.name, f.name, f.text, collected, revision_input);
  LoadOutcome outcome = finish_loading(std::move(collected), revision_input, options);
  outcome.files = files;
  return outcome;
}

LoadOutcome load_calendar_dir(const fs::path& dir, const ProjectionOptions& options) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".toml" && it->is_regular_file()) files.push_back(it->path());
  }
  if (ec) {
    LoadOutcome outcome;
    outcome.errors.push_back(dir.string() + ": cannot read directory: " + ec.message());
    return outcome;
  }
  std::sort(files.begin(), files.end());
  LoadOutcome outcome = load_calendar_files(files, options);
  if (files.empty()) outcome.errors = {dir.string() + ": no calendar files (*.toml) found"};
  return outcome;
}

fs::path default_calendar_dir() {
  const fs::path installed = DEADLINED_INSTALLED_CALENDARS;
  std::error_code ec;
  if (fs::is_directory(installed, ec)) return installed;
  return DEADLINED_SOURCE_CALENDARS;
}

}  // namespace deadline
