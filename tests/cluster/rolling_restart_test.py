"""A rolling restart of three nodes behind HAProxy loses no request (issue 24, section 3).

A PostgreSQL server of this test's own (tests/pg/pg_server.py), one database on it, and THREE
real deadlined nodes on that database (the same calendars directory, token key ring and admin
token, as docs/operations.md "Several nodes" requires), each with [daemon] drain_seconds = 3,
[http] trusted_proxies = ["127.0.0.1"] (the balancer) and its mail to a real SMTP server
(tests/integration/smtp_server.py, Debian's aiosmtpd). In front of them HAProxy runs the
committed docs/balancer/haproxy.cfg (tests/cluster/balancer.py): a check every second, out after
one failed check, back after two good ones; retries only where nothing can happen twice.

A client, through the balancer only, one request per connection, retrying NOTHING, sends about
40 requests a second for the whole restart: subscriptions through the JSON API (POST
/api/v1/subscriptions, 202) and the form (POST /subscribe, 303 to /subscribed), each for an email
address of its own, and the public feeds (GET /calendar.ics, 200, and one programme's,
/calendar.ics?programme=it-programme). Meanwhile node1, node2 and node3 in turn get SIGTERM:
HAProxy must take the node out while it still serves, the node must exit 0 after its drain, and
it is started again on the same port with the same config; the next node waits until HAProxy
has this one UP again.

Checked and printed (one summary line): every request answered with its route's success and no
connection error; requests served by each node (HAProxy's log); requests HAProxy sent more than
once (none: a POST must never be, and with the drain no GET needs to be); each node out of
rotation before it stopped, exit status 0 and its drain logged; each subscription stored once, a
pending subscriber with one email endpoint and no mail held back; and each one's confirmation
mail received by the SMTP server exactly once, counted once every node has stopped (so no node
can still send one). A confirmation mail does not go through the outbox: the node that stored the
subscription starts handing it to the relay as it answers (delivery/account_mailer.h), and a
stopping node's event loop runs until the hand-overs in flight are done (the mail client holds
work on it: delivery/curl_multi_client.h), so a drain loses none and sends none twice.

Rate limits: the subscribe routes allow each client address 5 requests, then one a minute, per
node (docs/http-api.md, "Limits"). Every subscribe request here comes from a source address of
its own (127.2.x.y, as tests/reliability/load_test.py does), which HAProxy passes on in
X-Forwarded-For (`option forwardfor`) and the nodes believe because the balancer's address is in
their trusted_proxies: no request can meet a limit, so a 429 would be a real failure. Every
address is a new one as well, so the per-address mail limit (one every 10 minutes) holds none back.

Ports: HAProxy's server lines name fixed ports, so a node must come back on its own. They are
chosen below the kernel's ephemeral range, where no outgoing connection (the client's, HAProxy's)
can take the port in the moment between a node's exit and its restart.

Usage: /usr/bin/python3 rolling_restart_test.py BUILD_DIR. Exits 1 on failure.
"""

import email
import email.policy
import http.client
import os
import random
import re
import signal
import socket
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "pg"))
import pg_server  # noqa: E402

# This test's own server (it stops and starts it); the harness keeps the daemons' data there.
SERVER_DIR = pg_server.of_a_test_of_its_own("rolling")

from balancer import Balancer  # noqa: E402
from harness import Daemon, calendar_toml, wait_for  # noqa: E402
from smtp_server import SmtpServer, mail_config  # noqa: E402
from test_database import open_test_database  # noqa: E402

BUILD_DIR = None
NODES = 3
DRAIN = 3          # seconds; HAProxy checks every second and drops a node after one failed check
PER_SECOND = 10    # requests a second of each of the four kinds: 40 a second in all
AFTER = 1.5        # seconds the client goes on after the last node is back
PROGRAMME = "it-programme"  # calendar_toml's one programme
PUBLIC_URL = "https://deadlined.example.cn"

# What each kind of request is, and its documented success (docs/http-api.md).
KINDS = ("api", "form", "feed", "programme_feed")


def log(line):
    print(line, file=sys.stderr, flush=True)


def node_port():
    """A free loopback port below the ephemeral range (ip_local_port_range), kept by the node
    across its restarts."""
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        ephemeral_low = int(f.read().split()[0])
    low = 10000 if ephemeral_low > 12000 else 1024
    for _ in range(200):
        port = random.randrange(low, ephemeral_low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise AssertionError("no free port below the ephemeral range")


class Outcome:
    __slots__ = ("kind", "email", "status", "error", "started", "finished")

    def __init__(self, kind, email_address):
        self.kind, self.email = kind, email_address
        self.status, self.error, self.started, self.finished = None, "", 0.0, 0.0


class Addresses:
    """One new client address per subscribe request (127.2.0.1, 127.2.0.2, ...)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.n = 0

    def next(self):
        with self.lock:
            self.n += 1
            n = self.n
        return n, f"127.2.{n // 250}.{n % 250 + 1}"


def send(port, outcome, addresses):
    """One request on a connection of its own, no retry; fills in `outcome`."""
    source = "127.0.0.1"
    headers = {"Connection": "close"}
    body = None
    if outcome.kind in ("api", "form"):
        n, source = addresses.next()
        outcome.email = f"rolling-{outcome.kind}-{n}@example.cn"
        method = "POST"
        if outcome.kind == "api":
            path = "/api/v1/subscriptions"
            headers["Content-Type"] = "application/json"
            body = f'{{"email": "{outcome.email}", "leads": ["7d"]}}'.encode()
        else:
            path = "/subscribe"
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode({"email": outcome.email, "lead": "7d", "consent": "yes"}).encode()
    else:
        method = "GET"
        path = "/calendar.ics" if outcome.kind == "feed" else f"/calendar.ics?programme={PROGRAMME}"
    outcome.started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        outcome.status = response.status
        outcome.error = judge(outcome.kind, response, answer)
    except (OSError, http.client.HTTPException) as error:
        outcome.error = f"{method} {path}: {error!r}"
    finally:
        connection.close()
        outcome.finished = time.monotonic()


def judge(kind, response, answer):
    """'' when the answer is the route's documented success, else what it was."""
    text = answer[:200].decode(errors="replace")
    if kind == "api":
        ok = response.status == 202 and b'"confirmation_sent"' in answer.replace(b" ", b"")
    elif kind == "form":
        ok = response.status == 303 and (response.getheader("Location") or "").endswith("/subscribed")
    else:
        ok = response.status == 200 and answer.startswith(b"BEGIN:VCALENDAR")
    return "" if ok else f"{kind}: HTTP {response.status} {text!r}"


class Client(threading.Thread):
    """One kind of request, PER_SECOND a second on a fixed schedule (a late request is sent at
    once, not skipped), until stopped or for at most 120 s."""

    def __init__(self, port, kind, addresses):
        super().__init__(daemon=True)
        self.port, self.kind, self.addresses = port, kind, addresses
        self.outcomes = []
        self.done = threading.Event()

    def run(self):
        began = time.monotonic()
        i = 0
        while not self.done.is_set() and time.monotonic() < began + 120:
            delay = began + i / PER_SECOND - time.monotonic()
            if delay > 0 and self.done.wait(delay):
                break
            outcome = Outcome(self.kind, None)
            send(self.port, outcome, self.addresses)
            self.outcomes.append(outcome)
            i += 1


def setUpModule():
    pg_server.start(SERVER_DIR)


def tearDownModule():
    pg_server.stop(SERVER_DIR)


class RollingRestart(unittest.TestCase):
    def test_rolling_restart_of_three_nodes_fails_no_request(self):
        began = time.monotonic()
        smtp = SmtpServer().start()
        self.addCleanup(smtp.stop)
        tmp = tempfile.TemporaryDirectory(prefix="deadlined-rolling-")
        self.addCleanup(tmp.cleanup)
        database = open_test_database(tmp.name, "postgresql")
        self.addCleanup(database.drop)
        calendars = os.path.join(tmp.name, "calendars")
        os.makedirs(calendars)
        with open(os.path.join(calendars, "calendar.toml"), "w") as f:
            f.write(calendar_toml([("apply", "2030-01-01T12:00", None)]))
        secrets = os.path.join(tmp.name, "secrets")
        os.makedirs(secrets, mode=0o700)
        clock_file = os.path.join(tmp.name, "clock-offset")

        nodes, ports = [], []
        for n in range(1, NODES + 1):
            d = Daemon(BUILD_DIR, calendars_dir=calendars, database=database,
                       database_uri=f"{database.location}&application_name=node{n}", secrets_dir=secrets,
                       clock_file=clock_file, drain_seconds=DRAIN,
                       # mail_config ends in [http]: the balancer is believed about the client.
                       extra_config=mail_config(smtp.port, PUBLIC_URL) + 'trusted_proxies = ["127.0.0.1"]\n')
            d.name = f"node{n}"
            self.addCleanup(d.close)
            nodes.append(d)
            ports.append(node_port())
        for d, port in zip(nodes, ports):
            d.start(port=port)  # one after another: the first creates the shared key ring and token
            self.assertEqual(d.port, port)
        lb = Balancer(ports).start()
        self.addCleanup(lb.close)
        lb.wait_until_up([d.name for d in nodes])

        addresses = Addresses()
        clients = [Client(lb.port, kind, addresses) for kind in KINDS]
        for c in clients:
            c.start()
        time.sleep(1)
        timeline = []
        for d, port in zip(nodes, ports):
            sent = time.monotonic()
            d.signal(signal.SIGTERM)
            lb.wait_until(lambda s: s[d.name] != "UP", DRAIN, f"{d.name} out of rotation while it drains")
            out = time.monotonic() - sent
            self.assertTrue(d.running(), f"{d.name} stopped before HAProxy took it out")
            self.assertEqual(d.wait_exit(DRAIN + 10), 0, f"{d.name}'s exit status")
            exited = time.monotonic() - sent
            d.start(port=port)
            started = time.monotonic() - sent
            lb.wait_until_up([d.name], timeout=15)
            back = time.monotonic() - sent
            timeline.append((d.name, out, exited, started, back))
        time.sleep(AFTER)
        for c in clients:
            c.done.set()
        for c in clients:
            c.join(15)
            self.assertFalse(c.is_alive(), f"the {c.kind} client is stuck")
        load_time = time.monotonic() - began

        outcomes = [o for c in clients for o in c.outcomes]
        failed = [o for o in outcomes if o.error]
        by_kind = Counter(o.kind for o in outcomes)
        subscribed = [o.email for o in outcomes if o.kind in ("api", "form") and not o.error]

        # Every confirmation mail, then every node stopped (SIGINT: no drain), so none can still
        # send one: the counts below are final.
        wait_for(lambda: len(smtp.received()) >= len(subscribed), 30,
                 f"{len(subscribed)} confirmation mails (have {len(smtp.received())})", interval=0.2)
        exits = {}
        for d in nodes:
            d.signal(signal.SIGINT)
        for d in nodes:
            exits[d.name] = d.wait_exit(15)
        mails = Counter()
        not_confirmations = []
        for m in smtp.received():
            for r in m.recipients:
                mails[r] += 1
            text = email.message_from_bytes(m.data, policy=email.policy.default).get_body(("plain",)).get_content()
            if not re.search(re.escape(PUBLIC_URL) + r"/confirm/[A-Za-z0-9_-]+", text):
                not_confirmations.append(m.recipients)

        stored = database.sql(
            "SELECT s.email, s.state, s.confirm_mails_in_window, s.account_mail_due_at, "
            "(SELECT count(*) FROM endpoints e WHERE e.subscriber_id = s.id AND e.kind = 'email') "
            "FROM subscribers s")
        stored_emails = Counter(row[0] for row in stored)
        # HAProxy writes a request's log line once it has finished with it, which can be after the
        # client has its answer: the last lines get a moment to arrive.
        deadline = time.monotonic() + 5
        served = lb.requests()
        while len(served) < len(outcomes) and time.monotonic() < deadline:
            time.sleep(0.1)
            served = lb.requests()
        by_node = Counter(r["server"] for r in served)
        retried = lb.retried()
        drains = {d.name: (d.log().count(f"SIGTERM: draining for {DRAIN} s"), d.log().count("drain over: stopping"))
                  for d in nodes}
        took = time.monotonic() - began

        log("\n" + "\n".join(
            f"  {name}: out of rotation {out:.2f} s after SIGTERM, exited 0 after {exited:.2f} s, "
            f"started again after {started:.2f} s, UP again after {back:.2f} s"
            for name, out, exited, started, back in timeline))
        for o in failed[:20]:
            log(f"  failed +{o.started - began:.2f} s ({o.finished - o.started:.2f} s): {o.error}")
        if retried:
            log("  retried by HAProxy: " + "; ".join(
                f"{r['method']} {r['path']} -> {r['server']} {r['status']} retries {r['retries']}"
                f"{' redispatched' if r['redispatched'] else ''}" for r in retried[:20]))
        problems = sorted({re.sub(r"\d", "N", line.split(" ", 1)[1]) for d in nodes for line in d.log().splitlines()
                           if " error " in line or " warning " in line})
        if problems:
            log("  the nodes' warnings and errors (digits as N):\n" + "\n".join(f"    {p}" for p in problems[:20]))
        log(f"rolling restart: {len(outcomes)} requests through HAProxy in {load_time:.1f} s "
            f"(subscribe JSON {by_kind['api']}, form {by_kind['form']}, feed GETs {by_kind['feed']} + "
            f"{by_kind['programme_feed']}), {len(failed)} failed; HAProxy logged {len(served)}, served by "
            + ", ".join(f"{d.name} {by_node[d.name]}" for d in nodes)
            + f"; retried {len(retried)} ({sum(1 for r in retried if r['method'] != 'GET')} not GET); "
            f"drain_seconds = {DRAIN}, every node exited 0; {len(stored)} subscribers stored, "
            f"{sum(mails.values())} mails for {len(subscribed)} subscriptions; test took {took:.1f} s")

        # No request failed, and the client really ran through every restart.
        self.assertEqual([o.error for o in failed[:20]], [], f"{len(failed)} of {len(outcomes)} requests failed")
        for kind in KINDS:
            self.assertGreater(by_kind[kind], 10 * PER_SECOND, f"too few {kind} requests")
        last_back = began + max(t[4] for t in timeline)
        self.assertTrue(all(max(o.started for o in c.outcomes) > last_back for c in clients),
                        "a client stopped before the last node was back")
        # HAProxy answered what it logged; every node served (each before and after its restart,
        # so each far more than nothing).
        self.assertEqual(lb.dropped_logs(), 0, "HAProxy dropped log lines: the counts below would be short")
        self.assertEqual(len(served), len(outcomes),
                         f"HAProxy's log does not hold every request; lines not read: {lb.unparsed()}")
        for d in nodes:
            self.assertGreater(by_node[d.name], len(outcomes) // (2 * NODES), f"{d.name} served too little")
        # A POST must never be sent twice; with the drain no GET had to be either.
        self.assertEqual([r for r in retried if r["method"] != "GET"], [])
        self.assertEqual(retried, [])
        # Each node stopped after its drain, exit 0 (its restart's exit too, by SIGINT).
        for d in nodes:
            self.assertEqual(drains[d.name], (1, 1), f"{d.name}: drain not logged once")
            self.assertEqual(exits[d.name], 0, f"{d.name}: exit status after the restart")
        # Each subscription stored once: a pending subscriber with its email endpoint, its one
        # confirmation mail counted and none held back for later.
        self.assertEqual(len(stored), len(stored_emails), "an address stored twice")
        self.assertEqual(set(stored_emails), set(subscribed), "stored subscribers differ from those answered")
        self.assertEqual(len(subscribed), len(set(subscribed)))
        self.assertEqual([row for row in stored if row[1:] != ("pending", 1, None, 1)], [])
        # And each confirmation mail received once, to its address, and nothing else.
        self.assertEqual(not_confirmations, [])
        self.assertEqual({a: n for a, n in mails.items() if n != 1}, {}, "mails received more than once")
        self.assertEqual(set(mails), set(subscribed), "mails to addresses that did not subscribe, or missing")


if __name__ == "__main__":
    BUILD_DIR = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
