#pragma once
// GET /programmes/{id}: everything the calendar knows about one programme, and all its windows.
// Pure: the caller finds the programme (404 when there is none) and sends the result with
// http::html_response.

#include <string>

#include "calendar/calendar.h"
#include "web/change_record.h"
#include "time/instant.h"

namespace deadline::web {

// In the order a clerk needs it: the title (the heading); 下一个截止, the soonest window still
// open at `now` (not withdrawn); 如何申报: contact, phones ("（区号为推定）" where the area code
// was inferred), where to submit, the original notice's link, and a link "订阅此项目的提醒" to
// /?programme={id}#subscribe (the home page's form, ticked: web/subscribe_form.h
// subscribe_form_from_link); 申报时间: every window of it in the calendar, soonest close first,
// each with 已确认 / 预计, 已截止 once closed at `now`, opening and close, the phrase verbatim and
// who acts; then 项目信息: authority, group, category, the (long) eligibility text, the edition
// and page it is printed on, whether it recurs yearly and why.
// `programme` must belong to `calendar`.
// With a `public_url`, a section offers this programme's calendar feed (web/feed_links.h).
// Last, its 变更记录 (web/change_record.h): `changes`, newest first.
std::string programme_page(const Calendar& calendar, const Programme& programme, Instant now,
                           std::string_view public_url = {}, const std::vector<ChangeEntry>& changes = {});

// The page of a programme a released revision removed from the calendar, from its 变更记录
// (`changes`, newest first, not empty): what it was called, that it is no longer in the
// calendar, its windows withdrawn until their old close, and the record itself — so a link a
// clerk saved still explains what happened instead of a bare 404.
std::string removed_programme_page(const std::vector<ChangeEntry>& changes, Instant now);

}  // namespace deadline::web
