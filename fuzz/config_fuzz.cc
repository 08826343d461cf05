// The configuration loader (lib/config/config.h load_config_file) on arbitrary TOML, written to a
// scratch file (the loader reads paths only).
//
// Invariants: nothing throws; every error is "FILE:LINE: ..."; a configuration accepted without
// errors holds only what the loader promises to check: a listen address that parses, an admin
// listen address that admin_listen_problem accepts, a non-empty lead menu without repeats,
// retry delays within their bounds, and http_limits() of it works.

#include <algorithm>
#include <cctype>

#include "config/config.h"
#include "fuzz_support.h"
#include "http/endpoint.h"

using namespace deadline;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fuzz::ScratchFile file("deadlined.toml");
  const std::filesystem::path& path = file.write(fuzz::as_text(data, size));

  fuzz::no_throw([&] {
    const ConfigOutcome outcome = load_config_file(path);
    const std::string prefix = path.string() + ":";
    for (const std::string& error : outcome.errors) {
      std::size_t i = prefix.size();
      FUZZ_CHECK(error.starts_with(prefix));
      while (i < error.size() && std::isdigit(static_cast<unsigned char>(error[i]))) ++i;
      FUZZ_CHECK(i > prefix.size() && error.compare(i, 2, ": ") == 0);
    }
    if (!outcome.errors.empty()) return;

    const Config& config = outcome.config;
    FUZZ_CHECK(static_cast<bool>(http::parse_endpoint(config.listen)));
    FUZZ_CHECK(admin_listen_problem(config.admin.listen, config.admin.allow_remote).empty());
    FUZZ_CHECK(!config.leads.empty());
    for (std::size_t i = 0; i < config.leads.size(); ++i) {
      FUZZ_CHECK(std::find(config.leads.begin() + static_cast<std::ptrdiff_t>(i) + 1, config.leads.end(),
                           config.leads[i]) == config.leads.end());
    }
    for (const std::chrono::seconds delay : config.retry_delays) {
      FUZZ_CHECK(delay.count() >= 1 && delay.count() <= 7 * 86400);
    }
    FUZZ_CHECK(config.max_connections >= 1 && config.max_connections_per_ip >= 1);
    (void)http_limits(config);
  });
  return 0;
}
