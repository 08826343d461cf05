#pragma once
// Everything wrong with an endpoint an operator adds (deadlinectl endpoints add, offline or
// through the admin API): its target (endpoint_check.h), its leads, and its filters' values
// against the calendar. One function, so both ways refuse the same things in the same words.

#include <string>

#include "calendar/calendar.h"
#include "store/records.h"

namespace deadline::delivery {

struct NewEndpointProblem {
  std::string field;    // "address", "secret", "lead", "programme", "group", "category" or "role"
  std::string message;  // empty: nothing wrong
};

NewEndpointProblem new_endpoint_problem(const store::NewEndpoint& endpoint, const Calendar& calendar);

}  // namespace deadline::delivery
