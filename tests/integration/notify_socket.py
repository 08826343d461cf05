"""The NOTIFY_SOCKET end of systemd's notification protocol, bound by a test or a benchmark
itself (no systemd here): every datagram the daemon sends, as fields, with the monotonic time it
arrived. Used by notify_test.py and bench/daemon_bench.py."""

import os
import socket
import threading
import time


class NotifySocket:
    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.1)
        self.messages = []
        self.lock = threading.Lock()
        self.done = False
        self.thread = threading.Thread(target=self._receive, daemon=True)
        self.thread.start()

    def _receive(self):
        while not self.done:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            at = time.monotonic()
            fields = dict(line.split("=", 1) for line in data.decode().split("\n") if "=" in line)
            with self.lock:
                self.messages.append((at, fields))

    def snapshot(self):
        """[(monotonic time, {field: value})], oldest first."""
        with self.lock:
            return list(self.messages)

    def times_of(self, key):
        """When each datagram carrying `key` arrived."""
        return [at for at, fields in self.snapshot() if key in fields]

    def first(self, key, value):
        """When the first datagram with key=value arrived, or None."""
        return next((at for at, fields in self.snapshot() if fields.get(key) == value), None)

    def close(self):
        self.done = True
        self.thread.join(2)
        self.sock.close()
        if os.path.exists(self.path):
            os.unlink(self.path)
