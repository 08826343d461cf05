#pragma once
// Which window a test reminder to an endpoint is about (the manage page's 发送一条测试提醒 and
// POST /api/v1/manage/{token}/endpoints/{id}/test): something real that the endpoint would be
// reminded of, so a test to a robot that chose 资金引导 never shows a 认定培育 programme. Pure.

#include "calendar/calendar.h"
#include "domain/endpoint.h"
#include "time/instant.h"

namespace deadline {

// The soonest-closing window still open at `now` (not cancelled) that `filters` match
// (domain/window_facts.h: filters_match); nullptr when none is.
const Window* test_window_for(const Calendar& calendar, const EndpointFilters& filters, Instant now);

}  // namespace deadline
