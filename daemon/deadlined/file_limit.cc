#include "deadlined/file_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "base/log.h"

namespace deadline::daemon {

void raise_file_limit(std::size_t wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max && limit.rlim_cur < wanted) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? static_cast<rlim_t>(wanted) : limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      limit = raised;
    } else {
      log::warning("daemon", std::string("could not raise the open-file limit: ") + std::strerror(errno));
    }
  }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    log::warning("daemon", "open-file limit " + std::to_string(limit.rlim_cur) + " (hard " +
                               std::to_string(limit.rlim_max) + ") is below the " + std::to_string(wanted) +
                               " that [http] max_connections needs with the store and outbound connections; "
                               "raise LimitNOFILE or lower max_connections");
  }
}

}  // namespace deadline::daemon
