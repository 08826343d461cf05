#pragma once
// How sure a window's dates are: estimated (the handbook's 申报时间 months, 仅供参考), confirmed (a
// dated notice), or cancelled (a notice withdrew the call: docs/calendar-format.md). Shared by
// the calendar, the revisions the store keeps and the diff between them.

#include <optional>
#include <string>
#include <string_view>

#include "domain/state_names.h"

namespace deadline {

enum class WindowStatus { confirmed, estimated, cancelled };
inline constexpr StateNames<WindowStatus, 3> kWindowStatuses{{{
    {WindowStatus::confirmed, "confirmed"},
    {WindowStatus::estimated, "estimated"},
    {WindowStatus::cancelled, "cancelled"},
}}};
inline std::string_view to_string(WindowStatus status) { return kWindowStatuses.name(status); }
inline std::optional<WindowStatus> parse_window_status(std::string_view text) { return kWindowStatuses.parse(text); }

// The notice a window's dates come from — the one that dated, moved or withdrew it — as printed,
// so that a reader can check a change against it. Empty title: the window names none.
struct NoticeSource {
  std::string title;
  std::string issuer;
  std::string date;                       // YYYY-MM-DD, as the notice is dated
  std::string url;                        // may be empty
  bool empty() const { return title.empty(); }
  bool operator==(const NoticeSource&) const = default;
};

}  // namespace deadline
