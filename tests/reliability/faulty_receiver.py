"""A webhook receiver on 127.0.0.1 that misbehaves on purpose, by path, for the first N requests
to that path, then answers 200 like a healthy one. The faults are the ones real receivers have:

  /fail500   answers 500 Internal Server Error
  /gone410   answers 410 Gone (the endpoint is deleted on the receiver's side)
  /timeout   reads the request, then says nothing for `stall` seconds
  /trickle   sends "200 OK" headers promising a body, then one byte every half second
and, on any path, a healthy answer can be held back: hold_requests() makes requests wait
(in flight, unanswered) until release().

Every request is recorded with its path, webhook-id and what the receiver did, so a test can
count deliveries per message id (exactly-once on success, same id on every retry)."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULTS = ("fail500", "gone410", "timeout", "trickle")


class FaultyReceiver:
    def __init__(self, faults_per_path=None, stall=4.0):
        """faults_per_path: {fault: how many requests to that path get it}, e.g. {"fail500": 2}."""
        unknown = set(faults_per_path or {}) - set(FAULTS)
        assert not unknown, f"unknown faults {unknown}"
        self.faults_left = dict(faults_per_path or {})
        self.stall = stall
        self.released = threading.Event()  # cleared: healthy requests wait
        self.released.set()
        self.requests = []                # (path, webhook-id, what the receiver did)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fault = receiver._take_fault(self.path.strip("/"))
                receiver._note(self.path, self.headers.get("webhook-id"), fault or "200")
                if fault is None:
                    receiver.released.wait(60)
                    self._answer(200)
                elif fault == "fail500":
                    self._answer(500)
                elif fault == "gone410":
                    self._answer(410)
                elif fault == "timeout":
                    time.sleep(receiver.stall)
                    self.close_connection = True
                elif fault == "trickle":
                    self._trickle()

            def _answer(self, status):
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def _trickle(self):
                self.send_response(200)
                self.send_header("Content-Length", "64")
                self.end_headers()
                try:
                    for _ in range(int(receiver.stall * 2)):
                        self.wfile.write(b".")
                        self.wfile.flush()
                        time.sleep(0.5)
                except OSError:
                    pass  # the sender gave up: what this fault is for
                self.close_connection = True

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # the sender hanging up on a stalled answer is expected

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}/{path}"

    def hold_requests(self):
        """From now on, healthy requests wait (in flight, unanswered) until release()."""
        self.released.clear()

    def release(self):
        self.released.set()

    def _take_fault(self, path):
        with self.lock:
            if self.faults_left.get(path, 0) > 0:
                self.faults_left[path] -= 1
                return path
        return None

    def _note(self, path, webhook_id, what):
        with self.lock:
            self.requests.append((path, webhook_id, what))

    def snapshot(self):
        with self.lock:
            return list(self.requests)

    def answered_200(self):
        """webhook-id → how many times it was answered 200 with a full body."""
        counts = {}
        for _, webhook_id, what in self.snapshot():
            if what == "200":
                counts[webhook_id] = counts.get(webhook_id, 0) + 1
        return counts

    def close(self):
        self.release()
        self.server.shutdown()
        self.server.server_close()

