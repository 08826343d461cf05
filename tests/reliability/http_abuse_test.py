"""Abuse of the public HTTP listener, against the real daemon over raw sockets.

Why: the listener faces the internet (docs/http-api.md, "Limits"). A client must not be able to
make the server buffer more than the documented limits, desynchronise its framing of a keep-alive
connection (request smuggling behind a reverse proxy), or hold connections open by sending slowly.
What is checked:

- a request line and headers over 8 KiB is answered 431 and the connection closed; just under it
  is served;
- a body over 64 KiB (Content-Length, or chunked) is answered 413 and the connection closed; just
  under it is served and the connection kept;
- ambiguous framing (Content-Length with Transfer-Encoding in either order, conflicting duplicate
  Content-Length, a Transfer-Encoding whose last coding is not chunked, obfuscated
  Transfer-Encoding, Transfer-Encoding in HTTP/1.0) is answered 400 once and the connection
  closed, so a request hidden in the body is never answered; framings that are unambiguous under
  RFC 9112 (identical duplicate Content-Length, "CHUNKED", obs-fold read as a space) are served,
  request by request;
- 1,000 slow clients, each from its own address 127.1.x.y (so the per-address cap of 32 does not
  apply, as with 1,000 attackers in production), trickle a byte a second; meanwhile a normal
  client's requests (GET /healthz and GET /, a new connection each) all succeed (latency p50, p99
  and max printed); every slow client is closed by the server between read_timeout and
  read_timeout + 2 s after it connected (never answered, never refused at accept); afterwards the
  daemon still serves.

Capacity: 1,000 slow clients + the normal client's one connection at a time (+ one just closing)
stay under the default max_connections (1,024 in docs/http-api.md when this was written), so none
is refused by the total cap; were one refused, it would be closed at once and the "not before
the read timeout" check (and the log's "over the cap" line) would say so. Both this
process and the daemon (which inherits our limit) need ~1,010 descriptors: the soft RLIMIT_NOFILE
is raised to at least 4,096 when the hard limit allows, else the test fails saying so.

Usage: /usr/bin/python3 http_abuse_test.py BUILD_DIR"""

import http.client
import os
import re
import resource
import selectors
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import Daemon, calendar_toml  # noqa: E402

BUILD_DIR = None
READ_TIMEOUT = 3   # [http] read_timeout_seconds for this daemon
MARGIN = 2.0       # how much later than READ_TIMEOUT a slow client may be closed
SLOW_CLIENTS = 1000
HEADER_LIMIT = 8 * 1024
BODY_LIMIT = 64 * 1024
SMUGGLED = b"GET /healthz?smuggled HTTP/1.1\r\nHost: x\r\n\r\n"


def raise_descriptor_limit(needed=4096):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed and (hard == resource.RLIM_INFINITY or hard >= needed):
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def exchange(port, data, wait):
    """Sends `data` on a new connection and reads until the server closes or `wait` seconds pass.
    Returns (the status codes answered, in order; whether the server closed; all bytes read)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=wait)
    received = b""
    closed = False
    try:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before we finished sending: what it answered is still to be read
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            received += chunk
    finally:
        sock.close()
    return response_statuses(received), closed, received


def response_statuses(data):
    """The status of each response in `data`, walking them by their Content-Length (the daemon
    always sends one); stops at anything that is not a whole response."""
    statuses = []
    while True:
        head_end = data.find(b"\r\n\r\n")
        match = re.match(rb"HTTP/1\.[01] (\d{3}) ", data)
        if head_end < 0 or not match:
            return statuses
        length = re.search(rb"\r\ncontent-length: *(\d+)", data[:head_end], re.I)
        statuses.append(int(match.group(1)))
        data = data[head_end + 4 + (int(length.group(1)) if length else 0):]


def request(method, target, headers=(), body=b"", version="HTTP/1.1"):
    lines = [f"{method} {target} {version}".encode(), b"Host: x"] + [h.encode() if isinstance(h, str) else h
                                                                     for h in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def chunked(body, size=16384):
    out = b""
    for i in range(0, len(body), size):
        piece = body[i:i + size]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    return out + b"0\r\n\r\n"


# Ambiguous framing: each must be answered 400 once and closed; SMUGGLED, hidden in the body by
# one reading of the framing, must never be answered.
SMUGGLING = [
    ("CL then TE chunked", ["Content-Length: 4", "Transfer-Encoding: chunked"], b"0\r\n\r\n" + SMUGGLED),
    ("TE chunked then CL", ["Transfer-Encoding: chunked", "Content-Length: 4"], b"0\r\n\r\n" + SMUGGLED),
    ("CL twice, different", ["Content-Length: 0", "Content-Length: %d" % len(SMUGGLED)], SMUGGLED),
    ("CL list, different", ["Content-Length: 0, %d" % len(SMUGGLED)], SMUGGLED),
    ("CL with a sign", ["Content-Length: +%d" % len(SMUGGLED)], SMUGGLED),
    ("CL negative", ["Content-Length: -1"], SMUGGLED),
    ("TE chunked twice", ["Transfer-Encoding: chunked", "Transfer-Encoding: chunked"], b"0\r\n\r\n" + SMUGGLED),
    ("TE chunked, identity", ["Transfer-Encoding: chunked, identity"], chunked(SMUGGLED)),
    ("TE identity + CL", ["Transfer-Encoding: identity", "Content-Length: %d" % len(SMUGGLED)], SMUGGLED),
    ("TE xchunked", ["Transfer-Encoding: xchunked"], chunked(SMUGGLED)),
    ("TE chunked-false", ["Transfer-Encoding: chunked-false"], chunked(SMUGGLED)),
    ("TE gzip only", ["Transfer-Encoding: gzip"], chunked(SMUGGLED)),
    # The body is the hidden request itself: read as having no body, it would be answered.
    ("TE gzip, GET as body", ["Transfer-Encoding: gzip"], SMUGGLED),
    ("TE chunked, identity, GET", ["Transfer-Encoding: chunked, identity"], SMUGGLED),
    ("TE space before colon", ["Transfer-Encoding : chunked"], chunked(SMUGGLED)),
    ("TE vertical tab", [b"Transfer-Encoding:\x0bchunked"], chunked(SMUGGLED)),
    ("TE NUL", [b"Transfer-Encoding: chunked\x00"], chunked(SMUGGLED)),
    # RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 is faulty framing (a 1.0 proxy ignores it).
    ("HTTP/1.0 with TE chunked", ["Transfer-Encoding: chunked", "Connection: keep-alive"], chunked(SMUGGLED)),
]

# Unambiguous framing: the request is served and the pipelined GET after it is too.
UNAMBIGUOUS = [
    ("CL twice, identical", ["Content-Length: 5", "Content-Length: 5"], b"hello"),
    ("CL list, identical", ["Content-Length: 5, 5"], b"hello"),
    ("TE CHUNKED (case)", ["Transfer-Encoding: CHUNKED"], chunked(b"hello")),
    # obs-fold: RFC 9112 5.2 lets a server reject it or read it as a space; Beast does the latter,
    # so this is "Transfer-Encoding: chunked". (A proxy in front that reads it otherwise would
    # be the proxy's bug; nginx and HAProxy refuse obs-fold.)
    ("TE obs-fold", ["Transfer-Encoding:", " chunked"], chunked(b"hello")),
]


class HttpAbuse(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        limit = raise_descriptor_limit()
        assert limit >= SLOW_CLIENTS + 100, f"RLIMIT_NOFILE is {limit}: the slow-client test needs ~1,100"
        cls.d = Daemon(BUILD_DIR, calendars_text=calendar_toml([("apply", "2030-01-01T12:00", None)]),
                       extra_config=f"[http]\nread_timeout_seconds = {READ_TIMEOUT}\n")
        cls.d.start()
        cls.port = cls.d.port

    @classmethod
    def tearDownClass(cls):
        try:
            assert cls.d.stop() == 0, "the daemon did not stop cleanly"
        finally:
            cls.d.close()

    def send(self, data):
        return exchange(self.port, data, wait=READ_TIMEOUT + 1)

    # --- size limits ---------------------------------------------------------------------------
    def test_headers_over_8_KiB_are_431_and_closed(self):
        statuses, closed, _ = self.send(request("GET", "/healthz", [b"X-Pad: " + b"a" * HEADER_LIMIT]))
        self.assertEqual((statuses, closed), ([431], True))
        statuses, closed, _ = self.send(request("GET", "/healthz", [b"X-Pad: " + b"a" * (HEADER_LIMIT - 200),
                                                                    "Connection: close"]))
        self.assertEqual((statuses, closed), ([200], True), "just under the limit is served")

    def test_a_body_over_64_KiB_is_413_and_closed(self):
        big = b"x" * (BODY_LIMIT + 1)
        for framing, data in [("Content-Length", request("POST", "/healthz", ["Content-Length: %d" % len(big)], big)),
                              ("chunked", request("POST", "/healthz", ["Transfer-Encoding: chunked"], chunked(big)))]:
            statuses, closed, _ = self.send(data)
            self.assertEqual((statuses, closed), ([413], True), framing)
        # Just under it: the request is read (405: /healthz takes GET) and the connection kept,
        # shown by the pipelined GET being answered too.
        small = b"x" * (BODY_LIMIT - 1)
        statuses, _, _ = self.send(request("POST", "/healthz", ["Content-Length: %d" % len(small)], small)
                                   + request("GET", "/healthz", ["Connection: close"]))
        self.assertEqual(statuses, [405, 200])

    # --- framing -------------------------------------------------------------------------------
    def test_ambiguous_framing_is_400_once_and_closed(self):
        results = []
        for what, headers, body in SMUGGLING:
            version = "HTTP/1.0" if what.startswith("HTTP/1.0") else "HTTP/1.1"
            statuses, closed, received = self.send(request("POST", "/healthz", headers, body, version))
            # Counted on the raw bytes too, in case a response were not framed as we parse it.
            status_lines = len(re.findall(rb"HTTP/1\.[01] \d{3} ", received))
            results.append((what, statuses, closed, status_lines))
        print("\n  ambiguous framing (POST /healthz, then a hidden GET):", file=sys.stderr)
        for what, statuses, closed, _ in results:
            print(f"    {what:26} answered {statuses} {'closed' if closed else 'left open'}", file=sys.stderr)
        wrong = [r for r in results if r[1:] != ([400], True, 1)]
        self.assertEqual(wrong, [], "framing answered other than 400-and-close")

    def test_unambiguous_framing_is_served_request_by_request(self):
        print("\n  unambiguous framing (POST /healthz, then a pipelined GET):", file=sys.stderr)
        for what, headers, body in UNAMBIGUOUS:
            statuses, _, _ = self.send(request("POST", "/healthz", headers, body)
                                       + request("GET", "/healthz", ["Connection: close"]))
            print(f"    {what:26} answered {statuses}", file=sys.stderr)
            self.assertEqual(statuses, [405, 200], what)

    # --- slow clients --------------------------------------------------------------------------
    def test_a_thousand_slow_clients_are_closed_on_time_while_others_are_served(self):
        normal = NormalClient(self.port)
        normal.start()
        slow = SlowClients(self.port, SLOW_CLIENTS).run(until=READ_TIMEOUT + MARGIN + 2)
        normal.stop()

        print(f"\n  {SLOW_CLIENTS} slow clients connected in {slow.connect_seconds:.2f} s; closed after "
              f"{min(slow.lifetimes(), default=0):.2f}..{max(slow.lifetimes(), default=0):.2f} s "
              f"(read_timeout {READ_TIMEOUT} s)", file=sys.stderr)
        print(f"  normal client during it: {len(normal.latencies)} requests, p50 {normal.percentile(50):.1f} ms, "
              f"p99 {normal.percentile(99):.1f} ms, max {max(normal.latencies, default=0):.1f} ms; "
              f"failures {normal.failures[:3]}", file=sys.stderr)

        never = slow.never_closed()
        self.assertFalse(never, f"{len(never)} slow clients the server never closed, e.g. {never[:5]}")
        self.assertFalse(slow.answered, f"slow clients answered half a request: {slow.answered[:3]}")
        # Not before the timeout either: a client closed early was refused at accept (a cap), so
        # it did not hold a connection, and the test would not show what it claims.
        early = sorted(t for t in slow.lifetimes() if t < READ_TIMEOUT - 0.2)
        late = sorted(t for t in slow.lifetimes() if t > READ_TIMEOUT + MARGIN)
        self.assertFalse(early, f"{len(early)} closed before the read timeout (refused at accept?), e.g. {early[:3]}")
        self.assertFalse(late, f"{len(late)} closed later than read_timeout + {MARGIN} s, e.g. {late[-3:]}")
        self.assertTrue(all(n >= 2 for n in slow.bytes_sent), "a slow client did not get to trickle")
        self.assertEqual(normal.failures, [], "a normal request failed during the slow clients")
        self.assertGreaterEqual(len(normal.latencies), 10, "too few normal requests to mean anything")
        self.assertNotIn("refused: over the cap", self.d.log(), "a connection was refused by a cap")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        connection.request("GET", "/healthz")
        self.assertEqual(connection.getresponse().status, 200, "the daemon does not serve afterwards")
        connection.close()


class NormalClient:
    """GET /healthz and GET / alternately, a new connection each, from 127.0.0.1, until stopped."""

    def __init__(self, port):
        self.port = port
        self.latencies = []  # ms
        self.failures = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.stopping.set()
        self.thread.join(10)

    def _run(self):
        paths = ["/healthz", "/"]
        n = 0
        while not self.stopping.is_set():
            path = paths[n % 2]
            n += 1
            started = time.monotonic()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", path, headers={"Connection": "close"})
                response = connection.getresponse()
                response.read()
                connection.close()
                if response.status != 200:
                    self.failures.append((path, response.status))
            except OSError as e:
                self.failures.append((path, repr(e)))
                continue
            self.latencies.append((time.monotonic() - started) * 1000)
            time.sleep(0.05)

    def percentile(self, p):
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class SlowClients:
    """`count` connections, client i bound to 127.1.(i // 250).(i % 250 + 1), each sending one byte
    a second of a request it never finishes (every fifth one finishes its headers and trickles the
    body instead: the deadline covers the body too). One thread, one selector: a socket becomes
    readable when the server closes it (EOF or reset), which is what is timed."""

    HEADER_TRICKLE = b"GET / HTTP/1.1\r\nHost: slow\r\nX-Slow: " + b"a" * 64
    BODY_TRICKLE_PREFIX = b"POST /healthz HTTP/1.1\r\nHost: slow\r\nContent-Length: 64\r\n\r\n"

    def __init__(self, port, count):
        self.port = port
        self.count = count
        self.connected_at = [0.0] * count
        self.closed_at = [None] * count
        self.bytes_sent = [0] * count
        self.answered = []
        self.connect_seconds = 0.0

    def run(self, until):
        selector = selectors.DefaultSelector()
        sockets, pending = self._connect_all(selector)
        end = max(self.connected_at) + until
        next_send = [at + 1.0 for at in self.connected_at]
        while time.monotonic() < end and any(at is None for at in self.closed_at):
            for key, _ in selector.select(timeout=0.05):
                self._on_readable(key.data, sockets[key.data], selector)
            now = time.monotonic()
            for i in range(self.count):
                if self.closed_at[i] is None and now >= next_send[i]:
                    next_send[i] += 1.0
                    self._send(i, sockets[i], pending[i], 1, selector)
        for s in sockets:
            s.close()
        selector.close()
        return self

    def _connect_all(self, selector):
        started = time.monotonic()
        sockets, pending = [], []
        for i in range(self.count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((f"127.1.{i // 250}.{i % 250 + 1}", 0))
            s.settimeout(5)
            s.connect(("127.0.0.1", self.port))
            self.connected_at[i] = time.monotonic()
            s.setblocking(False)
            sockets.append(s)
            if i % 5 == 4:
                s.sendall(self.BODY_TRICKLE_PREFIX)  # small: fits the socket buffer at once
                pending.append(bytearray(b"b" * 64))
            else:
                pending.append(bytearray(self.HEADER_TRICKLE))
            selector.register(s, selectors.EVENT_READ, i)
            self._send(i, s, pending[i], 1, selector)
        self.connect_seconds = time.monotonic() - started
        return sockets, pending

    def _send(self, i, sock, pending, n, selector):
        if not pending:
            return  # never happens within the timeout: 64 bytes at one a second
        try:
            sent = sock.send(bytes(pending[:n]))
        except (BrokenPipeError, ConnectionResetError):
            return self._closed(i, sock, selector)
        except BlockingIOError:
            return
        del pending[:sent]
        self.bytes_sent[i] += sent

    def _on_readable(self, i, sock, selector):
        try:
            data = sock.recv(4096)
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        except BlockingIOError:
            return
        if data:
            self.answered.append((i, data[:40]))
        self._closed(i, sock, selector)

    def _closed(self, i, sock, selector):
        if self.closed_at[i] is None:
            self.closed_at[i] = time.monotonic()
            selector.unregister(sock)

    def lifetimes(self):
        return [closed - connected for connected, closed in zip(self.connected_at, self.closed_at) if closed is not None]

    def never_closed(self):
        return [i for i, at in enumerate(self.closed_at) if at is None]


if __name__ == "__main__":
    BUILD_DIR = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0], "-v"])
