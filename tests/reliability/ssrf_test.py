"""SSRF matrix: webhook URLs that lead, or try to lead, to this machine, its networks or the cloud
metadata service must never produce a TCP connection to them.

Why: a webhook URL is written by a subscriber (an untrusted party), and deadlined sends POSTs to
it from inside the operator's network. lib/delivery/outbound_url.* refuses such URLs when they are
read and lib/delivery/address_policy.* refuses the address at connect time, after DNS. This test
drives the real daemon with ~100 hostile URLs in every form we know of (IPv4 in decimal, octal,
hex and short forms; reserved IPv4 and IPv6 ranges; IPv4 embedded in IPv6; names that resolve to
loopback without touching the machine's configuration; userinfo and parser-confusion tricks;
percent-encoded and full-width hosts; redirects from an allow-listed receiver) and checks that:

- canary listeners on one port of 0.0.0.0 and [::] (so 127.x.y.z, ::1 and the machine's own
  addresses are all caught) accept no connection at all;
- every URL's message records an error, and it is the error we expect for that row (a policy
  refusal, not "connection timed out" or an HTTP status, which would mean a connection was made);
- the redirecting receiver was reached (so the redirect rows tested redirects) and its Location
  was not followed, even to an allow-listed host over http;
- neither the log nor any recorded error holds a URL's user name, password or the webhook secret;
- the public JSON API (POST /api/v1/manage/{token}/endpoints) refuses a sample at the door with
  400 invalid_field naming `url`.

The table of URL -> recorded error is printed to stderr so a reader can audit it.

Usage: /usr/bin/python3 ssrf_test.py BUILD_DIR"""

import base64
import hashlib
import hmac
import json
import os
import re
import select
import socket
import subprocess
import sys
import threading
import unittest
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import SHANGHAI, Daemon, calendar_toml, wait_for  # noqa: E402

BUILD_DIR = None
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
CLOSES = "2030-01-01T12:00"
DUE_2H = datetime(2030, 1, 1, 10, 0, tzinfo=SHANGHAI)  # the window's "2h" reminder
# The only allow-listed host. allow_hosts matches the URL's host text only (any port, and http is
# then allowed): were it 127.0.0.1, every IPv4 form that libcurl normalises to 127.0.0.1 (127.1,
# 2130706433, ...) would be exempt too. So the redirecting receiver lives on 127.0.0.3 and no row
# but the redirect targets names that host.
RECEIVER_HOST = "127.0.0.3"
# A token key ring we write ourselves, so the test can make a manage link (lib/subscription/tokens.h).
TOKEN_KEY = bytes(range(32))

# What a row's recorded error must match: each is a refusal by the policy, never an error that
# only comes after a connection was attempted ("timed out", "Connection refused", an HTTP status).
EARLY = r"is not reachable: "                    # a numeric host refused when the URL is read
CONNECT = r"^refused: "                          # the connect-time guard, after DNS
USERINFO = r"user name or password before the host"
ZONE = r"IPv6 zone id"
HTTP_ONLY = r"only https is allowed"
REDIRECT = r"redirects are not followed"
# Ours, or libcurl's when it cannot use a host it parsed (e.g. IDN conversion fails): no socket.
MALFORMED = r"not valid|has no host|must have // and then the host|port is not a number|^URL using bad/illegal format"
UNRESOLVED = r"^Could not resolve host"
OWN = r"^refused: \S+ is an address of this machine"  # a public address on one of our interfaces
# A public address the test puts on lo for its run (as root): a host with a public address is where
# "the machine's own address" is an SSRF the private ranges do not cover (own_addresses.h).
PUBLIC_OWN_ADDRESS = "1.2.3.4"


def ipv4_rows(p):
    """Loopback written every way libcurl reads IPv4, then every refused range."""
    loopback = [
        ("dotted", f"https://127.0.0.1:{p}/hook"), ("decimal", f"https://2130706433:{p}/"),
        ("hex", f"https://0x7f000001:{p}/"), ("hex upper", f"https://0X7F000001:{p}/"),
        ("octal", f"https://017700000001:{p}/"), ("short", f"https://127.1:{p}/"),
        ("short 3", f"https://127.0.1:{p}/"), ("octal part", f"https://0177.0.0.1:{p}/"),
        ("octal short", f"https://0177.1:{p}/"), ("hex short", f"https://0x7f.1:{p}/"),
        ("hex part", f"https://0x7f.0.0.1:{p}/"), ("hex parts", f"https://0x7F.0x00.0x00.0x01:{p}/"),
        ("zero-padded", f"https://127.000.000.001:{p}/"), ("other loopback", f"https://127.127.127.127:{p}/"),
        ("top loopback", f"https://127.255.255.254:{p}/"), ("zero", f"https://0:{p}/"),
        ("this host", f"https://0.0.0.0:{p}/"), ("hex zero", f"https://0x0:{p}/"),
    ]
    ranges = [
        ("10/8", "10.0.0.1"), ("10/8 top", "10.255.255.254"), ("172.16/12", "172.16.0.1"),
        ("172.16/12 top", "172.31.255.254"), ("192.168/16", "192.168.0.1"), ("192.168/16 top", "192.168.255.254"),
        ("metadata", "169.254.169.254"), ("metadata hex", "0xa9fea9fe"), ("metadata decimal", "2852039166"),
        ("CGNAT", "100.64.0.1"), ("CGNAT top", "100.127.255.254"), ("benchmark", "198.18.0.1"),
        ("benchmark top", "198.19.255.254"), ("multicast", "224.0.0.1"), ("multicast top", "239.255.255.250"),
        ("broadcast", "255.255.255.255"), ("broadcast decimal", "4294967295"), ("reserved", "240.0.0.1"),
        ("IETF", "192.0.0.170"),
    ]
    rows = [("IPv4 " + what, url, EARLY) for what, url in loopback]
    rows += [("IPv4 " + what, f"https://{host}:{p}/", EARLY) for what, host in ranges]
    # 2^32 + 127.0.0.1: a parser that wraps would reach loopback; libcurl reads it as a name.
    rows.append(("IPv4 overflow", f"https://4311744513:{p}/", f"{UNRESOLVED}|{MALFORMED}|{EARLY}"))
    # A trailing dot makes it a name for libcurl's parser; the resolver then returns 127.0.0.1.
    rows.append(("IPv4 trailing dot", f"https://127.0.0.1.:{p}/", f"{CONNECT}|{UNRESOLVED}"))
    return rows


def ipv6_rows(p):
    hosts = [
        ("loopback", "::1"), ("loopback long", "0:0:0:0:0:0:0:1"), ("unspecified", "::"),
        ("link-local", "fe80::1"), ("unique local fc", "fc00::1"), ("unique local fd", "fd00::1"),
        ("site-local", "fec0::1"), ("multicast", "ff02::1"), ("discard-only", "100::1"),
        ("mapped dotted", "::ffff:127.0.0.1"), ("mapped hex", "::ffff:7f00:1"),
        ("mapped metadata", "::ffff:169.254.169.254"), ("mapped private", "::ffff:10.0.0.1"),
        ("compatible", "::127.0.0.1"), ("compatible hex", "::7f00:1"),
        ("NAT64", "64:ff9b::7f00:1"), ("NAT64 dotted", "64:ff9b::127.0.0.1"),
        ("NAT64 local-use", "64:ff9b:1::7f00:1"), ("6to4", "2002:7f00:1::"), ("6to4 metadata", "2002:a9fe:a9fe::"),
        # Teredo client 127.0.0.1, obfuscated (bitwise not) as Teredo writes it.
        ("Teredo", "2001:0:4136:e378:8000:63bf:80ff:fffe"), ("documentation", "2001:db8::1"),
    ]
    rows = [("IPv6 " + what, f"https://[{host}]:{p}/", EARLY) for what, host in hosts]
    rows.append(("IPv6 link-local zone", f"https://[fe80::1%25lo]:{p}/", ZONE))
    rows.append(("IPv6 loopback zone", f"https://[::1%25lo]:{p}/", ZONE))
    return rows


def hosts_file_names():
    """Names /etc/hosts maps (localhost, the hostname in containers, ...), read, never changed."""
    names = []
    try:
        with open("/etc/hosts") as f:
            for line in f:
                fields = line.split("#", 1)[0].split()
                names += [n for n in fields[1:] if n not in names]
    except OSError:
        pass
    return names


def name_rows(p):
    """Names that resolve to this machine (or nowhere): only the connect-time guard stops them."""
    names = ["localhost", "LOCALHOST", "LocalHost", "localhost.", "foo.localhost", "a.b.localhost",
             "ip6-localhost", "ip6-loopback", socket.gethostname(), socket.gethostname().upper()]
    names += [n for n in hosts_file_names() if n not in names]
    rows = [("name " + n, f"https://{n}:{p}/", f"{CONNECT}|{UNRESOLVED}") for n in names]
    rows.append(("name unresolvable", f"https://nothing-here.invalid:{p}/", UNRESOLVED))
    return rows


def own_addresses():
    """This machine's interface addresses (from `ip`, else its hostname): a URL may name them."""
    found = set()
    try:
        out = subprocess.run(["ip", "-o", "addr", "show"], capture_output=True, text=True, timeout=5).stdout
        found.update(m.split("/")[0] for m in re.findall(r"\binet6? (\S+)", out))
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        found.update(info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None))
    except OSError:
        pass
    return sorted(a for a in found if not a.startswith("fe80"))  # link-local needs a zone: rows above


def own_address_rows(p):
    rows = []
    for address in own_addresses():
        host = f"[{address}]" if ":" in address else address
        rows.append(("own address " + address, f"https://{host}:{p}/", f"{EARLY}|{OWN}"))
    return rows


def trick_rows(p):
    """Userinfo, parser-confusion, percent-encoding and full-width forms; plain http."""
    anything = f"{EARLY}|{CONNECT}|{UNRESOLVED}|{MALFORMED}|{USERINFO}"
    return [
        ("userinfo host", f"https://example.cn@127.0.0.1:{p}/", USERINFO),
        ("userinfo user:pw", f"https://user:pw@127.0.0.1:{p}/", USERINFO),
        ("userinfo global host", "https://user:pw@example.cn/", USERINFO),
        ("userinfo IPv6", f"https://user@[::1]:{p}/", USERINFO),
        ("userinfo %2f", f"https://127.0.0.1%2f@example.cn:{p}/", USERINFO),
        ("userinfo empty", f"https://@127.0.0.1:{p}/", f"{USERINFO}|{EARLY}"),
        ("fragment @", f"https://127.0.0.1:{p}#@example.cn/", EARLY),
        ("query @", f"https://127.0.0.1:{p}?@example.cn/", EARLY),
        ("encoded @", f"https://example.cn%40127.0.0.1:{p}/", f"{MALFORMED}|{UNRESOLVED}"),
        ("backslash @", f"https://example.cn\\@127.0.0.1:{p}/", f"{MALFORMED}|{USERINFO}|{EARLY}"),
        ("backslash path @", f"https://127.0.0.1:{p}\\@example.cn/", f"{MALFORMED}|{USERINFO}|{EARLY}"),
        ("backslashes", f"https:\\\\127.0.0.1:{p}/", MALFORMED),
        ("one slash", f"https:/127.0.0.1:{p}/", MALFORMED),
        ("three slashes", f"https:///127.0.0.1:{p}/", MALFORMED),
        ("two ports", f"https://127.0.0.1:{p}:443/", MALFORMED),
        ("percent host", f"https://%31%32%37.0.0.1:{p}/", anything),
        ("percent localhost", f"https://%6c%6f%63%61%6c%68%6f%73%74:{p}/", anything),
        ("full-width digits", f"https://１２７.０.０.１:{p}/", anything),
        ("ideographic dots", f"https://127。0。0。1:{p}/", anything),
        ("circled localhost", f"https://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ:{p}/", anything),
        ("http loopback", f"http://127.0.0.1:{p}/", HTTP_ONLY),
        ("http localhost", f"http://localhost:{p}/", HTTP_ONLY),
        ("http IPv6", f"http://[::1]:{p}/", HTTP_ONLY),
        ("http global", "http://example.cn/hook", HTTP_ONLY),
    ]


REDIRECT_STATUSES = (301, 302, 303, 307, 308)


def redirect_rows(receiver_port):
    return [(f"redirect {status}", f"http://{RECEIVER_HOST}:{receiver_port}/r{status}", REDIRECT)
            for status in REDIRECT_STATUSES]


def redirect_target(status, canary_port):
    """Where /rSTATUS points: the canary, once through the allow-listed host over http, so only
    "never follow" (not the address policy) stands between the redirect and the canary."""
    targets = {301: f"https://127.0.0.1:{canary_port}/", 302: f"http://{RECEIVER_HOST}:{canary_port}/",
               303: f"http://[::1]:{canary_port}/", 307: f"http://localhost:{canary_port}/",
               308: f"http://{RECEIVER_HOST}:{canary_port}/latest/meta-data/"}
    return targets[status]


class Canaries:
    """One port on 0.0.0.0 and the same on [::] (IPv6 only), counting accepted connections in a
    thread: any loopback or own address of the machine on that port lands here."""

    def __init__(self):
        self.servers = [socket.create_server(("0.0.0.0", 0))]
        self.port = self.servers[0].getsockname()[1]
        try:  # create_server sets IPV6_V6ONLY, so this does not clash with the IPv4 socket
            self.servers.append(socket.create_server(("::", self.port), family=socket.AF_INET6))
        except OSError:
            pass  # no IPv6 here: IPv6 rows are still checked for their refusal, not observed
        self.accepted = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._count, daemon=True)
        self.thread.start()

    def _count(self):
        while not self.stopping.is_set():
            readable, _, _ = select.select(self.servers, [], [], 0.1)
            for server in readable:
                try:
                    connection, peer = server.accept()
                except OSError:
                    continue
                with self.lock:
                    self.accepted.append(peer)
                connection.close()

    def snapshot(self):
        with self.lock:
            return list(self.accepted)

    def reset(self):
        with self.lock:
            self.accepted.clear()

    def close(self):
        self.stopping.set()
        self.thread.join(2)
        for server in self.servers:
            server.close()


class RedirectingReceiver:
    """The allow-listed webhook receiver on RECEIVER_HOST: POST /rSTATUS answers STATUS with a
    Location pointing at the canary; every request's path is recorded."""

    def __init__(self, canary_port):
        self.paths = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.paths.append(self.path)
                status = int(self.path[2:]) if re.fullmatch(r"/r\d{3}", self.path) else 404
                self.send_response(status)
                if status in REDIRECT_STATUSES:
                    self.send_header("Location", redirect_target(status, canary_port))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((RECEIVER_HOST, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def manage_token(subscriber_id, generation=1):
    """A manage link's token, made as lib/subscription/tokens.h specifies, with TOKEN_KEY (id 1)."""
    header = bytes([1, 1]) + subscriber_id.to_bytes(8, "big") + generation.to_bytes(8, "big")
    mac = hmac.new(TOKEN_KEY, b"deadlined-token-v1\0manage\0" + header, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(header + mac).rstrip(b"=").decode()


def post_json(port, path, body):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


class SsrfMatrix(unittest.TestCase):
    def setUp(self):
        self.add_public_own_address()
        self.canaries = Canaries()
        self.addCleanup(self.canaries.close)
        self.receiver = RedirectingReceiver(self.canaries.port)
        self.addCleanup(self.receiver.close)

    def test_no_url_reaches_this_machine_or_its_networks(self):
        p = self.canaries.port
        self.assert_canaries_can_see(p)
        rows = (ipv4_rows(p) + ipv6_rows(p) + own_address_rows(p) + name_rows(p) + trick_rows(p)
                + redirect_rows(self.receiver.port))
        self.assertGreaterEqual(sum(url.startswith("https://") for _, url, _ in rows), 45)

        d = self.start_daemon(rows)
        errors = self.wait_for_every_attempt(d, rows)
        door = self.try_the_door(d)
        self.assertEqual(d.stop(), 0)

        self.print_table(rows, errors, p)
        self.assertEqual(self.canaries.snapshot(), [], "a URL reached the canary (peers listed)")
        wrong = [(what, url, error) for (what, url, expect), error in zip(rows, errors)
                 if not error or not re.search(expect, error)]
        self.assertEqual(wrong, [], "rows without the policy's refusal they should have")
        for status in REDIRECT_STATUSES:
            self.assertIn(f"/r{status}", self.receiver.paths, "the redirecting receiver was never asked")
        self.assert_no_credentials_leak(d, errors)
        self.assert_door_refused(door)

    def add_public_own_address(self):
        """As root, PUBLIC_OWN_ADDRESS on lo for the test (removed after), so own_addresses() has
        one address no private range refuses; without root or `ip`, the rows keep what is there."""
        if os.geteuid() != 0:
            return
        try:
            added = subprocess.run(["ip", "addr", "add", f"{PUBLIC_OWN_ADDRESS}/32", "dev", "lo"],
                                   capture_output=True, text=True, timeout=5)
        except OSError:
            return
        if added.returncode == 0:
            self.addCleanup(subprocess.run, ["ip", "addr", "del", f"{PUBLIC_OWN_ADDRESS}/32", "dev", "lo"],
                            capture_output=True, timeout=5)

    # --- steps ---------------------------------------------------------------------------------
    def assert_canaries_can_see(self, port):
        """The canaries must be able to fail the test: connect to them from here first, at
        loopback addresses and at the machine's own (those that take a connection here)."""
        targets = ["127.0.0.1", "127.0.0.2", "127.98.76.54"] + (["::1"] if len(self.canaries.servers) > 1 else [])
        connected = 0
        for host in targets + [a for a in own_addresses() if ":" not in a or len(self.canaries.servers) > 1]:
            try:
                with socket.create_connection((host, port), timeout=2):
                    connected += 1
            except OSError:
                self.assertNotIn(host, targets, "a loopback address does not reach the canary")
        wait_for(lambda: len(self.canaries.snapshot()) == connected, 5, "the canaries to see the probes")
        self.canaries.reset()

    def start_daemon(self, rows):
        d = Daemon(BUILD_DIR, calendars_text=calendar_toml([("apply", CLOSES, None)]),
                   allow_hosts=json.dumps([RECEIVER_HOST]),
                   delivery="retry_delays_seconds = [1, 1, 1, 1, 1, 1, 1]\n"
                            "connect_timeout_seconds = 2\ntotal_timeout_seconds = 4")
        self.addCleanup(d.close)
        key_file = d.token_keys_file
        with open(os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write("1:" + base64.b64encode(TOKEN_KEY).decode() + "\n")
        d.set_clock(DUE_2H - timedelta(seconds=2))
        d.ctl("outbox")  # creates the database
        for _, url, _ in rows:
            d.add_endpoints(1, "webhook", url, SECRET)
        # The subscriber whose manage link tries the API's door: no endpoint, so no message.
        d.sql("INSERT INTO subscribers (id, email, email_hash, state, created_at) "
              "VALUES (100000, 'door@example.cn', 'door-hash', 'active', 0)")
        return d.start()

    def wait_for_every_attempt(self, d, rows):
        """Every endpoint's message has been tried and has an error; a URL that stays retryable
        (refused at connect time, redirected) has been tried twice, so retries are covered too.
        The rows' endpoints are ids 1..len(rows), in order (add_endpoints on a new database)."""
        query = ("SELECT e.id, count(m.id), min(m.attempts), group_concat(m.last_error, ' | '), e.state "
                 "FROM endpoints e LEFT JOIN messages m ON m.endpoint_id = e.id "
                 "WHERE e.id <= ? GROUP BY e.id ORDER BY e.id")

        def done():
            found = d.sql(query, len(rows))
            return all(messages >= 1 and error and (attempts >= 2 or state == "needs_attention")
                       for _, messages, attempts, error, state in found)

        try:
            wait_for(done, 25, "an error recorded for every URL", interval=0.2)
        except AssertionError:
            pass  # the rows still without an error are named by the checks that follow
        found = d.sql(query, len(rows))
        self.assertEqual([row[0] for row in found], list(range(1, len(rows) + 1)))
        return [error for _, _, _, error, _ in found]

    def try_the_door(self, d):
        """The public JSON API refuses a sample before anything is stored."""
        token = manage_token(100000)
        sample = ["https://127.0.0.1/hook", "https://2130706433/", "https://0x7f.1/", "https://[::1]/",
                  "https://[::ffff:7f00:1]/", "https://[64:ff9b::7f00:1]/", "https://169.254.169.254/latest",
                  "https://[fe80::1%25eth0]/", "https://user:pw@example.cn/", "http://example.cn/hook",
                  "https:/example.cn/"]
        answers = [(url, *post_json(d.port, f"/api/v1/manage/{token}/endpoints", {"kind": "webhook", "url": url}))
                   for url in sample]
        # The control: an allow-listed URL passes the same door, so the refusals above are the policy's.
        control = post_json(d.port, f"/api/v1/manage/{token}/endpoints",
                            {"kind": "webhook", "url": f"http://{RECEIVER_HOST}:{self.receiver.port}/door"})
        stored = d.sql("SELECT count(*) FROM endpoints WHERE subscriber_id = 100000")[0][0]
        return answers, control, stored

    # --- checks --------------------------------------------------------------------------------
    def print_table(self, rows, errors, port):
        print(f"\n  {len(rows)} URLs ({sum(u.startswith('https://') for _, u, _ in rows)} https), "
              f"canary port P = {port}:", file=sys.stderr)
        for (what, url, _), error in zip(rows, errors):
            print(f"  {what:24} {url.replace(str(port), 'P'):52} {error}", file=sys.stderr)

    def assert_no_credentials_leak(self, d, errors):
        # The user names and passwords written before "@" in the rows above, and the secret.
        # ("example.cn%40127.0.0.1" is a host, not userinfo: logs may show it.)
        log = d.log()
        for secret in ("user:pw", "pw@", "user@", "example.cn@", "127.0.0.1%2f@", SECRET):
            self.assertFalse(secret in log, f"the log holds {secret!r}: a URL's credentials or the secret")
            self.assertFalse([e for e in errors if secret in (e or "")], f"an error holds {secret!r}")

    def assert_door_refused(self, door):
        answers, control, stored = door
        print("  POST /api/v1/manage/{token}/endpoints:", file=sys.stderr)
        for url, status, body in answers:
            print(f"    {url:36} {status} {json.dumps(body, ensure_ascii=False)}", file=sys.stderr)
        for url, status, body in answers:
            self.assertEqual(status, 400, url)
            self.assertEqual(body["error"]["code"], "invalid_field", url)
            self.assertEqual(body["error"]["field"], "url", url)
            self.assertTrue(body["error"]["message"].startswith("url: "), url)
            self.assertNotIn("user:pw", body["error"]["message"], "the answer quotes the URL's password")
        self.assertEqual(control[0], 201, f"the door refused an allow-listed URL too: {control}")
        self.assertEqual(stored, 1, "an endpoint refused at the door was stored anyway")


if __name__ == "__main__":
    BUILD_DIR = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0], "-v"])
