// The gate in front of the store (store/gated_store.h): firing and sending pause while it is
// closed, and the store counts as unreachable then (/healthz), whatever its last call found.

#include <doctest/doctest.h>

#include <atomic>
#include <memory>

#include "store/gated_store.h"
#include "store/sqlite_store.h"
#include "test_support.h"

using namespace deadline;

TEST_CASE("a gated store is unreachable while its gate is closed, and claims nothing") {
  const test::TempDir dir;
  auto opened = store::SqliteStore::open(dir / "db.sqlite");
  REQUIRE(opened.ok());
  auto open = std::make_shared<std::atomic<bool>>(true);
  store::GatedStore gated(std::move(opened.value()), open, "the owner lock is lost");
  CHECK(gated.reachable());
  CHECK(gated.claim_ready(Instant{}, {EndpointKind::webhook}, 10, 4).ok());

  open->store(false);  // the owner lock's connection is gone
  CHECK_FALSE(gated.reachable());
  const auto claimed = gated.claim_ready(Instant{}, {EndpointKind::webhook}, 10, 4);
  REQUIRE_FALSE(claimed.ok());
  CHECK(claimed.error().find("store unavailable") != std::string::npos);
  CHECK(claimed.error().find("paused: the owner lock is lost") != std::string::npos);

  open->store(true);  // held again
  CHECK(gated.reachable());
}

TEST_CASE("a store paused by the calendar's gate pauses the same calls but stays reachable") {
  const test::TempDir dir;
  auto opened = store::SqliteStore::open(dir / "db.sqlite");
  REQUIRE(opened.ok());
  auto open = std::make_shared<std::atomic<bool>>(false);
  store::GatedStore gated(std::move(opened.value()), open, "out of step",
                          store::GatedStore::WhenClosed::reachable_as_the_store_says);
  CHECK(gated.reachable());
  CHECK_FALSE(gated.claim_ready(Instant{}, {EndpointKind::webhook}, 10, 4).ok());
}
