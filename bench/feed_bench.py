#!/usr/bin/python3
"""feed_bench: the all-programmes calendar feed served by the real deadlined, against nginx (one
worker) serving the same bytes from files, measured with wrk in the same run.

Usage: /usr/bin/python3 bench/feed_bench.py BUILD_DIR [SECONDS] [ROUNDS] [CONNECTIONS]
       defaults: 5 s per measurement, 3 rounds (medians), 30 connections (under deadlined's
       default cap of 32 connections per client address, so both servers see the same load)

Needs /usr/sbin/nginx and /usr/bin/wrk (scripts/install-bench-deps.sh). Three cases, each against
both servers, the two alternating which goes first:
  full     GET /calendar.ics, no Accept-Encoding: the whole feed (about 120 KB)
  gzip     GET /calendar.ics, Accept-Encoding: gzip: deadlined's cached gzip; nginx gzip_static
           serving the same .gz bytes (fetched from deadlined), so neither compresses per request
  304      GET /calendar.ics with If-None-Match: each server's own current ETag
Rate = wrk's Requests/sec; ratio = deadlined / nginx. Target: >= 0.7 in every case.
Exit status 0 when measured (met or not), 1 on a failure, 2 on a usage error."""

import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

TARGET = 0.7


def fail(message):
    print("feed_bench: " + message, file=sys.stderr)
    sys.exit(1)


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    fail("timed out waiting for " + what)


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers, response.read()


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_deadlined(build_dir, work):
    log_path = os.path.join(work, "deadlined.log")
    log = open(log_path, "w")
    source_calendars = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "calendars")
    process = subprocess.Popen([os.path.join(build_dir, "daemon", "deadlined"), "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
                                "--db", os.path.join(work, "db.sqlite"), "--calendars", source_calendars],
                               stdout=log, stderr=subprocess.STDOUT, cwd=work)

    def port():
        if process.poll() is not None:
            fail("deadlined exited:\n" + open(log_path).read())
        found = re.findall(r"serving http://127\.0\.0\.1:(\d+)", open(log_path).read())
        return int(found[-1]) if found else None

    return process, wait_for(port, 15, "deadlined to serve")


def start_nginx(work, www):
    port = free_port()
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  types {{ text/calendar ics; }}
  charset utf-8;
  charset_types text/calendar;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{port};
    root {www};
    gzip_static on;
    gzip_vary on;
  }}
}}
""")
    process = subprocess.Popen(["/usr/sbin/nginx", "-c", conf, "-p", work], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)

    def ready():
        if process.poll() is not None:
            fail("nginx exited: " + open(os.path.join(work, "nginx-error.log")).read())
        try:
            return get(f"http://127.0.0.1:{port}/calendar.ics")[0] == 200
        except OSError:
            return False

    wait_for(ready, 10, "nginx to serve")
    return process, port


def wrk(url, seconds, connections, headers):
    command = ["/usr/bin/wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for h in headers:
        command += ["-H", h]
    out = subprocess.run(command + [url], capture_output=True, text=True, timeout=seconds + 30).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not rate:
        fail("wrk said:\n" + out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if errors or socket_errors:
        fail(f"errors against {url}:\n{out}")
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    return float(rate.group(1)), p99.group(1) if p99 else "?"


def main():
    if len(sys.argv) < 2 or len(sys.argv) > 5:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    build_dir = os.path.abspath(sys.argv[1])
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    connections = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    for tool in ["/usr/sbin/nginx", "/usr/bin/wrk"]:
        if not os.access(tool, os.X_OK):
            fail(tool + " is missing: run scripts/install-bench-deps.sh")
    with tempfile.TemporaryDirectory(prefix="feed_bench.") as work:
        os.chmod(work, 0o755)  # nginx's worker runs as www-data when started as root
        www = os.path.join(work, "www")
        os.mkdir(www)
        deadlined, d_port = start_deadlined(build_dir, work)
        nginx = None
        try:
            d_url = f"http://127.0.0.1:{d_port}/calendar.ics"
            _, d_headers, body = get(d_url)
            _, z_headers, zipped = get(d_url, {"Accept-Encoding": "gzip"})
            if z_headers["Content-Encoding"] != "gzip":
                fail("deadlined did not gzip")
            with open(os.path.join(www, "calendar.ics"), "wb") as f:
                f.write(body)
            with open(os.path.join(www, "calendar.ics.gz"), "wb") as f:
                f.write(zipped)
            nginx, n_port = start_nginx(work, www)
            n_url = f"http://127.0.0.1:{n_port}/calendar.ics"
            _, n_headers, n_body = get(n_url)
            _, nz_headers, n_zipped = get(n_url, {"Accept-Encoding": "gzip"})
            if n_body != body or n_zipped != zipped:
                fail("nginx does not serve the same bytes")
            cases = [
                ("full", [], []),
                ("gzip", ["Accept-Encoding: gzip"], ["Accept-Encoding: gzip"]),
                ("304", [f"If-None-Match: {d_headers['ETag']}"], [f"If-None-Match: {n_headers['ETag']}"]),
            ]
            print(f"feed: {len(body)} bytes, gzip {len(zipped)} bytes; wrk -t1 -c{connections} -d{seconds}s, "
                  f"{rounds} round(s); deadlined {d_url}, nginx 1 worker {n_url}")
            results = {}
            for name, d_extra, n_extra in cases:
                d_rates, n_rates, d_p99, n_p99 = [], [], [], []
                for r in range(rounds):
                    order = [("d", d_url, d_extra), ("n", n_url, n_extra)]
                    if r % 2:
                        order.reverse()
                    for who, url, extra in order:
                        rate, p99 = wrk(url, seconds, connections, extra)
                        (d_rates if who == "d" else n_rates).append(rate)
                        (d_p99 if who == "d" else n_p99).append(p99)
                    print(f"  {name:5} round {r + 1}: deadlined {d_rates[-1]:10.0f} req/s (p99 {d_p99[-1]}), "
                          f"nginx {n_rates[-1]:10.0f} req/s (p99 {n_p99[-1]})")
                results[name] = (statistics.median(d_rates), statistics.median(n_rates))
            print()
            print(f"{'case':6} {'deadlined req/s':>16} {'nginx req/s':>12} {'ratio':>6}   target >= {TARGET}")
            all_met = True
            for name, (d, n) in results.items():
                ratio = d / n
                all_met = all_met and ratio >= TARGET
                print(f"{name:6} {d:16.0f} {n:12.0f} {ratio:6.2f}   {'met' if ratio >= TARGET else 'NOT met'}")
            print(f"\ntarget {'met' if all_met else 'NOT met'} in every case" if all_met else
                  "\ntarget NOT met in every case")
            for name, (d, n) in results.items():  # for bench/report.py
                print(f"RESULT name=feed_{name} value={d:.6g} unit=requests/s baseline={n:.6g} ratio={d / n:.4f} "
                      f"target=ratio>={TARGET} met={'yes' if d / n >= TARGET else 'no'}")
        finally:
            deadlined.send_signal(signal.SIGTERM)
            deadlined.wait(15)
            if nginx:
                nginx.send_signal(signal.SIGQUIT)
                nginx.wait(15)


if __name__ == "__main__":
    main()
