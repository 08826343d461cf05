#!/usr/bin/python3
"""nodes_lateness_bench: how late reminders fire when several deadlined nodes share one
PostgreSQL database (issue "Several daemons on one PostgreSQL" §2: "Firing lateness p99 stays
<= 50 ms with three nodes"), against one node on the same server in the same run.

Usage: /usr/bin/python3 bench/nodes_lateness_bench.py BUILD_DIR [--nodes 1,3] [--lives N]
                       [--firings N] [--endpoints N] [--lead-in S] [--postgresql URI] [--quick]
       defaults: nodes 1 and 3, 3 lives of 10 firings each, 10000 webhook endpoints (the nodes
       still delivering the earlier firings when the next falls due; --endpoints 5: idle nodes);
       --quick: 2 lives of 5 firings, 3000 endpoints

The method is bench/daemon_bench.py's lateness, with k nodes instead of one daemon:
  - a throwaway PostgreSQL server (tests/pg/pg_server.py; or --postgresql URI), a database per
    node count made by `deadlinectl --db URI outbox`, --endpoints active webhook endpoints on a
    receiver here that answers 204;
  - k real deadlined processes on it, each its own directory, listeners and output pipe, all with
    the same calendar (one programme, windows a minute apart, the "2h" lead), key ring, admin
    token and clock offset file;
  - per firing: the shared clock offset is rewritten so that the next reminder point falls due at
    a whole second of real time at least --lead-in ahead; every node's scheduler arms its timer
    for it and all k race to record it (the triggers table's key lets one win; the others find it
    recorded). Lateness = when the winning node's output said "fired 1 trigger(s) on time" (the
    pass has committed), stamped by a reader thread here, minus the due instant;
  - each life starts the nodes afresh (a new phase of their once-a-second wake cycle).
Reported per node count: p50, p99 and max over lives x firings, which node won each firing, and
the nodes' own deadlined_firing_lateness_seconds histograms (admin /metrics, read from every node
before each stop and summed: each trigger is counted by the node that fired it, so the sum must
hold exactly one observation per firing). Baseline: daemon_bench's plain sleeping process
through the same kind of pipe and reader (what the measurement itself adds), and the 1-node p99.
With 10,000 endpoints (the default) the nodes are still delivering the earlier firings' webhooks
when the next falls due (reported: the webhooks not yet received 0.1 s before each due instant);
with --endpoints 5 they are idle, and the figure is the scheduler's alone.
Checked: each reminder point recorded once, as 'fired' (on time); the histograms' total is the
number of firings; the receiver got every firing's webhooks.
Nothing is pinned: the nodes, PostgreSQL and this script share both cores, as they would on one
machine; the figures are what three nodes on this machine give.

Prints the figures, then for bench/report.py:
  RESULT name=nodesK_lateness_p99 value=ms unit=ms baseline=<1 node's p99, same run> ...
         target=value<=50ms met=yes|no
Exit status 0 when measured (target met or not), 1 on a failure, 2 on a usage error."""

import argparse
import math
import os
import re
import secrets
import statistics
import time
from datetime import datetime, timedelta

import daemon_bench
from daemon_bench import FIRED, Receiver, histogram_p99, lateness_calendar, metrics_histogram, percentile
from nodes_bench import (SHANGHAI, WEBHOOK_SECRET, Failure, Node, Server, Shared, loadavg, log, make_database,
                         parse_node_args, run_bench, wait_for)

TARGET_MS = 50.0
BASE = datetime(2030, 3, 1, 10, 0, tzinfo=SHANGHAI)   # the first window's close; the others a minute apart
DUE0 = int((BASE - timedelta(hours=2)).timestamp())   # its "2h" reminder point


def make_endpoints_database(server, build_dir, name, endpoints, url):
    """A database with the store's schema and `endpoints` active subscribers, one webhook each."""
    uri = make_database(server, build_dir, name)
    connection = server.connect(uri)
    try:
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO subscribers (id, email, email_hash, state, created_at) "
                               "VALUES (%s, %s, %s, 'active', 0)",
                               [(i, f"user{i}@example.cn", f"hash{i}") for i in range(1, endpoints + 1)])
            cursor.executemany("INSERT INTO endpoints (subscriber_id, kind, address, secret, created_at) "
                               "VALUES (%s, 'webhook', %s, %s, 0)",
                               [(i, url, WEBHOOK_SECRET) for i in range(1, endpoints + 1)])
            cursor.execute("ANALYZE")
    finally:
        connection.close()
    return uri


def fired_lines(node):
    return [(at, line) for at, line in node.reader.snapshot() if FIRED.search(line)]


def fire_once(shared, nodes, due_epoch, lead_in, backlog):
    """Makes `due_epoch` (daemon time) fall due at the next whole second of real time at least
    `lead_in` ahead; (lateness in seconds, the winning node's index, its own "max lateness",
    backlog() 0.1 s before the due instant)."""
    seen = [len(fired_lines(n)) for n in nodes]
    due_real = math.ceil(time.time() + lead_in)
    shared.set_offset(due_epoch - due_real)
    time.sleep(max(0.0, due_real - 0.1 - time.time()))
    before_due = backlog()

    def fired():
        hits = []
        for index, node in enumerate(nodes):
            node.check_running()
            hits += [(at, index, line) for at, line in fired_lines(node)[seen[index]:]]
        return sorted(hits) or None

    hits = wait_for(fired, due_real - time.time() + 10, "a node to fire", interval=0.002)
    at, winner, line = hits[0]
    if int(FIRED.search(line).group(1)) != 1:
        raise Failure("expected one trigger per pass: " + line)
    own = re.search(r"max lateness (\d+) ms", line)
    return at - due_real, winner, int(own.group(1)) / 1000 if own else None, before_due


def add_buckets(total, buckets):
    """Sums two histograms' cumulative buckets [(le, count)] (the same bounds on every node)."""
    if not total:
        return list(buckets)
    if [le for le, _ in total] != [le for le, _ in buckets]:
        raise Failure("the nodes' lateness histograms have different buckets")
    return [(le, a + b) for (le, a), (_, b) in zip(total, buckets)]


def measure(args, server, work, k):
    """One node count: lives x firings; its samples, winners, summed histogram and own figures."""
    receiver = Receiver()
    name = "nl" + secrets.token_hex(4)
    windows = args.lives * args.firings + 3
    shared = Shared(os.path.join(work, f"k{k}"),
                    calendar=lateness_calendar(windows, BASE.replace(tzinfo=None)))
    try:
        uri = make_endpoints_database(server, args.build_dir, name, args.endpoints, receiver.url)
        nodes = [Node(args.build_dir, os.path.join(work, f"k{k}", f"node{n}"), shared,
                      f"{uri}&application_name=node{n}") for n in range(1, k + 1)]
        samples, winners, own, buckets, fired = [], [], [], [], 0
        backlog = []  # webhooks of earlier firings not yet received 0.1 s before each due instant
        try:
            for life in range(args.lives):
                # Start 30 s (daemon time) before the next due instant, each life at another
                # phase of the nodes' once-a-second wake cycle.
                shared.set_offset(DUE0 + fired * 60 - 30 - int(time.time()))
                time.sleep((life * 0.37) % 1.0)
                for node in nodes:
                    node.start(stamped=True)
                wait_for(lambda: all(node.serving() for node in nodes), 60, f"{k} node(s) to serve")
                life_samples = []
                for _ in range(args.firings):
                    late, winner, own_late, undelivered = fire_once(
                        shared, nodes, DUE0 + fired * 60, args.lead_in,
                        lambda: fired * args.endpoints - len(receiver.received))
                    backlog.append(undelivered)
                    fired += 1
                    life_samples.append(late)
                    winners.append(winner)
                    own.append(own_late)
                samples += life_samples
                log(f"{k} node(s), life {life + 1}: " + " ".join(f"{s * 1000:.0f}" for s in life_samples) +
                    " ms; won by node " + " ".join(str(w + 1) for w in winners[-args.firings:]))
                wait_for(lambda: len(receiver.received) >= fired * args.endpoints, 120, "every firing's webhooks")
                for node in nodes:
                    buckets = add_buckets(buckets, metrics_histogram(node.metrics()))
                for node in nodes:
                    node.stop()
        finally:
            for node in nodes:
                node.kill()
        check(server, uri, fired, buckets, len(receiver.received), args.endpoints)
        return dict(samples=samples, winners=winners, own=own, buckets=buckets, backlog=backlog)
    finally:
        receiver.close()
        server.admin(f"DROP DATABASE IF EXISTS {name}")


def check(server, uri, fired, buckets, received, endpoints):
    """Each point recorded once and on time, counted once by the nodes' histograms, delivered."""
    outcomes = server.query(uri, "SELECT outcome, count(*), count(DISTINCT key) FROM triggers GROUP BY outcome")
    if outcomes != [("fired", fired, fired)]:
        raise Failure(f"expected {fired} triggers recorded once each as 'fired', found {outcomes}")
    observed = buckets[-1][1] if buckets else 0
    if observed != fired:
        raise Failure(f"the nodes' histograms hold {observed} firings, not {fired}: one counted twice or lost")
    if received != fired * endpoints:
        raise Failure(f"the receiver got {received} webhooks, not {fired * endpoints}")


def run(args, work):
    server = Server(args.postgresql)
    try:
        log(f"nodes_lateness_bench: {args.build_dir}/daemon/deadlined; PostgreSQL {server.version} "
            f"({', '.join(f'{k}={v}' for k, v in server.settings.items())}); {os.cpu_count()} CPUs, nothing "
            f"pinned; load {loadavg()}; {args.lives} lives x {args.firings} firings, {args.endpoints} endpoints")
        results = {k: measure(args, server, work, k) for k in args.nodes}
    finally:
        server.stop()
    try:
        base = daemon_bench.sleeper_baseline(20, 0.25)
    except daemon_bench.Failure as e:
        raise Failure(str(e))

    log()
    b99 = percentile(base, 99)
    log(f"baseline, a plain sleeping process through the same kind of pipe: p99 {b99 * 1000:.1f} ms over {len(base)}")
    for k, r in results.items():
        s = r["samples"]
        wins = [r["winners"].count(i) for i in range(k)]
        own = [x for x in r["own"] if x is not None]
        log(f"{k} node(s), {len(s)} firings: p50 {statistics.median(s) * 1000:.0f} ms, p99 "
            f"{percentile(s, 99) * 1000:.0f} ms, max {max(s) * 1000:.0f} ms; firings won by node "
            f"{'/'.join(map(str, wins))}; the nodes' histograms summed: {r['buckets'][-1][1]} firings, p99 in "
            f"the bucket le={histogram_p99(r['buckets'])} s; webhooks of earlier firings not yet received 0.1 s "
            f"before a due instant: median {statistics.median(r['backlog']):.0f}, max {max(r['backlog'])}" +
            (f"; own lateness at pass start p99 {percentile(own, 99) * 1000:.0f} ms" if own else ""))
    one = percentile(results[min(results)]["samples"], 99) * 1000
    for k, r in results.items():
        if k == min(results) and len(results) > 1:
            continue
        p99 = percentile(r["samples"], 99) * 1000
        ratio = p99 / one if one else float("nan")
        log(f"RESULT name=nodes{k}_lateness_p99 value={p99:.6g} unit=ms baseline={one:.6g} ratio={ratio:.4g} "
            f"target=value<={TARGET_MS:g}ms met={'yes' if p99 <= TARGET_MS else 'no'} nodes={k} "
            f"firings={len(r['samples'])} sleeper_p99_ms={b99 * 1000:.1f}")


def main():
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("build_dir")
    parser.add_argument("--nodes", default="1,3")
    parser.add_argument("--lives", type=int)
    parser.add_argument("--firings", type=int)
    parser.add_argument("--endpoints", type=int)
    parser.add_argument("--lead-in", type=float, default=1.5)
    parser.add_argument("--postgresql")
    parser.add_argument("--quick", action="store_true")
    args = parse_node_args("nodes_lateness_bench", parser)
    defaults = dict(lives=2, firings=5, endpoints=3000) if args.quick else dict(lives=3, firings=10, endpoints=10_000)
    run_bench("nodes_lateness_bench", args, defaults, ("daemon/deadlined", "daemon/deadlinectl"),
              "ninja -C BUILD deadlined deadlinectl", run)


if __name__ == "__main__":
    main()
