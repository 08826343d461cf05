#pragma once
// The parts of the calendar pages (web/home_page.h, web/programme_page.h) that both show: a
// window as a list item, the programme link, the sources and their disclaimer, and the styles
// they need beyond web::page()'s frame.

#include <string>
#include <string_view>

#include "calendar/calendar.h"
#include "time/instant.h"

namespace deadline::web {

// A <style> element for the body (page() takes no head extras; every browser applies it there).
// Also darkens page()'s focus ring (#f0a500 is 2.1:1 against white; this one is 5.3:1).
std::string_view calendar_style();

// "/programmes/{id}" and "/?programme={id}#subscribe" (the home page's form, that programme
// ticked: web/subscribe_form.h subscribe_form_from_link), the id percent-encoded.
std::string programme_href(std::string_view programme_id);
std::string subscribe_href(std::string_view programme_id);

// One window as an <li>: 已确认 / 预计 (and 已截止 once closed) as text badges, the close (and the
// opening when it says more), days left, the phrase verbatim, who acts. With `titled`, the
// programme's title comes first as a link to its page (home page); without, it does not (the
// programme page, where the title is the heading).
std::string window_item(const Programme& programme, const Window& window, Instant now, bool titled);

// Where the data comes from: each edition's title and publisher, and its disclaimer.
std::string sources_note(const Calendar& calendar);

}  // namespace deadline::web
