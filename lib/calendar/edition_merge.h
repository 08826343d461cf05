#pragma once
// Handbooks come out every quarter and print most programmes again. A programme (or policy)
// that several editions print is one thing, updated: its fields come from the newest edition
// (by edition year), its windows from all of them, the newest edition's window winning where
// two give the same window id and status. Two editions of the same year printing one id is an
// error: neither can be called newer.

#include <string>
#include <vector>

#include "calendar/calendar.h"

namespace deadline {

std::vector<Programme> merge_programmes(std::vector<Programme> programmes,
                                        const std::vector<Edition>& editions,
                                        std::vector<std::string>& errors);

std::vector<Policy> merge_policies(std::vector<Policy> policies, const std::vector<Edition>& editions,
                                   std::vector<std::string>& errors);

}  // namespace deadline
