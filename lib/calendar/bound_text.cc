#include "calendar/bound_text.h"

namespace deadline {

std::string day_for_people(date::year_month_day day) {
  return std::to_string(static_cast<int>(day.year())) + "年" + std::to_string(static_cast<unsigned>(day.month())) +
         "月" + std::to_string(static_cast<unsigned>(day.day())) + "日";
}

namespace {

std::string month_text(date::year_month_day day) {
  return std::to_string(static_cast<int>(day.year())) + "年" + std::to_string(static_cast<unsigned>(day.month())) + "月";
}

std::string two_digits(long value) { return (value < 10 ? "0" : "") + std::to_string(value); }

}  // namespace

std::string close_for_people(const Bound& bound, const date::time_zone& zone, bool estimated) {
  const std::string prefix = estimated ? "预计" : "";
  switch (bound.spec.precision) {
    case Precision::year:
      return prefix + std::to_string(static_cast<int>(bound.spec.date.year())) + "年";
    case Precision::month:
      return prefix + month_text(bound.spec.date);
    case Precision::day:
      return prefix + day_for_people(bound.spec.date) + (bound.spec.before ? "前" : "");
    case Precision::instant: {
      // A close at local midnight is "24:00" of the day before, as the handbook writes it.
      const LocalTime local = zone.to_local(bound.at);
      const date::local_days midnight = date::floor<date::days>(local);
      if (local == midnight) return prefix + day_for_people(date::year_month_day{midnight - date::days{1}}) + " 24:00";
      const date::hh_mm_ss clock{local - midnight};
      return prefix + day_for_people(date::year_month_day{midnight}) + " " + two_digits(clock.hours().count()) + ":" +
             two_digits(clock.minutes().count());
    }
  }
  return prefix + day_for_people(date::year_month_day{date::floor<date::days>(zone.to_local(bound.at))});
}

std::string open_for_people(const Bound& bound, const date::time_zone& zone, bool estimated) {
  if (bound.spec.precision != Precision::instant) return close_for_people(bound, zone, estimated);
  const LocalTime local = zone.to_local(bound.at);
  const date::local_days midnight = date::floor<date::days>(local);
  const std::string day = (estimated ? "预计" : "") + day_for_people(date::year_month_day{midnight});
  if (local == midnight) return day;
  const date::hh_mm_ss clock{local - midnight};
  return day + " " + two_digits(clock.hours().count()) + ":" + two_digits(clock.minutes().count());
}

}  // namespace deadline
