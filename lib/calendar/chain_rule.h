#pragma once
// The chain rule. Where a programme's steps form a chain (the applicant submits to a recommending
// unit or 主管部门, which submits onward by a dated deadline), an estimated earlier step must not
// be shown closing after the confirmed close of a later step of the same cycle: reminders planned
// from the handbook's printed month would all come after the one date that is known. The data
// stays as printed; the rule caps the effective window and says why (docs/calendar-format.md,
// "The chain rule").
//
// Steps are ordered by role: 企业 (the applicant) before 推荐单位 before 主管部门. An estimated
// window is capped at the earliest close among the confirmed windows of the same programme and
// cycle whose role comes later and that close before it. A projected estimate is capped only by a
// confirmed window of its own cycle: a past year's date never caps a later year's estimate.
// Pure: no clock, no I/O.

#include <string>
#include <vector>

#include "calendar/calendar.h"

namespace deadline {

// Caps `windows` (the effective windows: after edition merge and projection) in place. Returns
// one note per cap, "file:line: note: ...", naming the places of both windows. A cap that would
// close the window at or before its opening is an error (appended to `errors`): the data then
// contradicts itself and needs a person.
std::vector<std::string> apply_chain_rule(std::vector<Window>& windows, std::vector<std::string>& errors);

// What people read about a cap: "推荐单位须于2024年11月22日前完成推荐，请尽早向推荐单位提交".
std::string chain_cap_reason(const Window& later_step);

}  // namespace deadline
