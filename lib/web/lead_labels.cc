#include "web/lead_labels.h"

namespace deadline::web {

std::string lead_label(const Lead& lead) {
  switch (lead.kind) {
    case LeadKind::opens: return "开始申报时";
    case LeadKind::days_before: return "截止前" + std::to_string(lead.amount) + "天";
    case LeadKind::closing_day: return "截止当天";
    case LeadKind::hours_before: return "截止前" + std::to_string(lead.amount) + "小时";
  }
  return lead.id;
}

}  // namespace deadline::web
