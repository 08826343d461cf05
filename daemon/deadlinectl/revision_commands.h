#pragma once
// deadlinectl's verbs on calendar revisions: `history` (through the admin API, or offline on the
// database file) and the text `reload` prints. Both read the admin API's JSON shapes
// (admin/admin_json.h revision_json, POST /admin/v1/reload), so a person sees the same lines
// whichever way the data came.

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>

#include "deadlinectl/cli.h"

namespace deadline::ctl {

// Revisions newest first, each with one line per changed window:
//   #3  2026-12-05T10:00:00Z  sighup  calendar 1a2b3c4d  (reason: 通知 2024-11-20)
//       p-move/apply/2024 【延期项目】 moved later: closes 2024-11-20T17:00 → 2024-11-27T17:00 ...
void print_history(const nlohmann::json& revisions, std::ostream& out);

// What a successful reload did: the calendar in force and what changed.
void print_reload(const nlohmann::json& answer, std::ostream& out);

// `changes` (list the staged revision), `changes release N`, `changes drop N [--reason R]`.
struct ChangesRequest {
  std::string verb = "list";   // list | release | drop
  std::int64_t revision = 0;
  std::string reason;
  bool json = false;
  // Offline, how many endpoints a release would tell is judged with this deadlined.toml's
  // [schedule] leads, send time and horizon; empty: the built-in defaults (as a daemon without one).
  std::filesystem::path config;
};
// Through the admin API (--admin) or offline on the database file: exit 0, 1 when the store or
// daemon refuses (not staged, unreachable).
int changes_command(const Globals& globals, const ChangesRequest& request, std::ostream& out, std::ostream& err);

// `history [--programme P] [--limit N] [--json]`: exit 0, 1 when the store or daemon fails,
// 2 on usage.
int history_command(const Globals& globals, const std::string& programme, int limit, bool json, std::ostream& out,
                    std::ostream& err);

}  // namespace deadline::ctl
