#pragma once
// The programme calendar as loaded: editions, programmes, policies and their windows.
// A Calendar is an immutable snapshot with a revision; the daemon swaps whole snapshots.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calendar/bound.h"
#include "domain/window_status.h"
#include "time/instant.h"

namespace deadline {

struct SourceLocation {
  std::string file;
  long line = 0;
  std::string str() const { return file + ":" + std::to_string(line); }
};

// Who must act by the close, for filtering; the printed actor is kept beside it.
enum class Role { enterprise, recommender, authority };

std::string_view to_chinese(Role role);               // "企业" / "推荐单位" / "主管部门"
std::optional<Role> parse_role(std::string_view chinese);

// An address the handbook prints for a programme (docs/calendar-format.md, Addresses).
enum class AddressKind { submission_system, mailbox, forms_page, postal_address };

std::string_view to_string(AddressKind kind);  // "submission_system", "mailbox", ...
std::optional<AddressKind> parse_address_kind(std::string_view text);

struct Address {
  AddressKind kind = AddressKind::submission_system;
  std::string printed;                           // exactly as printed: a substring of the handbook
  std::string name;                              // the system's name as printed; may be empty
  bool misprint = false;                         // shown as printed, marked 原文如此, never linked
  std::string corrected;                         // the right address, only with a misprint and a source
  std::string correction_source;                 // where the correction comes from
  SourceLocation source;

  // Where a link may point: a submission system or forms page printed (or corrected) as an
  // http(s) URL, a mailbox as mailto:; "" for a postal address, a host without a scheme, or a
  // misprint without a recorded correction.
  std::string href() const;
};

struct Edition {
  std::string id;
  std::string title;
  std::string publisher;
  std::string disclaimer;
  int year = 0;                                  // supplies years the text leaves out
  const date::time_zone* zone = nullptr;
  SourceLocation source;
};

struct Phone {
  std::string number;
  bool area_code_inferred = false;
};

// The chain rule (calendar/chain_rule.h) capped an estimate at the confirmed close of a later
// step of the same programme and cycle: the window's `closes` is then that close, and this says
// what was printed and why.
struct ChainCap {
  Bound printed_closes;                          // the estimate's own close, as written
  std::string by_window;                         // id of the later step's confirmed window
  SourceLocation by_source;                      // where that window is written
  std::string reason;                            // for people: "推荐单位须于…前完成推荐，请尽早向推荐单位提交"
};

struct Window {
  std::string programme_id;
  std::string key;                               // which step: "apply", "recommend", ...
  int cycle = 0;                                 // the yearly round it belongs to
  std::string phrase;                            // verbatim; always shown
  WindowStatus status = WindowStatus::estimated; // cancelled: a notice withdrew it (no reminders)
  NoticeSource notice;                           // the notice that dated, moved or withdrew it
  std::string actor;                             // as printed
  Role role = Role::enterprise;
  std::optional<Bound> opens;
  Bound closes;
  std::string year_from;                         // "", "title" or "edition"
  std::optional<int> projected_from;             // set on projections: the cycle copied
  std::optional<ChainCap> cap;                   // set when the chain rule moved `closes` earlier
  const date::time_zone* zone = nullptr;         // the edition's zone, for showing times
  SourceLocation source;

  // programme/key/cycle: stable across reloads and across an estimate becoming confirmed.
  std::string id() const { return programme_id + "/" + key + "/" + std::to_string(cycle); }
  bool estimated() const { return status == WindowStatus::estimated; }
  bool cancelled() const { return status == WindowStatus::cancelled; }
};

struct Programme {
  std::string id;
  int number = 0;
  int page = 0;
  std::string edition_id;
  std::string title;
  std::string group;                             // 工业和信息化部门 / 科学技术部门 / 其他部门
  std::string category;                          // 资金引导 / 认定培育
  std::string contact;
  std::string authority;                         // empty when the text names none
  std::vector<Phone> phones;
  std::vector<Address> addresses;                // as printed: systems, mailboxes, forms pages, postal
  std::string link;
  std::string eligibility;
  bool recurs = false;
  std::string recurs_reason;
  std::vector<Window> written_windows;           // as in the file, before projection
  SourceLocation source;
};

struct Policy {
  std::string id;
  int number = 0;
  int page = 0;
  std::string edition_id;
  std::string title;
  std::string summary;
  std::string period_phrase;
  std::optional<Bound> in_force_from;
  std::optional<Bound> in_force_until;
  const date::time_zone* zone = nullptr;
  SourceLocation source;
};

class Calendar {
 public:
  Calendar() = default;
  Calendar(std::vector<Edition> editions, std::vector<Programme> programmes,
           std::vector<Policy> policies, std::vector<Window> windows, std::string revision);

  const std::vector<Edition>& editions() const { return editions_; }
  const std::vector<Programme>& programmes() const { return programmes_; }
  const std::vector<Policy>& policies() const { return policies_; }
  // Effective windows (written and projected, confirmed ones replacing their estimates),
  // ordered by close, then open, then id.
  const std::vector<Window>& windows() const { return windows_; }
  // A short hash of every source file's name and bytes: equal revisions, equal calendars.
  const std::string& revision() const { return revision_; }

  const Programme* find_programme(std::string_view id) const;
  const Policy* find_policy(std::string_view id) const;
  std::vector<const Window*> windows_of(std::string_view programme_id) const;
  const Window* find_window(std::string_view window_id) const;

 private:
  std::vector<Edition> editions_;
  std::vector<Programme> programmes_;
  std::vector<Policy> policies_;
  std::vector<Window> windows_;
  std::string revision_;
};

}  // namespace deadline
