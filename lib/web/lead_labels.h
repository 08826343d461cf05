#pragma once
// What a reminder point (lib/schedule/lead.h) is called on the pages: the operator's menu is
// written "open", "30d", "closing-day", "2h"; subscribers read Chinese.

#include <string>

#include "schedule/lead.h"

namespace deadline::web {

// "开始申报时", "截止前30天", "截止当天", "截止前2小时".
std::string lead_label(const Lead& lead);

}  // namespace deadline::web
