// The connection caps (lib/http/connection_limiter.h) without sockets: slots per address and in
// all, exemption for trusted proxies, and slots given back when their connection ends.

#include "http/connection_limiter.h"

#include <doctest/doctest.h>

#include <memory>
#include <vector>

using namespace deadline::http;

TEST_CASE("connection limiter caps one address and not the others") {
  const auto limiter = std::make_shared<ConnectionLimiter>(2, 100);
  ConnectionRefusal why = ConnectionRefusal::total;
  ConnectionSlot a1 = limiter->acquire("192.0.2.1", false, &why);
  CHECK(static_cast<bool>(a1));
  CHECK(why == ConnectionRefusal::none);
  ConnectionSlot a2 = limiter->acquire("192.0.2.1", false);
  CHECK(static_cast<bool>(a2));
  ConnectionSlot a3 = limiter->acquire("192.0.2.1", false, &why);
  CHECK_FALSE(static_cast<bool>(a3));
  CHECK(why == ConnectionRefusal::per_address);
  ConnectionSlot b = limiter->acquire("192.0.2.2", false);
  CHECK(static_cast<bool>(b));
  CHECK(limiter->open() == 3);
  CHECK(limiter->open_from("192.0.2.1") == 2);
}

TEST_CASE("connection limiter gives a slot back when it is destroyed") {
  const auto limiter = std::make_shared<ConnectionLimiter>(1, 100);
  {
    const ConnectionSlot slot = limiter->acquire("192.0.2.1", false);
    CHECK(static_cast<bool>(slot));
    CHECK_FALSE(static_cast<bool>(limiter->acquire("192.0.2.1", false)));
  }
  CHECK(limiter->open() == 0);
  CHECK(limiter->addresses() == 0);  // no empty entries left behind
  CHECK(static_cast<bool>(limiter->acquire("192.0.2.1", false)));
}

TEST_CASE("connection limiter slots move without counting twice") {
  const auto limiter = std::make_shared<ConnectionLimiter>(1, 100);
  ConnectionSlot first = limiter->acquire("192.0.2.1", false);
  ConnectionSlot moved = std::move(first);
  CHECK(limiter->open() == 1);
  ConnectionSlot other = limiter->acquire("192.0.2.2", false);
  other = std::move(moved);  // releases 192.0.2.2's slot, takes over 192.0.2.1's
  CHECK(limiter->open() == 1);
  CHECK(limiter->open_from("192.0.2.2") == 0);
  CHECK(limiter->open_from("192.0.2.1") == 1);
  other = ConnectionSlot{};
  CHECK(limiter->open() == 0);
}

TEST_CASE("connection limiter caps the total over all addresses") {
  const auto limiter = std::make_shared<ConnectionLimiter>(2, 3);
  std::vector<ConnectionSlot> slots;
  slots.push_back(limiter->acquire("192.0.2.1", false));
  slots.push_back(limiter->acquire("192.0.2.2", false));
  slots.push_back(limiter->acquire("2001:db8::1", false));
  for (const ConnectionSlot& slot : slots) CHECK(static_cast<bool>(slot));
  ConnectionRefusal why = ConnectionRefusal::none;
  CHECK_FALSE(static_cast<bool>(limiter->acquire("192.0.2.9", false, &why)));
  CHECK(why == ConnectionRefusal::total);
  CHECK_FALSE(static_cast<bool>(limiter->acquire("127.0.0.1", true, &why)));  // exempt from per-address only
  CHECK(why == ConnectionRefusal::total);
  slots.pop_back();
  CHECK(static_cast<bool>(limiter->acquire("192.0.2.9", false)));
}

TEST_CASE("connection limiter exempts trusted proxies from the per-address cap") {
  const auto limiter = std::make_shared<ConnectionLimiter>(1, 10);
  std::vector<ConnectionSlot> slots;
  for (int i = 0; i < 5; ++i) {
    slots.push_back(limiter->acquire("127.0.0.1", true));
    CHECK(static_cast<bool>(slots.back()));
  }
  CHECK(limiter->open() == 5);
  CHECK(limiter->open_from("127.0.0.1") == 0);
  // The same address not exempt is counted from zero: exempt connections are not in its count.
  CHECK(static_cast<bool>(limiter->acquire("127.0.0.1", false)));
}

TEST_CASE("connection limiter with zero caps never refuses") {
  const auto limiter = std::make_shared<ConnectionLimiter>(0, 0);
  std::vector<ConnectionSlot> slots;
  for (int i = 0; i < 100; ++i) {
    slots.push_back(limiter->acquire("192.0.2.1", false));
    CHECK(static_cast<bool>(slots.back()));
  }
  CHECK(limiter->open() == 100);
}
