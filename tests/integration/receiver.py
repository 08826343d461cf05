"""A webhook receiver on 127.0.0.1 for integration tests: records every request, verifies
Standard Webhooks signatures with Python's own hmac (independently of deadlined's signer), and
answers from a script (e.g. fail the first K attempts, or 410)."""

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret, headers, body):
    key = base64.b64decode(secret[len("whsec_"):])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expected, part.split(",", 1)[1])
               for part in headers["webhook-signature"].split(" ") if part.startswith("v1,"))


class Receiver:
    def __init__(self, secret, answer=lambda n, request: 200):
        """answer(n, request) gives the status for the n-th request (1-based)."""
        self.secret = secret
        self.answer = answer
        self.requests = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do
            # Headers and body go out in two writes: with Nagle's algorithm each answer waited
            # ~40 ms for the client's delayed ACK (about 170 requests a second in all).
            disable_nagle_algorithm = True

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                request = {"path": self.path, "headers": headers, "body": body,
                           "valid": "webhook-signature" in headers and verify(receiver.secret, headers, body)}
                with receiver.lock:
                    receiver.requests.append(request)
                    n = len(receiver.requests)
                status = receiver.answer(n, request)
                request["status"] = status
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a connection dropped by a killed sender is expected here

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def snapshot(self):
        with self.lock:
            return list(self.requests)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def event(request):
    return json.loads(request["body"])
