"""tests/cluster/balancer.py works, and docs/balancer/haproxy.cfg keeps its promises:

1. Two real deadlined nodes (SQLite, each in its own directory) behind HAProxy; a client reads
   GET / in a loop, one request per connection, retrying nothing. One node gets SIGTERM with
   [daemon] drain_seconds = 3: HAProxy takes it out of rotation on its /healthz 503, it stops
   and exits 0, and the client sees no failed request. HAProxy's log says whether it had to send
   any request twice (it should not have: the drain is what makes that unnecessary).
2. The retry policy, against a stand-in node that answers its health check and then drops every
   other request unanswered once it has read it (a node crashing mid-request): every GET still
   gets its 200 (HAProxy resent it to the real node), and every POST that reached the stand-in
   gets 502 and reached it once: HAProxy never sent it again, there or elsewhere.

Usage: /usr/bin/python3 balancer_selftest.py BUILD_DIR. Prints the figures; exits 1 on failure."""

import http.client
import os
import signal
import socket
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from balancer import Balancer  # noqa: E402
from harness import Daemon, calendar_toml  # noqa: E402

BUILD_DIR = None
DRAIN = 3  # HAProxy checks every second and drops a node after one failed check


def node(drain_seconds=DRAIN):
    return Daemon(BUILD_DIR, calendars_text=calendar_toml([("apply", "2030-01-01T12:00", None)]), backend="sqlite",
                  drain_seconds=drain_seconds,
                  # As docs/operations.md says for nodes behind a balancer: believe its X-Forwarded-For.
                  extra_config='[http]\ntrusted_proxies = ["127.0.0.1"]\n')


def request(port, method, path, headers=None):
    """(status, None) or (None, the error): one connection, one try."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=b"" if method == "POST" else None, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status, None
    except (OSError, http.client.HTTPException) as error:
        return None, repr(error)
    finally:
        connection.close()


class Reader(threading.Thread):
    """GET / in a loop through the balancer until stopped (at most 30 s or 20,000 requests)."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.results = []  # (monotonic time, status, error)
        self.done = threading.Event()

    def run(self):
        limit = time.monotonic() + 30
        while not self.done.is_set() and time.monotonic() < limit and len(self.results) < 20000:
            status, error = request(self.port, "GET", "/")
            self.results.append((time.monotonic(), status, error))

    def failures(self):
        return [r for r in self.results if r[1] != 200]


class StandIn(threading.Thread):
    """A node that answers GET /healthz with 200 and reads every other request whole, then closes
    the connection without a word. Counts what it read, by X-Test-Id."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.dropped = []  # (method, X-Test-Id)
        self.done = False

    def run(self):
        while not self.done:
            try:
                connection, _ = self.sock.accept()
            except socket.timeout:
                continue
            with connection:
                connection.settimeout(2)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = connection.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                except OSError:
                    continue
                head = data.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
                method, path = (head[0].split() + ["", ""])[:2]
                if path == "/healthz":
                    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                    continue
                fields = dict(h.split(": ", 1) for h in head[1:] if ": " in h)
                self.dropped.append((method, fields.get("X-Test-Id", fields.get("x-test-id"))))

    def close(self):
        self.done = True
        self.join(2)
        self.sock.close()


class BalancerSelfTest(unittest.TestCase):
    def test_a_draining_node_leaves_rotation_and_no_request_fails(self):
        one, two = node(), node()
        self.addCleanup(one.close)
        self.addCleanup(two.close)
        one.start()
        two.start()
        lb = Balancer([one.port, two.port]).start()
        self.addCleanup(lb.close)
        lb.wait_until_up(["node1", "node2"])

        reader = Reader(lb.port)
        reader.start()
        time.sleep(1)
        sent = time.monotonic()
        one.signal(signal.SIGTERM)
        lb.wait_until(lambda s: s["node1"] != "UP", DRAIN, "node1 out of rotation while it drains")
        out_after = time.monotonic() - sent
        self.assertTrue(one.running(), "node1 stopped before HAProxy took it out")
        self.assertEqual(one.wait_exit(DRAIN + 10), 0)
        stopped_after = time.monotonic() - sent
        time.sleep(1)  # node1 is gone: everything to node2
        reader.done.set()
        reader.join(10)

        served = lb.requests()
        by_node = {name: sum(1 for r in served if r["server"] == name) for name in ("node1", "node2")}
        print(f"\ndrain: {len(reader.results)} GET / through HAProxy, {len(reader.failures())} failed; "
              f"node1 out of rotation {out_after:.2f} s after SIGTERM, exited 0 after {stopped_after:.2f} s "
              f"(drain_seconds = {DRAIN}); served by node1 {by_node['node1']}, node2 {by_node['node2']}; "
              f"HAProxy sent {len(lb.retried())} request(s) more than once", flush=True)
        self.assertEqual(reader.failures(), [])
        self.assertGreater(len(reader.results), 20)
        self.assertGreater(by_node["node1"], 0)
        self.assertGreater(by_node["node2"], 0)
        # A request sent to node1 after it closed would have been resent (conn-failure): none was.
        # This is what the drain buys: without it (drain_seconds = 0) no GET failed either, but
        # HAProxy resent about a thousand, everything it sent node1 until the next check.
        self.assertEqual(lb.retried(), [])
        self.assertIn("drain over: stopping", one.log())
        self.assertEqual(two.stop(signal.SIGINT), 0)  # the last node: no drain to wait for

    def test_gets_are_resent_to_another_node_and_posts_never(self):
        real = node(drain_seconds=0)
        self.addCleanup(real.close)
        real.start()
        stand_in = StandIn()
        stand_in.start()
        self.addCleanup(stand_in.close)
        lb = Balancer([stand_in.port, real.port]).start()
        self.addCleanup(lb.close)
        lb.wait_until_up(["node1", "node2"])

        gets = [request(lb.port, "GET", "/", {"X-Test-Id": f"get-{i}"}) for i in range(20)]
        posts = [request(lb.port, "POST", "/subscribe", {"X-Test-Id": f"post-{i}"}) for i in range(20)]
        dropped_gets = [i for m, i in stand_in.dropped if m == "GET"]
        dropped_posts = [i for m, i in stand_in.dropped if m == "POST"]
        answered_502 = sorted(f"post-{i}" for i, (status, _) in enumerate(posts) if status == 502)
        print(f"\nretry policy: 20 GET, {len(dropped_gets)} dropped by the stand-in, "
              f"{sum(1 for s, _ in gets if s == 200)} answered 200; 20 POST, {len(dropped_posts)} dropped by the "
              f"stand-in, {len(answered_502)} answered 502, "
              f"{sum(1 for s, _ in posts if s not in (502, None))} answered by the real node", flush=True)
        self.assertTrue(dropped_gets and dropped_posts, "round robin sent nothing to the stand-in")
        self.assertEqual([s for s, _ in gets], [200] * 20)
        self.assertEqual(len(dropped_posts), len(set(dropped_posts)), "a POST reached the stand-in twice")
        # Every POST the stand-in dropped was answered 502, i.e. not sent on to the real node.
        self.assertEqual(sorted(dropped_posts), answered_502)
        resent = lb.retried()
        self.assertEqual({r["method"] for r in resent}, {"GET"})
        self.assertEqual(len(resent), len(dropped_gets))


if __name__ == "__main__":
    BUILD_DIR = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0], "-v"])
