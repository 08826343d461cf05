#!/usr/bin/python3
"""report: runs every benchmark against BUILD_DIR and prints one table of figures, the baselines
measured in the same run, ratios, targets and whether each is met.

Usage: /usr/bin/python3 bench/report.py BUILD_DIR [--quick] [--logs DIR] [--postgresql]

Builds nothing: BUILD_DIR must hold deadlined, deadlinectl (daemon/) and fanout_bench,
webhook_bench, slow_webhook_bench, email_bench (bench/; with --postgresql webhook_sink too), e.g.
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
  cmake --build build --target deadlined deadlinectl fanout_bench webhook_bench slow_webhook_bench email_bench webhook_sink
and needs scripts/install-bench-deps.sh's tools (smtp-sink/smtp-source, nginx, wrk).

Runs, one after the other (about 12 minutes on 2 cores; --quick, smaller sizes, about 4):
  fanout_bench 1000000 2       (--quick: 100000 2)
  tests/reliability/load_test.py BUILD with DEADLINED_LOAD_ENDPOINTS=1000000 (--quick: 200000):
                               subscribe p99 during a fan-out vs outside it
  webhook_bench 20000 3        (--quick: 5000 2)
  slow_webhook_bench           (--quick: 20000)
  email_bench 5000 3           (--quick: 2000 2)
  feed_bench.py BUILD 5 3      (--quick: 2 1)
  daemon_bench.py BUILD        (--quick: --quick)
With --postgresql, also the store on PostgreSQL: a throwaway server (tests/pg/pg_server.py, in a
temporary directory, stopped and removed at the end), then
  fanout_bench --postgresql URI 100000 3     (--quick: 20000 2)
  webhook_bench --postgresql URI 20000 3     (--quick: 5000 2)
right after their SQLite runs, each on its own line beside SQLite's, and after the webhook line
  nodes_bench.py BUILD --postgresql URI      (--quick: --quick; needs bench/webhook_sink)
  nodes_lateness_bench.py BUILD --postgresql URI    (--quick: --quick)
(1, 2 and 3 real deadlined nodes on one database: webhooks/s, and a 1,000,000-endpoint fan-out
with three nodes; each against one node in the same run, no target; then firing lateness p99
with three nodes against one node, target <= 50 ms). Opt-in because it needs
PostgreSQL 15's server programs (postgresql-15: initdb, pg_ctl), which none of the other
benchmarks does, and root or a `postgres` user to run them as; without the flag the report runs
and takes what it did before.
Each benchmark's whole output goes to DIR/NAME.log (default: a new /tmp/deadlined-report.*
directory, kept); the table is built from the `RESULT name=... value=... baseline=... ratio=...
target=... met=yes|no|n/a` lines they print last (n/a: a line with no target). A benchmark that fails (exit status other than 0)
or prints no RESULT line shows as FAILED in the table, with the end of its log below it.
Exit status 0 when every benchmark ran (targets met or not), 1 when one failed, 2 on a usage
error or a missing binary."""

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# The benchmarks that need the PostgreSQL server (--postgresql).
PG_BENCHES = ("fanout_pg", "webhook_pg", "nodes", "nodes_lateness")

# (row name, RESULT name, what the row compares). The order of the table.
ROWS = [
    ("fan-out vs plain SQLite insert, {endpoints}", "fanout", "fanout"),
    ("fan-out on PostgreSQL vs plain COPY, {endpoints}", "fanout_pg", "fanout_pg"),
    ("subscribe p99 during a {endpoints} fan-out (vs outside)", "subscribe_during_fanout", "fanout_load"),
    ("webhook vs plain libcurl multi", "webhook", "webhook"),
    ("webhook on PostgreSQL vs plain libcurl multi", "webhook_pg", "webhook_pg"),
    ("webhooks, 2 nodes on PostgreSQL vs 1 node", "nodes2_delivery", "nodes"),
    ("webhooks, 3 nodes on PostgreSQL vs 1 node", "nodes3_delivery", "nodes"),
    ("fan-out {endpoints}, 3 nodes vs 1 node", "nodes3_fanout", "nodes"),
    ("firing lateness p99, 3 nodes, {firings} firings (vs 1 node)", "nodes3_lateness_p99", "nodes_lateness"),
    ("webhook drain, slow receivers, vs the limit", "webhook_slow", "webhook_slow"),
    ("email vs libcurl SMTP client (pinned)", "email", "email"),
    ("feed full vs nginx", "feed_full", "feed"),
    ("feed gzip vs nginx", "feed_gzip", "feed"),
    ("feed 304 vs nginx", "feed_304", "feed"),
    ("RSS idle, {subscribers} subscribers (vs empty db)", "rss_idle", "daemon"),
    ("start-up to READY=1, {subscribers} subs (vs empty)", "startup_ready", "daemon"),
    ("start-up to /healthz 200, {subscribers} (vs empty)", "startup_healthz", "daemon"),
    ("firing lateness p99, {firings} firings (vs sleeper)", "lateness_p99", "daemon"),
]


def benches(build, quick, pg_uri=None):
    """(name, command, extra environment). pg_uri: the PostgreSQL runs too, on that server."""
    b = os.path.join(build, "bench")
    py = "/usr/bin/python3"
    load_test = os.path.join(HERE, "..", "tests", "reliability", "load_test.py")
    pg = ["--postgresql", pg_uri] if pg_uri else []
    return [
        ("fanout", [os.path.join(b, "fanout_bench")] + (["100000", "2"] if quick else ["1000000", "2"]), {}),
    ] + ([
        ("fanout_pg", [os.path.join(b, "fanout_bench")] + pg + (["20000", "2"] if quick else ["100000", "3"]), {}),
    ] if pg_uri else []) + [
        ("fanout_load", [py, load_test, build], {"DEADLINED_LOAD_ENDPOINTS": "200000" if quick else "1000000"}),
        ("webhook", [os.path.join(b, "webhook_bench")] + (["5000", "2"] if quick else ["20000", "3"]), {}),
    ] + ([
        ("webhook_pg", [os.path.join(b, "webhook_bench")] + pg + (["5000", "2"] if quick else ["20000", "3"]), {}),
        ("nodes", [py, os.path.join(HERE, "nodes_bench.py"), build] + pg + (["--quick"] if quick else []), {}),
        ("nodes_lateness", [py, os.path.join(HERE, "nodes_lateness_bench.py"), build] + pg +
         (["--quick"] if quick else []), {}),
    ] if pg_uri else []) + [
        ("webhook_slow", [os.path.join(b, "slow_webhook_bench")] + (["20000"] if quick else []), {}),
        ("email", [os.path.join(b, "email_bench")] + (["2000", "2"] if quick else ["5000", "3"]), {}),
        ("feed", [py, os.path.join(HERE, "feed_bench.py"), build] + (["2", "1"] if quick else ["5", "3"]), {}),
        ("daemon", [py, os.path.join(HERE, "daemon_bench.py"), build] + (["--quick"] if quick else []), {}),
    ]


class PgServer:
    """tests/pg/pg_server.py's throwaway server, in a new temporary directory: `uri` once started
    (None, and `error` says why, if it did not start); stop() stops it and removes the directory."""

    SCRIPT = os.path.join(HERE, "..", "tests", "pg", "pg_server.py")

    def __init__(self):
        self.parent = tempfile.mkdtemp(prefix="deadlined-report-pg.")
        # As root the server runs as `postgres`, which must reach its socket directory inside.
        os.chmod(self.parent, 0o755)
        self.dir = os.path.join(self.parent, "server")
        self.uri, self.error = None, ""
        done = subprocess.run(["/usr/bin/python3", self.SCRIPT, "start", self.dir], capture_output=True, text=True)
        if done.returncode == 0:
            with open(os.path.join(self.dir, "uri")) as f:
                self.uri = f.read().strip()
        else:
            self.error = (done.stdout + done.stderr).strip() or f"pg_server.py start: exit status {done.returncode}"

    def stop(self):
        subprocess.run(["/usr/bin/python3", self.SCRIPT, "stop", self.dir], capture_output=True)
        shutil.rmtree(self.parent, ignore_errors=True)


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", HERE, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        if dirty:
            commit += " + uncommitted changes"
    except OSError:
        commit = "?"
    return (f"{os.cpu_count()} CPUs ({model}), Linux {platform.release()}, commit {commit}")


def build_type(build):
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            found = re.search(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", f.read(), re.M)
            # Left empty in the cache, the top-level CMakeLists.txt makes it Release.
            return found.group(1) if found and found.group(1) else "Release (the default)"
    except OSError:
        return "?"


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def parse_results(text):
    results = {}
    for line in text.splitlines():
        if line.startswith("RESULT "):
            fields = dict(item.split("=", 1) for item in line.split()[1:] if "=" in item)
            results[fields.get("name")] = fields
    return results


def short_count(text):
    n = int(text or 0)
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 and n else f"{n // 1000}k" if n % 1000 == 0 and n else str(n)


def ratio_text(ratio):
    # Three decimals near the targets, so that 0.695 against 0.70 does not read "0.70: NOT met".
    return f"{ratio:.3f}" if ratio < 10 else f"{ratio:,.0f}"


def number(text, unit):
    value = float(text)
    if unit in ("messages/s", "requests/s"):
        return f"{value:,.0f} {unit}"
    if unit == "s":
        return f"{value * 1000:,.0f} ms"
    if unit == "ms":
        return f"{value:,.1f} ms"
    return f"{value:,.1f} {unit}"


def target_text(target):
    # ratio>=0.40 / value<=1 with a unit: as a reader says it
    match = re.match(r"(ratio|value)(<=|>=)([\d.]+)(\w*)", target)
    if not match:
        return target
    what, op, amount, unit = match.groups()
    sign = "≥" if op == ">=" else "≤"
    if what == "ratio":
        return f"ratio {sign} {float(amount):.2f}"
    return f"{sign} {amount} {unit}".strip()


def run_all(build, quick, server, logs, results, failures, durations):
    for name, command, env in benches(build, quick, (server.uri or "unstarted") if server else None):
        log_path = os.path.join(logs, name + ".log")
        if name in PG_BENCHES and not server.uri:
            # The server did not start: the PostgreSQL lines fail with its reason in their log.
            with open(log_path, "w") as log:
                log.write(f"the PostgreSQL server did not start:\n{server.error}\n")
            failures[name] = (1, f"the PostgreSQL server did not start:\n{server.error}")
            durations[name] = 0
            continue
        print(f"  {name:8} {' '.join(os.path.basename(c) if i == 0 else c for i, c in enumerate(command))} ...",
              end="", flush=True)
        t = time.monotonic()
        with open(log_path, "w") as log:
            code = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, cwd=os.path.dirname(HERE),
                                  env={**os.environ, **env}).returncode
        durations[name] = time.monotonic() - t
        with open(log_path, errors="replace") as f:
            text = f.read()
        found = parse_results(text)
        if code != 0 or not found:
            failures[name] = (code, text)
            print(f" FAILED (exit status {code}) after {durations[name]:.0f} s", flush=True)
        else:
            results.update(found)
            print(f" {durations[name]:.0f} s", flush=True)


def main():
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("build_dir")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--logs")
    parser.add_argument("--postgresql", action="store_true",
                        help="also run fanout_bench and webhook_bench with the store on PostgreSQL")
    try:
        args = parser.parse_args()
    except SystemExit:
        sys.exit(2)
    build = os.path.abspath(args.build_dir)
    needed = ["daemon/deadlined", "daemon/deadlinectl", "bench/fanout_bench", "bench/webhook_bench",
              "bench/slow_webhook_bench", "bench/email_bench"] + (["bench/webhook_sink"] if args.postgresql else [])
    missing = [p for p in needed if not os.access(os.path.join(build, p), os.X_OK)]
    if missing:
        print("report: missing in %s: %s\nbuild them first: cmake --build %s --target deadlined deadlinectl %s" %
              (build, ", ".join(missing), build, " ".join(os.path.basename(p) for p in needed[2:])), file=sys.stderr)
        sys.exit(2)
    logs = args.logs or tempfile.mkdtemp(prefix="deadlined-report.")
    os.makedirs(logs, exist_ok=True)

    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = loadavg()
    print(f"report: {started}; {machine()}; build {build} ({build_type(build)}); load average {load_before}; "
          f"logs in {logs}", flush=True)
    results, failures, durations = {}, {}, {}
    server = None
    if args.postgresql:
        print("  pg server tests/pg/pg_server.py start ...", end="", flush=True)
        server = PgServer()
        print(f" {server.uri}" if server.uri else " FAILED", flush=True)
    try:
        run_all(build, args.quick, server, logs, results, failures, durations)
    finally:
        if server:
            server.stop()
    load_after = loadavg()

    header = ("line", "figure", "baseline", "ratio", "target", "met?")
    rows = []
    for title, key, bench in ROWS:
        if bench in PG_BENCHES and not args.postgresql:
            continue
        r = results.get(key)
        title = title.format(subscribers=short_count(r.get("subscribers")) if r else "1M",
                             endpoints=short_count(r.get("endpoints")) if r else "1M",
                             firings=r.get("firings", "?") if r else "60")
        if bench in failures:
            rows.append((title, "FAILED", "", "", "", f"NO: {bench} exit {failures[bench][0]}"))
        elif r is None:
            rows.append((title, "no figure", "", "", "", f"NO: no RESULT {key}"))
        else:
            rows.append((title, number(r["value"], r["unit"]), number(r["baseline"], r["unit"]),
                         ratio_text(float(r["ratio"])), target_text(r["target"]),
                         {"yes": "met", "n/a": "no target"}.get(r["met"], "NOT met")))
    widths = [max(len(row[i]) for row in rows + [header]) for i in range(len(header))]
    print()
    print(f"deadlined benchmark report, {started}: {machine()}")
    print(f"build type {build_type(build)}; load average {load_before} before, {load_after} after; "
          f"{sum(durations.values()):.0f} s in all{' (--quick sizes)' if args.quick else ''}")
    print()
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |"
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
    for name, (code, text) in failures.items():
        print(f"\n{name} failed (exit status {code}); the end of {os.path.join(logs, name + '.log')}:")
        print("\n".join("    " + l for l in text.splitlines()[-15:]))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
