"""HAProxy in front of deadlined nodes on 127.0.0.1, for multi-node tests: the committed
docs/balancer/haproxy.cfg with its global section replaced by one an unprivileged foreground
process can use (no chroot, no user switch, the log on stdout, a stats socket in its own
directory), its frontend bound to a free loopback port and its backend's servers replaced by the
given ports. Everything else (health checks, retries, redispatch, timeouts) is the committed
file's, which is what the tests are about. Debian's /usr/bin/python3 and /usr/sbin/haproxy.

    with Balancer([node1.port, node2.port]) as lb:
        lb.wait_until_up(["node1", "node2"])
        ... http://127.0.0.1:{lb.port}/ ...
        lb.retried()        # requests HAProxy sent more than once, from its log
"""

import os
import re
import socket
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
COMMITTED = os.path.join(HERE, "..", "..", "docs", "balancer", "haproxy.cfg")
HAPROXY = "/usr/sbin/haproxy"


def free_port():
    """A port nothing listens on now (the system's pick; HAProxy binds it a moment later)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sections(text):
    """[(header line, [body lines])]: a section starts at a line that is not indented, not blank
    and not a comment (global, defaults, frontend NAME, backend NAME, ...). Lines before the first
    header are kept under the header None."""
    out = [(None, [])]
    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            out.append((line, []))
        else:
            out[-1][1].append(line)
    return out


def keyword(line):
    stripped = line.strip()
    return "" if not stripped or stripped.startswith("#") else stripped.split()[0]


def render(template, port, backends, stats_socket):
    """The template with a loopback global section, `bind 127.0.0.1:port` in each frontend and
    `server nodeN 127.0.0.1:PORT` lines (N from 1) in each backend."""
    lines = []
    for header, body in sections(template):
        if header is None:
            lines.extend(body)
            continue
        lines.append(header)
        if header.split()[0] == "global":
            # One thread: HAProxy writes each log line to stdout with a non-blocking writev and
            # drops a line another thread is writing beside (its DroppedLogs counter), about one
            # in 600 at 40 requests a second here; the tests count the log's lines.
            lines += ["    log stdout format raw local0",
                      "    nbthread 1",
                      f"    stats socket {stats_socket} mode 600 level admin",
                      ""]
            continue
        kind = header.split()[0]
        bound = False
        kept = []
        for line in body:
            if kind == "frontend" and keyword(line) == "bind":
                if not bound:
                    kept.append(f"    bind 127.0.0.1:{port}")
                    bound = True
            elif kind == "backend" and keyword(line) == "server":
                continue
            else:
                kept.append(line)
        if kind == "backend":
            while kept and not kept[-1].strip():
                kept.pop()
            kept += [f"    server node{i} 127.0.0.1:{p}" for i, p in enumerate(backends, 1)] + [""]
        lines.extend(kept)
    return "\n".join(lines) + "\n"


class Balancer:
    def __init__(self, backend_ports, template=COMMITTED):
        self.tmp = tempfile.TemporaryDirectory(prefix="deadlined-lb-")
        self.dir = self.tmp.name
        self.port = free_port()
        self.stats_socket = os.path.join(self.dir, "admin.sock")
        self.config = os.path.join(self.dir, "haproxy.cfg")
        with open(template) as f:
            text = f.read()
        with open(self.config, "w") as f:
            f.write(render(text, self.port, backend_ports, self.stats_socket))
        self.log_path = os.path.join(self.dir, "haproxy.log")
        self.process = None

    def start(self, timeout=10):
        if not os.path.exists(HAPROXY):
            raise AssertionError(f"{HAPROXY} is missing: scripts/install-deps.sh installs Debian's haproxy")
        check = subprocess.run([HAPROXY, "-c", "-q", "-f", self.config], capture_output=True, text=True)
        if check.returncode != 0:
            raise AssertionError(f"haproxy -c refused {self.config}:\n{check.stdout}{check.stderr}")
        with open(self.log_path, "a") as log:
            # -db: stay in the foreground (no daemon mode), so stop() can signal this process.
            self.process = subprocess.Popen([HAPROXY, "-db", "-f", self.config], stdout=log,
                                            stderr=subprocess.STDOUT, cwd=self.dir)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"haproxy exited with {self.process.returncode}:\n{self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                # The stats socket may appear a moment after the frontend (made under a temporary
                # name, then renamed).
                if os.path.exists(self.stats_socket):
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"haproxy did not listen on 127.0.0.1:{self.port} within {timeout}s:\n{self.log()}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: HAProxy stops at once
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def close(self):
        self.stop()
        self.tmp.cleanup()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    # --- what HAProxy knows -------------------------------------------------------------
    def admin(self, command):
        """One command on the stats socket (HAProxy's management.txt); its answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(self.stats_socket)
            s.sendall(command.encode() + b"\n")
            chunks = []
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return b"".join(chunks).decode()
                chunks.append(chunk)

    def dropped_logs(self):
        """HAProxy's DroppedLogs counter (show info): log lines it could not write."""
        found = re.search(r"^DroppedLogs: (\d+)$", self.admin("show info"), re.M)
        return int(found.group(1)) if found else None

    def server_states(self):
        """{server name: status} of the backend's servers ("UP", "DOWN", "UP 1/2", ...)."""
        lines = self.admin("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        states = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(",")))
            if row.get("svname") not in (None, "FRONTEND", "BACKEND"):
                states[row["svname"]] = row["status"]
        return states

    def wait_until(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = self.server_states()
            if predicate(states):
                return states
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}: {self.server_states()}")

    def wait_until_up(self, names, timeout=10):
        return self.wait_until(lambda s: all(s.get(n) == "UP" for n in names), timeout, f"{names} UP")

    REQUEST_LINE = re.compile(r' \S+ (?P<backend>[^/ ]+)/(?P<server>\S+) \S+ (?P<status>-?\d+) .*? '
                              r'\d+/\d+/\d+/\d+/(?P<redispatched>\+?)(?P<retries>\d+) \d+/\d+ '
                              r'"(?P<method>\S+) (?P<path>\S+)')

    def requests(self):
        """Each proxied request HAProxy logged (option httplog): dicts with method, path, server,
        status and retries (an int; redispatched True when the last try went to another server)."""
        out = []
        for line in self.log().splitlines():
            m = self.REQUEST_LINE.search(line)
            if m:
                out.append({"server": m["server"], "status": int(m["status"]), "method": m["method"],
                            "path": m["path"], "retries": int(m["retries"]), "redispatched": bool(m["redispatched"])})
        return out

    def unparsed(self):
        """Log lines that look like a request's (a quoted request line) but requests() cannot
        read: what to show when its count is off."""
        return [line for line in self.log().splitlines() if '"' in line and not self.REQUEST_LINE.search(line)]

    def retried(self):
        """The logged requests HAProxy sent more than once (to one node or to another)."""
        return [r for r in self.requests() if r["retries"] > 0 or r["redispatched"]]
