#pragma once
// How long is left until a window closes, in the one wording every page, mail and robot message
// uses for it (issue 21: the site said "还剩约 26 天" where robots said "还剩 26 天").

#include <string>

namespace deadline::wording {

// `days_left`: whole local days until the close (domain days_left: 0 on the closing day, negative
// once closed). A confirmed close: "还剩 7 天", "今天截止", "已截止". An estimated one (the month or
// date the handbook expects, not yet announced): "还剩约 7 天", "预计今天截止", "已截止".
std::string time_left_text(int days_left, bool estimated);

}  // namespace deadline::wording
