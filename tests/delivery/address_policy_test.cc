// The outbound address policy: the classification table, and the open-socket callback driving real
// libcurl transfers against a real listening socket on 127.0.0.1.

#include "delivery/address_policy.h"
#include "delivery/own_addresses.h"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace deadline::delivery;

namespace {

struct Row {
  const char* address;
  bool allowed;
  const char* reason;
};

// Each refused range at its edges, the public neighbours just outside, and every IPv6 range
// including IPv4 embedded four ways.
const Row kRows[] = {
    // Public IPv4.
    {"1.1.1.1", true, "global unicast"},
    {"8.8.8.8", true, "global unicast"},
    {"114.114.114.114", true, "global unicast"},
    {"223.5.5.5", true, "global unicast"},
    // 0.0.0.0/8
    {"0.0.0.0", false, "this network (0.0.0.0/8)"},
    {"0.255.255.255", false, "this network (0.0.0.0/8)"},
    {"1.0.0.0", true, "global unicast"},
    // 10/8
    {"9.255.255.255", true, "global unicast"},
    {"10.0.0.0", false, "private (10.0.0.0/8)"},
    {"10.255.255.255", false, "private (10.0.0.0/8)"},
    {"11.0.0.0", true, "global unicast"},
    // 100.64/10
    {"100.63.255.255", true, "global unicast"},
    {"100.64.0.0", false, "shared address space (100.64.0.0/10)"},
    {"100.127.255.255", false, "shared address space (100.64.0.0/10)"},
    {"100.128.0.0", true, "global unicast"},
    // 127/8
    {"126.255.255.255", true, "global unicast"},
    {"127.0.0.1", false, "loopback (127.0.0.0/8)"},
    {"127.255.255.255", false, "loopback (127.0.0.0/8)"},
    {"128.0.0.0", true, "global unicast"},
    // 169.254/16 (the cloud metadata service lives at 169.254.169.254)
    {"169.253.255.255", true, "global unicast"},
    {"169.254.0.0", false, "link-local (169.254.0.0/16)"},
    {"169.254.169.254", false, "link-local (169.254.0.0/16)"},
    {"169.254.255.255", false, "link-local (169.254.0.0/16)"},
    {"169.255.0.0", true, "global unicast"},
    // 172.16/12
    {"172.15.255.255", true, "global unicast"},
    {"172.16.0.0", false, "private (172.16.0.0/12)"},
    {"172.31.255.255", false, "private (172.16.0.0/12)"},
    {"172.32.0.0", true, "global unicast"},
    // 192.0.0/24, 192.0.2/24
    {"192.0.0.0", false, "IETF protocol assignments (192.0.0.0/24)"},
    {"192.0.0.255", false, "IETF protocol assignments (192.0.0.0/24)"},
    {"192.0.1.0", true, "global unicast"},
    {"192.0.2.0", false, "documentation (192.0.2.0/24)"},
    {"192.0.2.255", false, "documentation (192.0.2.0/24)"},
    {"192.0.3.0", true, "global unicast"},
    // 192.168/16
    {"192.167.255.255", true, "global unicast"},
    {"192.168.0.0", false, "private (192.168.0.0/16)"},
    {"192.168.255.255", false, "private (192.168.0.0/16)"},
    {"192.169.0.0", true, "global unicast"},
    // 198.18/15, 198.51.100/24
    {"198.17.255.255", true, "global unicast"},
    {"198.18.0.0", false, "benchmarking (198.18.0.0/15)"},
    {"198.19.255.255", false, "benchmarking (198.18.0.0/15)"},
    {"198.20.0.0", true, "global unicast"},
    {"198.51.99.255", true, "global unicast"},
    {"198.51.100.0", false, "documentation (198.51.100.0/24)"},
    {"198.51.100.255", false, "documentation (198.51.100.0/24)"},
    {"198.51.101.0", true, "global unicast"},
    // 203.0.113/24
    {"203.0.112.255", true, "global unicast"},
    {"203.0.113.0", false, "documentation (203.0.113.0/24)"},
    {"203.0.113.255", false, "documentation (203.0.113.0/24)"},
    {"203.0.114.0", true, "global unicast"},
    // 224/4, 240/4, broadcast
    {"223.255.255.255", true, "global unicast"},
    {"224.0.0.0", false, "multicast (224.0.0.0/4)"},
    {"239.255.255.255", false, "multicast (224.0.0.0/4)"},
    {"240.0.0.0", false, "reserved (240.0.0.0/4)"},
    {"255.255.255.254", false, "reserved (240.0.0.0/4)"},
    {"255.255.255.255", false, "broadcast (255.255.255.255)"},

    // Public IPv6.
    {"2400:3200::1", true, "global unicast"},
    {"2001:4860:4860::8888", true, "global unicast"},
    {"2000::", true, "global unicast"},
    {"3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true, "global unicast"},
    // ::, ::1
    {"::", false, "unspecified (::)"},
    {"::1", false, "loopback (::1)"},
    // fc00::/7
    {"fc00::", false, "unique local (fc00::/7)"},
    {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false, "unique local (fc00::/7)"},
    // fe80::/10, fec0::/10
    {"fe80::", false, "link-local (fe80::/10)"},
    {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false, "link-local (fe80::/10)"},
    {"fec0::", false, "site-local (fec0::/10)"},
    {"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false, "site-local (fec0::/10)"},
    // ff00::/8
    {"ff00::", false, "multicast (ff00::/8)"},
    {"ff02::1", false, "multicast (ff00::/8)"},
    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false, "multicast (ff00::/8)"},
    // 2001:db8::/32 documentation, 2001::/32 Teredo
    {"2001:db8::", false, "documentation (2001:db8::/32)"},
    {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", false, "documentation (2001:db8::/32)"},
    {"2001:db9::", true, "global unicast"},
    {"2001::", false, "Teredo (2001::/32)"},
    {"2001:0:4136:e378:8000:63bf:3fff:fdd2", false, "Teredo (2001::/32)"},
    {"2001:1::", true, "global unicast"},
    // Outside 2000::/3.
    {"100::1", false, "reserved (outside global unicast 2000::/3)"},
    {"4000::1", false, "reserved (outside global unicast 2000::/3)"},
    {"64:ff9b:1::1", false, "local-use NAT64 (64:ff9b:1::/48)"},
    // IPv4-mapped ::ffff:0:0/96
    {"::ffff:127.0.0.1", false, "loopback (127.0.0.0/8) via IPv4-mapped IPv6 (::ffff:0:0/96)"},
    {"::ffff:10.0.0.1", false, "private (10.0.0.0/8) via IPv4-mapped IPv6 (::ffff:0:0/96)"},
    {"::ffff:a9fe:a9fe", false, "link-local (169.254.0.0/16) via IPv4-mapped IPv6 (::ffff:0:0/96)"},
    {"::ffff:8.8.8.8", true, "global unicast via IPv4-mapped IPv6 (::ffff:0:0/96)"},
    // IPv4-compatible ::/96
    {"::127.0.0.1", false, "loopback (127.0.0.0/8) via IPv4-compatible IPv6 (::/96)"},
    {"::192.168.1.1", false, "private (192.168.0.0/16) via IPv4-compatible IPv6 (::/96)"},
    {"::0.0.0.2", false, "this network (0.0.0.0/8) via IPv4-compatible IPv6 (::/96)"},
    {"::1.1.1.1", true, "global unicast via IPv4-compatible IPv6 (::/96)"},
    // NAT64 64:ff9b::/96
    {"64:ff9b::127.0.0.1", false, "loopback (127.0.0.0/8) via NAT64 (64:ff9b::/96)"},
    {"64:ff9b::a00:1", false, "private (10.0.0.0/8) via NAT64 (64:ff9b::/96)"},
    {"64:ff9b::114.114.114.114", true, "global unicast via NAT64 (64:ff9b::/96)"},
    // 6to4 2002::/16 (the IPv4 address is in bits 16..47)
    {"2002:7f00:1::", false, "loopback (127.0.0.0/8) via 6to4 (2002::/16)"},
    {"2002:c0a8:101::1", false, "private (192.168.0.0/16) via 6to4 (2002::/16)"},
    {"2002:a9fe:a9fe::", false, "link-local (169.254.0.0/16) via 6to4 (2002::/16)"},
    {"2002:808:808::1", true, "global unicast via 6to4 (2002::/16)"},
};

}  // namespace

TEST_CASE("address classification table covers every range at its edges") {
  static_assert(sizeof kRows / sizeof kRows[0] >= 45);
  for (const Row& row : kRows) {
    CAPTURE(row.address);
    const AddressClass result = classify(row.address);
    CHECK(result.allowed() == row.allowed);
    CHECK(result.reason == std::string(row.reason));
  }
}

TEST_CASE("text that is not a numeric address is refused") {
  for (const char* text : {"", "localhost", "example.cn", "[::1]", "127.1", "0x7f.0.0.1", "1.2.3.4.5", "::1%lo"}) {
    CAPTURE(text);
    const AddressClass result = classify(text);
    CHECK_FALSE(result.allowed());
    CHECK(result.reason == "not an IP address");
  }
  CHECK_FALSE(classify(std::string_view("8.8.8.8\0", 8)).allowed());
}

TEST_CASE("socket addresses are classified like their text") {
  sockaddr_in in4{};
  in4.sin_family = AF_INET;
  REQUIRE(inet_pton(AF_INET, "10.1.2.3", &in4.sin_addr) == 1);
  sockaddr_storage storage{};
  std::memcpy(&storage, &in4, sizeof in4);
  const auto* as_sockaddr = reinterpret_cast<const sockaddr*>(&storage);
  CHECK(classify(as_sockaddr, sizeof in4).reason == "private (10.0.0.0/8)");
  CHECK(address_text(as_sockaddr, sizeof in4) == "10.1.2.3");
  CHECK(classify(as_sockaddr, sizeof in4 - 1).reason == "truncated IPv4 socket address");

  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  REQUIRE(inet_pton(AF_INET6, "::ffff:169.254.169.254", &in6.sin6_addr) == 1);
  std::memcpy(&storage, &in6, sizeof in6);
  CHECK(classify(as_sockaddr, sizeof in6).reason ==
        "link-local (169.254.0.0/16) via IPv4-mapped IPv6 (::ffff:0:0/96)");
  CHECK(address_text(as_sockaddr, sizeof in6) == "::ffff:169.254.169.254");

  REQUIRE(inet_pton(AF_INET6, "2400:3200::1", &in6.sin6_addr) == 1);
  std::memcpy(&storage, &in6, sizeof in6);
  CHECK(classify(as_sockaddr, sizeof in6).allowed());

  sockaddr unix_like{};
  unix_like.sa_family = AF_UNIX;
  CHECK(classify(&unix_like, sizeof unix_like).reason == "not an IP address (address family 1)");
  CHECK_FALSE(classify(nullptr, 0).allowed());
}

TEST_CASE("allow-list entries match the URL host exactly but for case and IPv6 brackets") {
  const std::vector<std::string> list = {"127.0.0.1", "[::1]", "Hooks.Example.CN", "fd00::5"};
  CHECK(host_on_allow_list("127.0.0.1", list));
  CHECK(host_on_allow_list("[::1]", list));
  CHECK(host_on_allow_list("::1", list));
  CHECK(host_on_allow_list("hooks.example.cn", list));
  CHECK(host_on_allow_list("[FD00::5]", list));
  CHECK_FALSE(host_on_allow_list("127.0.0.2", list));
  CHECK_FALSE(host_on_allow_list("localhost", list));
  CHECK_FALSE(host_on_allow_list("x.hooks.example.cn", list));
  CHECK_FALSE(host_on_allow_list("hooks.example.cn.", list));
  CHECK_FALSE(host_on_allow_list("", list));
  CHECK_FALSE(host_on_allow_list("[]", {"[]", ""}));
  CHECK_FALSE(host_on_allow_list("127.0.0.1", {}));
}

// ---- The callback against real sockets --------------------------------------------------------

namespace {

// A TCP listener on 127.0.0.1 (port chosen by the system) whose thread accepts and closes at
// once, counting connections. accepts() stops the thread and also counts any connection still in
// the backlog, so a connection libcurl made cannot be missed.
class CountingListener {
 public:
  CountingListener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    REQUIRE(bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(listen(fd_, 16) == 0);
    socklen_t length = sizeof address;
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    REQUIRE(fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK) == 0);
    thread_ = std::thread([this] {
      while (!stop_.load()) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 20) > 0) drain();
      }
    });
  }

  ~CountingListener() {
    stop();
    close(fd_);
  }

  CountingListener(const CountingListener&) = delete;
  CountingListener& operator=(const CountingListener&) = delete;

  unsigned port() const { return port_; }

  int accepts() {
    stop();
    drain();
    return count_.load();
  }

 private:
  void stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }

  void drain() {
    for (;;) {
      const int connection = accept(fd_, nullptr, nullptr);
      if (connection < 0) return;
      ++count_;
      close(connection);
    }
  }

  int fd_ = -1;
  unsigned port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> count_{0};
  std::thread thread_;
};

struct Easy {
  Easy() : handle(curl_easy_init()) {
    REQUIRE(handle != nullptr);
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  }
  ~Easy() {
    curl_easy_cleanup(handle);
    curl_slist_free_all(resolve);
  }
  Easy(const Easy&) = delete;
  Easy& operator=(const Easy&) = delete;

  CURLcode perform(const std::string& url) {
    curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
    return curl_easy_perform(handle);
  }

  CURL* handle;
  curl_slist* resolve = nullptr;
};

// What a transfer ends with when the listener accepted and closed at once: depending on timing
// libcurl sees an empty reply, a reset while sending, or a reset while receiving.
bool connected_then_closed(CURLcode rc) {
  return rc == CURLE_GOT_NOTHING || rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR;
}

std::string base(const char* scheme, const char* host, unsigned port) {
  return std::string(scheme) + "://" + host + ":" + std::to_string(port) + "/hook?key=secret";
}

}  // namespace

TEST_CASE("the open-socket callback alone refuses loopback before any connection") {
  CountingListener listener;
  OutboundGuard guard({}, "127.0.0.1");
  Easy easy;
  curl_easy_setopt(easy.handle, CURLOPT_OPENSOCKETFUNCTION, &open_checked_socket);
  curl_easy_setopt(easy.handle, CURLOPT_OPENSOCKETDATA, static_cast<void*>(&guard));
  curl_easy_setopt(easy.handle, CURLOPT_PROXY, "");

  CHECK(easy.perform(base("http", "127.0.0.1", listener.port())) == CURLE_COULDNT_CONNECT);
  CHECK(listener.accepts() == 0);
  CHECK(guard.sockets_opened == 0);
  CHECK(guard.refusal() == "refused: 127.0.0.1 is loopback (127.0.0.0/8)");
}

TEST_CASE("the outbound policy refuses https to loopback at connect time") {
  CountingListener listener;
  OutboundGuard guard({}, "127.0.0.1");
  Easy easy;
  REQUIRE(apply_outbound_policy(easy.handle, &guard) == CURLE_OK);

  CHECK(easy.perform(base("https", "127.0.0.1", listener.port())) == CURLE_COULDNT_CONNECT);
  CHECK(listener.accepts() == 0);
  CHECK(guard.refusal() == "refused: 127.0.0.1 is loopback (127.0.0.0/8)");
}

TEST_CASE("the outbound policy refuses plain http for a host not on the allow-list") {
  CountingListener listener;
  OutboundGuard guard({"localhost"}, "127.0.0.1");
  Easy easy;
  REQUIRE(apply_outbound_policy(easy.handle, &guard) == CURLE_OK);

  CHECK(easy.perform(base("http", "127.0.0.1", listener.port())) == CURLE_UNSUPPORTED_PROTOCOL);
  CHECK(listener.accepts() == 0);
  CHECK(guard.refusals.empty());  // refused before any address was tried
}

TEST_CASE("an allow-listed host is reached over http on loopback") {
  CountingListener listener;
  OutboundGuard guard({"127.0.0.1"}, "127.0.0.1");
  Easy easy;
  REQUIRE(apply_outbound_policy(easy.handle, &guard) == CURLE_OK);

  // The listener closes without answering: libcurl connected and got nothing back (or a reset).
  CHECK(connected_then_closed(easy.perform(base("http", "127.0.0.1", listener.port()))));
  CHECK(listener.accepts() == 1);
  CHECK(guard.sockets_opened == 1);
  CHECK(guard.refusal().empty());
}

TEST_CASE("a name pinned to loopback with CURLOPT_RESOLVE is refused at connect time") {
  CountingListener listener;
  OutboundGuard guard({"127.0.0.1"}, "evil.example");  // 127.0.0.1 allowed, but this host is not it
  Easy easy;
  const std::string pin = "evil.example:" + std::to_string(listener.port()) + ":127.0.0.1";
  easy.resolve = curl_slist_append(nullptr, pin.c_str());
  REQUIRE(easy.resolve != nullptr);
  curl_easy_setopt(easy.handle, CURLOPT_RESOLVE, easy.resolve);
  REQUIRE(apply_outbound_policy(easy.handle, &guard) == CURLE_OK);

  CHECK(easy.perform(base("https", "evil.example", listener.port())) == CURLE_COULDNT_CONNECT);
  CHECK(listener.accepts() == 0);
  CHECK(guard.sockets_opened == 0);
  CHECK(guard.refusal() == "refused: 127.0.0.1 is loopback (127.0.0.0/8)");
}

TEST_CASE("every address libcurl tries goes through the check") {
  CountingListener listener;
  OutboundGuard guard({}, "multi.example");
  Easy easy;
  const std::string pin = "multi.example:" + std::to_string(listener.port()) + ":10.0.0.1,192.168.1.1,127.0.0.1";
  easy.resolve = curl_slist_append(nullptr, pin.c_str());
  REQUIRE(easy.resolve != nullptr);
  curl_easy_setopt(easy.handle, CURLOPT_RESOLVE, easy.resolve);
  REQUIRE(apply_outbound_policy(easy.handle, &guard) == CURLE_OK);

  CHECK(easy.perform(base("https", "multi.example", listener.port())) == CURLE_COULDNT_CONNECT);
  CHECK(listener.accepts() == 0);
  CHECK(guard.refusal() ==
        "refused: 10.0.0.1 is private (10.0.0.0/8); 192.168.1.1 is private (192.168.0.0/16); "
        "127.0.0.1 is loopback (127.0.0.0/8)");
}

TEST_CASE("proxies from the environment are ignored") {
  // Through a proxy the connect-time check would see the proxy's address, not the target's. The
  // target is allow-listed (so the check alone would let a proxy on 127.0.0.1 through too): the
  // connection must still go to the target, never to the proxy named in the environment.
  CountingListener target;
  CountingListener proxy;
  const std::string proxy_url = "http://127.0.0.1:" + std::to_string(proxy.port());
  for (const char* name : {"http_proxy", "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"}) {
    setenv(name, proxy_url.c_str(), 1);
  }
  OutboundGuard guard({"target.example"}, "target.example");
  CURLcode rc = CURLE_OK;
  {
    Easy easy;
    const std::string pin = "target.example:" + std::to_string(target.port()) + ":127.0.0.1";
    easy.resolve = curl_slist_append(nullptr, pin.c_str());
    REQUIRE(easy.resolve != nullptr);
    curl_easy_setopt(easy.handle, CURLOPT_RESOLVE, easy.resolve);
    REQUIRE(apply_outbound_policy(easy.handle, &guard) == CURLE_OK);
    rc = easy.perform(base("http", "target.example", target.port()));
  }
  for (const char* name : {"http_proxy", "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"}) unsetenv(name);
  CHECK(connected_then_closed(rc));
  CHECK(target.accepts() == 1);
  CHECK(proxy.accepts() == 0);
}

TEST_CASE("an address of one of this machine's interfaces is recognised as its own") {
  // 127.0.0.1 is on lo everywhere; 203.0.113.77 (TEST-NET-3) is assigned to no real interface.
  sockaddr_in loopback{};
  loopback.sin_family = AF_INET;
  REQUIRE(inet_pton(AF_INET, "127.0.0.1", &loopback.sin_addr) == 1);
  CHECK(is_own_address(reinterpret_cast<const sockaddr*>(&loopback), sizeof loopback));
  sockaddr_in elsewhere = loopback;
  REQUIRE(inet_pton(AF_INET, "203.0.113.77", &elsewhere.sin_addr) == 1);
  CHECK_FALSE(is_own_address(reinterpret_cast<const sockaddr*>(&elsewhere), sizeof elsewhere));
  sockaddr_in6 documentation{};
  documentation.sin6_family = AF_INET6;
  REQUIRE(inet_pton(AF_INET6, "2001:db8::77", &documentation.sin6_addr) == 1);
  CHECK_FALSE(is_own_address(reinterpret_cast<const sockaddr*>(&documentation), sizeof documentation));
  // A short length or another family is not an address of anything.
  CHECK_FALSE(is_own_address(reinterpret_cast<const sockaddr*>(&loopback), sizeof loopback - 1));
  sockaddr unix_family{};
  unix_family.sa_family = AF_UNIX;
  CHECK_FALSE(is_own_address(&unix_family, sizeof unix_family));
}
