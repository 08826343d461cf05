"""Three deadlined on one PostgreSQL database (issue 24, "Several daemons on one PostgreSQL").

A PostgreSQL server of this test's own (tests/pg/pg_server.py, socket only: it is stopped and
started again by one of the tests), and for each test a database on it with THREE nodes: real
deadlined processes with their own directories, ports and logs, one config each naming the same
database (with application_name=nodeN in the URI, so pg_stat_activity tells their sessions
apart), the same calendars directory, the same link key ring and admin token files (nodes refuse
to start otherwise) and one clock-offset file (one move of the clock moves all three).
[daemon] claim_lease_seconds = 5 (the default is 30): a killed node's claims are requeued by
another node's next claim 5 s after its last heartbeat, so re-sends after a kill come quickly.

- fan-out (test_kill9_during_fan_out_and_delivery): ENDPOINTS signed webhook endpoints (one URL
  path each on tests/integration/receiver.py, which checks every signature with Python's hmac), one
  reminder point, fan-out chunks of 500 endpoints; the clock moves to it and every node gets a
  SIGHUP, so all three run a scheduler pass at once and race to record the trigger (passes a
  second apart never race). The test watches firings.done_through and, once
  the fan-out has passed a seeded share of the endpoints, kills -9 the node whose session holds
  the firing's chunk (a transaction with a transaction id that touches firings or the fan-out's
  fire_* tables); after the fan-out has finished and the receiver has seen a seeded share of the
  messages, it kills -9 the surviving node with the most claims in flight. Right after each kill
  the database is read: the firing's messages are exactly one per endpoint up to its done_through
  (one snapshot), and the ids 'sending' under the killed node's claim are kept. The first killed
  node is started again after the second kill; the second only once everything is delivered, so
  its claims can only have been sent again by another node once their lease ended. Checked and
  printed: the trigger recorded once, one firing with one message per endpoint, every message
  delivered and received (0 lost), every signature valid, and repeats (ids received more than
  once): each one an id the killed node had 'sending' at its kill.
- per-endpoint cap (test_per_endpoint_cap_holds_across_nodes): [delivery] per_endpoint = 2, three
  endpoints with CAP_WINDOWS reminders each, all due at once, on a receiver that takes 200 ms per
  request and records how many requests each endpoint has open at once: never more than 2,
  although three nodes each could send 2; the cap must be reached and at least two nodes must
  have delivered to one endpoint (else the check proved nothing).
- robot rate limit (test_robot_rate_limit_holds_across_nodes): a WeCom robot (20 messages a
  minute) with ROBOT_MESSAGES reminders due at once (tests/integration/robot_receiver.py, answering
  in ROBOT_SLOW s so that every node's claims come round while the first sends): at most 20 in the
  first minute of the daemons' clock, then (the clock moved 62 s) the rest; no 61 s window of the
  daemons' clock holds more than 20. Runs in ~20 s: the limit's minute is the daemons' clock,
  which the test moves. Fails until the robots' send times are kept in the database (each node's
  limiter is in memory); DEADLINED_NODES=1 runs it on one node, as a control (it passes).
- a platform's throttle (test_robot_throttle_holds_across_nodes): a DingTalk robot that answers
  its first request 130101 (throttled 10 minutes, each send before the end prolonging it), with
  THROTTLE_MESSAGES reminders due at once and [delivery] per_endpoint = 1: in the 5 s after the
  throttle is recorded no node sends to the robot (without endpoint_blocks, lib/pg/pg_robot_sends.h,
  the nodes not told would); after it ends every reminder goes, once.
- PostgreSQL restarted (test_pg_restart_all_nodes_recover): the server stopped for OUTAGE_SECONDS
  (pg_ctl stop -m fast, as pg_outage_test.py) while three nodes run: each says /healthz 503 and
  deadlined_store_up 0, then after the restart, on its own, /healthz 200, deadlined_store_up 1,
  the owner lock held again and its heartbeat in `nodes`; a subscription through each node's API
  is stored and a reminder is delivered, with no daemon restarted.

Short form (default): 10,000 endpoints. Long form (DEADLINED_RELIABILITY=long, in
scripts/reliability-long.sh): 100,000 endpoints, chunks of 2,000. DEADLINED_NODES_ENDPOINTS
overrides the count; DEADLINED_RELIABILITY_SEED replays the kill shares.
Usage: /usr/bin/python3 nodes_test.py BUILD_DIR [TestClass.test_method ...]
"""

import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "pg"))
import pg_server  # noqa: E402

# This test's own server (it stops and starts it); the harness keeps the daemons' data there.
SERVER_DIR = pg_server.of_a_test_of_its_own("nodes")

from harness import SHANGHAI, Daemon, calendar_toml, wait_for  # noqa: E402
from receiver import Receiver  # noqa: E402
from robot_receiver import RobotReceiver  # noqa: E402
from test_database import open_test_database  # noqa: E402

BUILD_DIR = None
LONG = os.environ.get("DEADLINED_RELIABILITY") == "long"
ENDPOINTS = int(os.environ.get("DEADLINED_NODES_ENDPOINTS", "100000" if LONG else "10000"))
CHUNK = 2000 if LONG else 500
NODES = int(os.environ.get("DEADLINED_NODES", "3"))  # 1: the robot check's control; the others need 3
LEASE = 5
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PER_ENDPOINT = 2
CAP_ENDPOINTS, CAP_WINDOWS, SLOW = 3, 30, 0.2
ROBOT_MESSAGES, ROBOT_LIMIT, ROBOT_SLOW = 40, 20, 0.5
THROTTLE_MESSAGES = 6
OUTAGE_SECONDS = 8
IN_FLIGHT_AT_KILL = 32  # claims a node must have in flight for the kill during delivery

CLOSES = datetime(2030, 1, 10, 12, 0, tzinfo=SHANGHAI)
DUE = CLOSES - timedelta(hours=2)  # the "2h" lead's reminder point
# Windows a minute apart whose "2h" reminders all fall due when the clock jumps past them; each
# fires on time as its own message (late_after is a day), not as one digest.
MINUTE_WINDOWS = lambda n: [(f"w{i:02d}", (CLOSES + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M"), None)
                            for i in range(n)]
SCHEDULE = 'replan_seconds = 1\nleads = ["2h"]\nlate_after_seconds = 86400\n'


def log(line):
    print(line, file=sys.stderr, flush=True)


def http(port, path, method="GET", body=None, headers=None):
    """(status, body bytes); an error status is an answer too."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                     headers={**({"Content-Type": "application/json"} if data else {}),
                                              **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError as e:
        return None, str(e).encode()


class Cluster:
    """NODES daemons on one database of this test's server."""

    def __init__(self, windows, delivery="", schedule=SCHEDULE):
        self.tmp = tempfile.TemporaryDirectory(prefix="deadlined-nodes-")
        self.database = open_test_database(self.tmp.name, "postgresql")
        calendars = os.path.join(self.tmp.name, "calendars")
        os.makedirs(calendars)
        with open(os.path.join(calendars, "calendar.toml"), "w") as f:
            f.write(calendar_toml(windows))
        secrets = os.path.join(self.tmp.name, "secrets")
        os.makedirs(secrets, mode=0o700)
        self.clock_file = os.path.join(self.tmp.name, "clock-offset")
        self.nodes = []
        for n in range(1, NODES + 1):
            d = Daemon(BUILD_DIR, calendars_dir=calendars, delivery=delivery, database=self.database,
                       database_uri=f"{self.database.location}&application_name=node{n}",
                       secrets_dir=secrets, clock_file=self.clock_file)
            d.name = f"node{n}"
            with open(d.config) as f:
                config = f.read()
            config = config.replace("shutdown_grace_seconds = 5\n", f"shutdown_grace_seconds = 5\nclaim_lease_seconds = {LEASE}\n")
            with open(d.config, "w") as f:
                f.write(config.replace("replan_seconds = 1\n", schedule))
            self.nodes.append(d)

    def set_clock(self, when):
        self.nodes[0].set_clock(when)  # the one file every node reads

    def move_clock(self, seconds):
        self.set_clock(self.nodes[0].daemon_now() + timedelta(seconds=seconds))

    def start(self):
        for d in self.nodes:
            d.start()

    def start_with_robot(self, kind, url):
        """Starts the nodes with one subscriber and one robot endpoint of `kind` at `url` (added
        once the first node has made the schema, before the others start)."""
        self.nodes[0].start()
        self.database.executemany([
            ("INSERT INTO subscribers (id, email, email_hash, state, created_at) VALUES (?, ?, ?, 'active', 0)",
             [(1, "ops@example.cn", "hash-ops")]),
            ("INSERT INTO endpoints (id, subscriber_id, kind, address, created_at) VALUES (?, ?, ?, ?, 0)",
             [(1, 1, kind, url)])])
        self.database.after_explicit_ids()
        for d in self.nodes[1:]:
            d.start()

    def sql(self, query, *args):
        return self.database.sql(query, *args)

    def node_id(self, d):
        """The id the running daemon `d` registered under (a new one at every start)."""
        rows = self.sql("SELECT id FROM nodes WHERE pid = ? ORDER BY started_at DESC LIMIT 1", d.process.pid)
        return rows[0][0] if rows else None

    def close(self):
        for d in self.nodes:
            d.close()  # kills what still runs; the shared database is not theirs to drop
        self.database.drop()
        self.tmp.cleanup()

    def admin_metrics(self, d):
        with open(d.admin_token_file) as f:
            token = f.read().strip()
        status, body = http(d.admin_port, "/metrics", headers={"Authorization": f"Bearer {token}"})
        return status, "\n" + body.decode(errors="replace")


def add_webhook_endpoints(cluster, count, base_url, start=1):
    """`count` active subscribers, one webhook endpoint each at base_url/N (N = endpoint id)."""
    ids = range(start, start + count)
    cluster.database.executemany([
        ("INSERT INTO subscribers (id, email, email_hash, state, created_at) VALUES (?, ?, ?, 'active', 0)",
         [(i, f"user{i}@example.cn", f"hash{i}") for i in ids]),
        ("INSERT INTO endpoints (id, subscriber_id, kind, address, secret, created_at) "
         "VALUES (?, ?, 'webhook', ?, ?, 0)",
         [(i, i, f"{base_url}/{i}", SECRET) for i in ids])])
    cluster.database.after_explicit_ids()


def truncated(request):
    """A body cut short: the sender died while writing it."""
    return len(request["body"]) != int(request["headers"].get("content-length", "-1"))


def receiver_idle(receiver):
    return not any(thread.is_alive() for thread in list(vars(receiver.server).get("_threads", [])))


class SlowReceiver:
    """Answers every POST after `delay` seconds and records, per URL path, how many requests were
    open at once: from the moment the request's head has been read until its answer has been
    written (a little longer than the sender's own view of it, so never fewer)."""

    def __init__(self, delay):
        self.lock = threading.Lock()
        self.open = Counter()
        self.most = Counter()
        self.count = Counter()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self):
                with receiver.lock:
                    receiver.open[self.path] += 1
                    receiver.most[self.path] = max(receiver.most[self.path], receiver.open[self.path])
                try:
                    self.rfile.read(int(self.headers.get("Content-Length", 0)))
                    time.sleep(delay)
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                    self.wfile.flush()
                finally:
                    with receiver.lock:
                        receiver.open[self.path] -= 1
                        receiver.count[self.path] += 1

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def server_running():
    """Starts this test's server again if a failed test left it stopped."""
    if not os.path.exists(os.path.join(SERVER_DIR, "data", "postmaster.pid")):
        pg_server.resume(SERVER_DIR)


def setUpModule():
    pg_server.start(SERVER_DIR)


def tearDownModule():
    pg_server.stop(SERVER_DIR)


class Nodes(unittest.TestCase):
    def cluster(self, windows, delivery=""):
        c = Cluster(windows, delivery=delivery)
        self.addCleanup(c.close)
        return c

    # --- 1. kill -9 during the fan-out and during delivery ---------------------------------
    def test_kill9_during_fan_out_and_delivery(self):
        seed = int(os.environ.get("DEADLINED_RELIABILITY_SEED", random.SystemRandom().randrange(1 << 30)))
        rng = random.Random(seed)
        fanout_share, delivery_share = rng.uniform(0.2, 0.6), rng.uniform(0.3, 0.8)
        log(f"\n  seed {seed}: {NODES} nodes, {ENDPOINTS:,} webhook endpoints, one reminder point, chunks of "
            f"{CHUNK}, claim lease {LEASE} s ({'long' if LONG else 'short'} form)")
        began = time.monotonic()
        receiver = Receiver(SECRET)
        self.addCleanup(receiver.close)
        c = self.cluster([("w", CLOSES.strftime("%Y-%m-%dT%H:%M"), None)],
                         delivery="retry_delays_seconds = [1, 1, 1, 1, 1, 1, 1]")
        for d in c.nodes:
            with open(d.config) as f:
                config = f.read()
            with open(d.config, "w") as f:
                f.write(config.replace("late_after_seconds", f"fanout_chunk_endpoints = {CHUNK}\nlate_after_seconds"))
        c.set_clock(DUE - timedelta(minutes=1))
        c.nodes[0].start()  # creates and migrates the database
        add_webhook_endpoints(c, ENDPOINTS, receiver.url)
        for d in c.nodes[1:]:
            d.start()
        log(f"  {ENDPOINTS:,} endpoints written, {NODES} nodes started in {time.monotonic() - began:.1f} s")

        kills = []  # (node, its node id, ids 'sending' under its claim, all ids 'sending', where)
        c.set_clock(DUE)
        for d in c.nodes:  # a reload runs a scheduler pass at once: three passes race for the trigger
            d.signal(signal.SIGHUP)
        # Kill 1: the node running the fan-out's chunk, once done_through passes the share.
        target = int(fanout_share * ENDPOINTS)
        victim, seen_at = self.wait_for_chunk_runner(c, target)
        node_id = c.node_id(victim)
        victim.kill9()
        kills.append(self.after_kill(c, victim, node_id, f"fan-out (aimed at {fanout_share:.0%}, seen {seen_at:,})"))
        done, finished = kills[-1][4]
        self.assertFalse(finished, "the first kill did not land in the middle of the fan-out")
        killed = time.monotonic()
        wait_for(lambda: c.sql("SELECT done_through FROM firings")[0][0] > done, 30,
                 "another node to resume the fan-out", interval=0.01)
        log(f"  the fan-out resumed by another node {time.monotonic() - killed:.2f} s after the kill")

        # Kill 2: during delivery (the fan-out may still be running: delivery keeps pace with it,
        # in bursts after each chunk), once the receiver has seen the share: a surviving node
        # with at least IN_FLIGHT_AT_KILL claims in flight, the most of any.
        received_at_kill1 = len(receiver.requests) / ENDPOINTS
        delivery_share = max(delivery_share, received_at_kill1 + 0.1)
        wait_for(lambda: len(receiver.requests) >= delivery_share * ENDPOINTS, 240,
                 f"{delivery_share:.0%} of the messages received", interval=0.002)
        alive = {c.node_id(d): d for d in c.nodes if d.running()}

        def busiest():
            claims = c.sql("SELECT claimed_by, count(*) FROM messages WHERE state = 'sending' AND claimed_by = ANY(?) "
                           "GROUP BY claimed_by ORDER BY 2 DESC LIMIT 1", list(alive))
            return claims[0][0] if claims and claims[0][1] >= IN_FLIGHT_AT_KILL else None
        node_id2 = wait_for(busiest, 120, f"a surviving node with {IN_FLIGHT_AT_KILL} claims in flight", interval=0.002)
        victim2 = alive[node_id2]
        victim2.kill9()
        kills.append(self.after_kill(c, victim2, node_id2, f"delivery (aimed at {delivery_share:.0%} received)"))
        self.assertGreater(len(kills[-1][2]), 0, "the second kill did not land during delivery: nothing in flight")
        victim.start()  # the first one back; the second stays down until the end
        log(f"  {victim.name} started again as node {c.node_id(victim)}")

        wait_for(lambda: c.sql("SELECT count(*) FROM messages WHERE state = 'delivered'")[0][0] == ENDPOINTS,
                 600 if LONG else 240, "every message delivered")
        delivered_at = time.monotonic() - began
        victim2.start()
        wait_for(lambda: c.sql("SELECT count(*) FROM nodes WHERE seen_at >= extract(epoch FROM now()) - 3")[0][0]
                 >= NODES, 15, "three live nodes again")
        time.sleep(1.0)  # a stray repeat would show now
        by_node = c.sql("SELECT claimed_by, count(*) FROM messages GROUP BY claimed_by ORDER BY 2 DESC")
        for d in c.nodes:
            self.assertEqual(d.stop(), 0, f"{d.name} did not stop cleanly")
        wait_for(lambda: receiver_idle(receiver), 10, "the receiver idle")

        # The database: one trigger, one firing, one message per endpoint, all delivered.
        triggers = c.sql("SELECT key, outcome, messages FROM triggers")
        self.assertEqual([(t[1], t[2]) for t in triggers], [("fired", ENDPOINTS)], "the trigger recorded once")
        firings = c.sql("SELECT id, done_through, messages, finished_at IS NOT NULL FROM firings")
        self.assertEqual(len(firings), 1, "one firing")
        self.assertEqual(c.sql("SELECT count(*) FROM firing_triggers")[0][0], 1, "one firing for the trigger")
        firing_id = firings[0][0]
        self.assertEqual(firings[0][1:], (ENDPOINTS, ENDPOINTS, True))
        per_firing = c.sql("SELECT count(*), count(DISTINCT endpoint_id) FROM messages WHERE firing_id = ?", firing_id)[0]
        self.assertEqual(per_firing, (ENDPOINTS, ENDPOINTS), "not exactly one message per endpoint")
        self.assertEqual(c.sql("SELECT state, count(*) FROM messages GROUP BY state"), [("delivered", ENDPOINTS)])

        # The receiver: every message, signatures valid, each endpoint one id; repeats only of
        # what a killed node had in flight.
        requests = receiver.snapshot()
        whole = [r for r in requests if not truncated(r)]
        cut = [r["headers"]["webhook-id"] for r in requests if truncated(r)]
        self.assertTrue(all(r["valid"] for r in whole), "a signature did not verify")
        stored = {row[0] for row in c.sql("SELECT id FROM messages")}
        arrived = {r["headers"]["webhook-id"] for r in whole}
        self.assertEqual(len(stored - arrived), 0, "messages never arrived (lost)")
        self.assertEqual(len(arrived - stored), 0, "requests for messages the database does not know")
        ids_per_path = {}
        for r in whole:
            ids_per_path.setdefault(r["path"], set()).add(r["headers"]["webhook-id"])
        self.assertEqual(len(ids_per_path), ENDPOINTS)
        self.assertEqual([p for p, ids in ids_per_path.items() if len(ids) > 1], [], "an endpoint got two messages")
        received = Counter(r["headers"]["webhook-id"] for r in requests)
        repeated = sorted(i for i, n in received.items() if n > 1)
        in_flight = set().union(*(k[2] for k in kills))
        any_sending = set().union(*(k[3] for k in kills))
        self.assertEqual([i for i in cut if i not in in_flight], [], "a request cut short that was not in flight")
        unexplained = [i for i in repeated if i not in in_flight]
        self.assertEqual(len(unexplained), 0,
                         f"repeats not 'sending' under a killed node's claim at its kill (of them, 'sending' under "
                         f"any node's: {sum(i in any_sending for i in unexplained)}), e.g. {unexplained[:5]}")

        log(f"  {len(stored):,} messages, {c.sql('SELECT count(*) FROM messages WHERE state = ?', 'delivered')[0][0]:,} "
            f"delivered, all {delivered_at:.1f} s after the start; {len(requests):,} requests ({len(cut)} cut short "
            f"by a kill), {len(received):,} distinct ids, {sum(n - 1 for n in received.values())} repeats of "
            f"{len(repeated)} id(s), every one 'sending' under a killed node's claim at its kill: "
            f"{', '.join(repeated) if len(repeated) <= 12 else ', '.join(repeated[:12]) + ', ...'}")
        log(f"  triggers {len(triggers)} ({triggers[0][0]}: {triggers[0][2]:,} messages); firings {len(firings)} "
            f"(#{firing_id}: {per_firing[0]:,} messages for {per_firing[1]:,} endpoints)")
        for number, (d, nid, mine, sending, _, where) in enumerate(kills, 1):
            again = sorted(set(repeated) & mine)
            log(f"  kill {number} ({d.name}, node {nid}, {where}): {len(mine)} 'sending' under its claim "
                f"({len(sending)} under any node's); {len(again)} of them received twice")
        log(f"  messages by the node that last claimed them: {by_node}")
        log(f"  test took {time.monotonic() - began:.1f} s")

    def wait_for_chunk_runner(self, c, target):
        """Polls until done_through has passed `target` (or the fan-out finished) and a node's
        session is in a fan-out chunk's transaction; returns that node and done_through. A chunk
        holds the firing's row lock (FOR UPDATE: a transaction id) and runs statements on
        firings and the fire_* tables; other nodes' looks at the firing (SKIP LOCKED) take no
        transaction id."""
        by_name = {d.name: d for d in c.nodes}

        def runner():
            rows = c.sql("SELECT a.application_name, f.done_through, f.finished_at IS NOT NULL "
                         "FROM firings f LEFT JOIN pg_stat_activity a ON a.datname = current_database() "
                         "AND a.backend_xid IS NOT NULL AND a.application_name LIKE 'node%' "
                         "AND (position('fire' IN a.query) > 0 OR position('FROM endpoints WHERE id >' IN a.query) > 0)")
            for name, done, finished in rows:
                if finished:
                    raise AssertionError(f"the fan-out finished before a kill could land (done_through {done:,})")
                if done >= target and name in by_name:
                    return by_name[name], done
            return None
        return wait_for(runner, 120, f"the fan-out past {target:,} endpoints, in a node's chunk", interval=0.005)

    def after_kill(self, c, d, node_id, where):
        """Right after kill -9 of `d`: the firing's messages match its committed chunks (one
        snapshot), and what was 'sending' (under d's claim, and under any)."""
        row = c.sql("SELECT f.done_through, f.finished_at IS NOT NULL, "
                    "(SELECT count(*) FROM messages m WHERE m.firing_id = f.id), "
                    "(SELECT count(DISTINCT m.endpoint_id) FROM messages m WHERE m.firing_id = f.id), "
                    "(SELECT count(*) FROM messages m WHERE m.firing_id = f.id AND m.endpoint_id > f.done_through), "
                    "(SELECT count(*) FROM messages WHERE state = 'delivered') FROM firings f")
        self.assertEqual(len(row), 1, "one firing")
        done, finished, count, distinct, beyond, delivered = row[0]
        self.assertEqual((count, distinct, beyond), (done, done, 0),
                         f"after killing {d.name}: the firing's messages do not match its committed chunks")
        sending = c.sql("SELECT id, claimed_by FROM messages WHERE state = 'sending'")
        mine = {i for i, by in sending if by == node_id}
        log(f"  kill -9 {d.name} (node {node_id}) during {where}: done_through {done:,}"
            f"{' (finished)' if finished else ''}, {delivered:,} delivered, {len(mine)} 'sending' under its claim, "
            f"{len(sending)} under any node's")
        return d, node_id, mine, {i for i, _ in sending}, (done, finished), where

    # --- 2. the per-endpoint cap across nodes ---------------------------------------------
    def test_per_endpoint_cap_holds_across_nodes(self):
        receiver = SlowReceiver(SLOW)
        self.addCleanup(receiver.close)
        c = self.cluster(MINUTE_WINDOWS(CAP_WINDOWS),
                         delivery=f"per_endpoint = {PER_ENDPOINT}\nretry_delays_seconds = [1, 1, 1, 1]")
        c.set_clock(DUE - timedelta(minutes=1))
        c.nodes[0].start()
        add_webhook_endpoints(c, CAP_ENDPOINTS, receiver.url)
        for d in c.nodes[1:]:
            d.start()
        began = time.monotonic()
        c.set_clock(DUE + timedelta(minutes=CAP_WINDOWS))  # every reminder due at once
        total = CAP_ENDPOINTS * CAP_WINDOWS
        wait_for(lambda: c.sql("SELECT count(*) FROM messages WHERE state = 'delivered'")[0][0] == total, 120,
                 f"{total} messages delivered")
        took = time.monotonic() - began
        nodes_per_endpoint = c.sql("SELECT endpoint_id, count(DISTINCT claimed_by) FROM messages GROUP BY endpoint_id "
                                   "ORDER BY endpoint_id")
        by_node = c.sql("SELECT claimed_by, count(*) FROM messages GROUP BY claimed_by ORDER BY 2 DESC")
        with receiver.lock:
            most, count = dict(receiver.most), dict(receiver.count)
        log(f"\n  {CAP_ENDPOINTS} endpoints x {CAP_WINDOWS} reminders, per_endpoint = {PER_ENDPOINT}, receiver "
            f"{SLOW * 1000:.0f} ms a request, {NODES} nodes: delivered in {took:.1f} s; most open at once per endpoint "
            f"{most}; requests {count}; nodes that sent to each endpoint {nodes_per_endpoint}; by node {by_node}")
        self.assertEqual(sum(count.values()), total, "one request per message")
        self.assertLessEqual(max(most.values()), PER_ENDPOINT, "an endpoint had more requests open than its cap")
        self.assertEqual(max(most.values()), PER_ENDPOINT, "the cap was never reached: the check proved nothing")
        self.assertGreaterEqual(max(n for _, n in nodes_per_endpoint), 2,
                                "no endpoint was served by two nodes: the check proved nothing across nodes")
        for d in c.nodes:
            self.assertEqual(d.stop(), 0)

    # --- 3. a robot's rate limit across nodes ---------------------------------------------
    def test_robot_rate_limit_holds_across_nodes(self):
        c = self.cluster(MINUTE_WINDOWS(ROBOT_MESSAGES), delivery="retry_delays_seconds = [1, 1, 1, 1]")
        c.set_clock(DUE - timedelta(minutes=1))
        receiver = RobotReceiver(now=lambda: c.nodes[0].daemon_now().timestamp())
        self.addCleanup(receiver.close)
        # A slow robot (ROBOT_SLOW a request): the first node's 20 sends then take seconds, long
        # enough for every node's claims to come round (each polls every second), as on a busy
        # cluster; with an instant robot one node may claim all 40 and its own limiter alone
        # hold them back.
        receiver.add("wecom", "wecom-nodes", script=lambda n, request: time.sleep(ROBOT_SLOW))
        c.start_with_robot("wecom", receiver.url("wecom", "wecom-nodes"))
        sent = lambda: receiver.requests("wecom", "wecom-nodes")
        c.set_clock(DUE + timedelta(minutes=ROBOT_MESSAGES))  # every reminder due at once
        first = time.monotonic()
        wait_for(lambda: len(sent()) >= ROBOT_LIMIT, 30, f"the first {ROBOT_LIMIT}")
        time.sleep(4)  # every node has claimed again (they poll every second): nothing more may go
        in_first_minute = len(sent())
        states = c.sql("SELECT state, count(*) FROM messages GROUP BY state ORDER BY state")
        by_node = c.sql("SELECT claimed_by, count(*) FROM messages WHERE state = 'delivered' GROUP BY claimed_by")
        log(f"\n  {ROBOT_MESSAGES} reminders due at once to one WeCom robot, {NODES} nodes: {in_first_minute} received "
            f"within {time.monotonic() - first:.1f} s (limit {ROBOT_LIMIT} a minute); messages {states}; delivered by "
            f"node {by_node}")
        self.assertLessEqual(in_first_minute, ROBOT_LIMIT, "more than 20 messages to the robot within a minute")
        # The sends are counted by the database server's clock (pg_robot_sends.h), which every
        # node shares and no test clock moves: the rest go once a real minute has passed.
        wait_for(lambda: len(sent()) >= ROBOT_MESSAGES, 90, "the rest after the minute")
        time.sleep(1)
        requests = sent()
        self.assertEqual(len(requests), ROBOT_MESSAGES)
        self.assertTrue(all(r["valid"] and r["code"] == 0 for r in requests))
        times = sorted(r["at"] for r in requests)
        # The platforms' limit and the daemon's promise (delivery/rate_limit.h): at most 20 in any
        # minute. (A 61 s window is printed too: sends counted by whole seconds of the server's
        # clock may free a slot up to a second before 61 s have passed.)
        busiest = max(sum(1 for t in times if start <= t < start + 60) for start in times)
        busiest_61 = max(sum(1 for t in times if start <= t < start + 61) for start in times)
        log(f"  after a minute: {len(requests)} received; at most {busiest} in any 60 s ({busiest_61} in any 61 s)")
        self.assertLessEqual(busiest, ROBOT_LIMIT, "more than 20 messages in a minute")

    # --- 3b. a platform's throttle across nodes -------------------------------------------
    def test_robot_throttle_holds_across_nodes(self):
        c = self.cluster(MINUTE_WINDOWS(THROTTLE_MESSAGES), delivery="per_endpoint = 1\nretry_delays_seconds = [1, 1, 1, 1]")
        c.set_clock(DUE - timedelta(minutes=1))
        receiver = RobotReceiver(now=lambda: c.nodes[0].daemon_now().timestamp())
        self.addCleanup(receiver.close)
        # DingTalk's 130101 to the first request: the robot is throttled for 10 minutes, and any
        # send before they end prolongs it (the receiver answers the others as usual, so a send
        # that should not have happened shows as a request).
        receiver.add("dingtalk", "dingtalk-nodes", script=lambda n, request: 130101 if n == 1 else None)
        c.start_with_robot("dingtalk", receiver.url("dingtalk", "dingtalk-nodes"))
        sent = lambda: receiver.requests("dingtalk", "dingtalk-nodes")
        c.set_clock(DUE + timedelta(minutes=THROTTLE_MESSAGES))  # every reminder due at once
        wait_for(lambda: c.sql("SELECT count(*) FROM endpoint_blocks")[0][0] == 1, 30, "the throttle recorded")
        told = c.sql("SELECT claimed_by FROM messages WHERE last_error LIKE ?", "%130101%")
        time.sleep(5)  # every node has claimed again several times (they poll every second)
        during = sent()
        states = c.sql("SELECT state, count(*) FROM messages GROUP BY state ORDER BY state")
        log(f"\n  {THROTTLE_MESSAGES} reminders due at once to one DingTalk robot, {NODES} nodes, per_endpoint = 1: "
            f"{len(during)} request(s) in the 5 s after the 130101 (told to node {told}); messages {states}")
        self.assertEqual([r["code"] for r in during], [130101], "a node sent to the robot while it was throttled")
        # Ten minutes on: the throttle is the server's clock (moved back here), the message told
        # 130101 waits for its retry by the daemons' clock (moved on). Then every reminder goes, once.
        c.sql("UPDATE endpoint_blocks SET until = until - 600")
        c.move_clock(11 * 60)
        wait_for(lambda: c.sql("SELECT count(*) FROM messages WHERE state = 'delivered'")[0][0] == THROTTLE_MESSAGES,
                 30, f"{THROTTLE_MESSAGES} messages delivered after the throttle")
        time.sleep(1)
        after = sent()[1:]
        log(f"  after the throttle: {len(after)} request(s), codes {Counter(r['code'] for r in after)}")
        self.assertEqual(len(after), THROTTLE_MESSAGES, "one request per message after the throttle")
        self.assertTrue(all(r["valid"] and r["code"] == 0 for r in after))

    # --- 4. PostgreSQL restarted under three nodes ----------------------------------------
    def test_pg_restart_all_nodes_recover(self):
        receiver = Receiver(SECRET)
        self.addCleanup(receiver.close)
        c = self.cluster([("w", CLOSES.strftime("%Y-%m-%dT%H:%M"), None)])
        c.set_clock(DUE - timedelta(minutes=5))
        c.nodes[0].start()
        add_webhook_endpoints(c, 1, receiver.url)
        for d in c.nodes[1:]:
            d.start()
        for d in c.nodes:
            wait_for(lambda: http(d.port, "/healthz")[0] == 200, 15, f"{d.name} healthy")

        pg_server.halt(SERVER_DIR)
        halted = time.monotonic()
        self.addCleanup(server_running)  # before the cluster's cleanup drops its database
        for d in c.nodes:
            wait_for(lambda: http(d.port, "/healthz")[0] == 503, 15, f"{d.name}: /healthz 503")
            self.assertIn("\ndeadlined_store_up 0\n", c.admin_metrics(d)[1], d.name)
        log(f"\n  server stopped: all {NODES} nodes /healthz 503 and deadlined_store_up 0 within "
            f"{time.monotonic() - halted:.1f} s")
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - halted)))
        pg_server.resume(SERVER_DIR)
        resumed = time.monotonic()
        log(f"  server started again after {resumed - halted:.1f} s (longer than the {LEASE} s claim lease)")

        for d in c.nodes:
            wait_for(lambda: http(d.port, "/healthz")[0] == 200, 30, f"{d.name}: /healthz 200 again")
            wait_for(lambda: "holding the database's owner lock again" in d.log(), 30, f"{d.name}: owner lock again")
            status, metrics = c.admin_metrics(d)
            self.assertEqual(status, 200)
            self.assertIn("\ndeadlined_store_up 1\n", metrics, d.name)
        recovered = time.monotonic() - resumed
        ids = {c.node_id(d) for d in c.nodes}
        wait_for(lambda: c.sql("SELECT count(*) FROM nodes WHERE seen_at >= extract(epoch FROM now()) - 2 "
                               "AND id = ANY(?)", list(ids))[0][0] == NODES, 15, "every node beating again")
        for n, d in enumerate(c.nodes, 1):
            status, body = http(d.port, "/api/v1/subscriptions", "POST", {"email": f"after{n}@qiye.example.cn"})
            self.assertEqual(status, 202, f"{d.name}: {body}")
        self.assertEqual(c.sql("SELECT count(*) FROM subscribers WHERE email LIKE 'after%' AND state = 'pending'"),
                         [(NODES,)])
        c.set_clock(DUE)
        wait_for(lambda: len(receiver.snapshot()) >= 1, 30, "the reminder delivered after the restart")
        wait_for(lambda: c.sql("SELECT state FROM messages") == [("delivered",)], 15, "recorded delivered")
        time.sleep(1)
        [request] = receiver.snapshot()
        self.assertTrue(request["valid"])
        for d in c.nodes:
            self.assertTrue(d.running(), f"{d.name} exited")
            self.assertEqual(d.log().count("serving http://"), 1, f"{d.name} started more than once")
        log(f"  every node /healthz 200, deadlined_store_up 1, owner lock held and beating {recovered:.1f} s after "
            f"the server came back; {NODES} subscriptions (one per node) and 1 reminder delivered, no restart")
        for d in c.nodes:
            self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    BUILD_DIR = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
