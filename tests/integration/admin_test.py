"""The admin API end to end: the real deadlined with a real SQLite file, every route through real
HTTP on its own listener (docs/http-api.md, "Admin API"), a real webhook receiver on 127.0.0.1.
Usage: /usr/bin/python3 admin_test.py BUILD_DIR"""

import http.client
import json
import os
import signal
import stat
import subprocess
import sys
import unittest
from datetime import datetime, timedelta

from harness import SHANGHAI, Daemon, calendar_toml, wait_for
from receiver import Receiver

BUILD_DIR = None
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
CLOSES = "2030-01-01T12:00"                                     # a timed close, local
DUE_2H = datetime(2030, 1, 1, 10, 0, tzinfo=SHANGHAI)           # its "2h" reminder
NO_SUCH_MESSAGE = "0123456789abcdef0123456789abcdef"

# Every admin route with a method it accepts.
ROUTES = [("GET", "/admin/v1/subscribers"), ("GET", "/admin/v1/subscribers/1"),
          ("POST", "/admin/v1/subscribers/1/unsubscribe"), ("DELETE", "/admin/v1/subscribers/1"),
          ("GET", "/admin/v1/endpoints"), ("GET", "/admin/v1/endpoints/1"),
          ("POST", "/admin/v1/endpoints/1/disable"), ("POST", "/admin/v1/endpoints/1/enable"),
          ("DELETE", "/admin/v1/endpoints/1"), ("GET", "/admin/v1/messages?state=dead"),
          ("POST", f"/admin/v1/messages/{NO_SUCH_MESSAGE}/replay"), ("GET", "/admin/v1/counts"),
          ("POST", "/admin/v1/reload"), ("GET", "/admin/v1/revisions"), ("GET", "/metrics")]


def call(port, method, path, token=None, body=None, authorization=None):
    """(status, headers with lower-case names, body: parsed JSON when it is JSON, else text)."""
    headers = {}
    if authorization is not None:
        headers["Authorization"] = authorization
    elif token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        answer_headers = {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()
    content_type = answer_headers.get("content-type", "")
    if raw and content_type.startswith("application/json"):
        return response.status, answer_headers, json.loads(raw)
    return response.status, answer_headers, raw.decode()


class AdminCase(unittest.TestCase):
    def start(self, delivery="", clock=DUE_2H - timedelta(seconds=2), webhook=True, ctl=()):
        """A daemon with one calendar window; with `webhook`, subscriber 1 has a webhook endpoint (id 1)
        for its 2h reminder on a receiver answering self.answer_status (500 until told otherwise).
        `ctl`: deadlinectl commands to run on the database first."""
        self.answer_status = 500
        self.receiver = Receiver(SECRET, lambda n, r: self.answer_status)
        self.addCleanup(self.receiver.close)
        d = self.d = Daemon(BUILD_DIR, calendars_text=calendar_toml([("apply", CLOSES, None)]), delivery=delivery)
        self.addCleanup(d.close)
        d.set_clock(clock)
        if webhook:
            self.assertEqual(d.ctl("subscribers", "add", "ops@example.cn").returncode, 0)
            added = d.ctl("endpoints", "add", "--subscriber", "1", "--kind", "webhook",
                          "--address", self.receiver.url, "--secret", SECRET, "--lead", "2h")
            self.assertEqual(added.returncode, 0, added.stderr)
        for args in ctl:
            result = d.ctl(*args)
            self.assertEqual(result.returncode, 0, result.stderr)
        d.start()
        with open(d.admin_token_file) as f:
            self.token = f.read().strip()
        return d

    def admin(self, method, path, body=None, expect=200):
        status, headers, answer = call(self.d.admin_port, method, path, self.token, body)
        self.assertEqual(status, expect, f"{method} {path}: {answer}")
        self.assertEqual(headers.get("cache-control"), "no-store")
        return answer

    def public(self, method, path, **kwargs):
        return call(self.d.port, method, path, **kwargs)

    def messages(self):
        return self.d.sql("SELECT id, state, attempts, coalesce(last_error, '') FROM messages")

    def metric(self, name, label):
        text = self.admin("GET", "/metrics")
        for line in text.splitlines():
            if line.startswith(f"{name}{{{label}}} "):
                return int(line.rsplit(" ", 1)[1])
        self.fail(f"no {name}{{{label}}} in /metrics:\n{text}")

    def tearDown(self):
        if getattr(self, "d", None) and self.d.process and self.d.process.poll() is None:
            self.assertEqual(self.d.stop(), 0)


class TokenAndListeners(AdminCase):
    def test_the_admin_api_needs_the_token_on_every_route(self):
        d = self.start(webhook=False)
        # Created at the first start: one line, 32 random bytes as 43 base64url characters, 0600.
        path = d.admin_token_file
        with open(path) as f:
            text = f.read()
        self.assertRegex(text, r"^[A-Za-z0-9_-]{43}\n$")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        token = self.token
        same_length = token[:-1] + ("A" if token[-1] != "A" else "B")
        refusals = {"none": None, "same length, last character wrong": f"Bearer {same_length}",
                    "one character short": f"Bearer {token[:-1]}", "one character more": f"Bearer {token}x",
                    "much shorter": "Bearer x", "another scheme": f"Basic {token}", "no scheme": token,
                    "empty bearer": "Bearer "}
        for method, route in ROUTES:
            for what, authorization in refusals.items():
                with self.subTest(route=route, token=what):
                    status, headers, body = call(d.admin_port, method, route, authorization=authorization,
                                                 body={"reason": "x"} if method == "POST" else None)
                    self.assertEqual(status, 401)
                    self.assertTrue(headers["www-authenticate"].startswith("Bearer"), headers)
                    self.assertEqual(body["error"]["code"], "unauthorized")
        status, headers, body = call(d.admin_port, "GET", "/admin/v1/counts", authorization=f"Bearer {same_length}")
        self.assertIn('error="invalid_token"', headers["www-authenticate"])
        # The right token, with the scheme in any case.
        self.assertEqual(call(d.admin_port, "GET", "/admin/v1/counts", authorization=f"bearer {token}")[0], 200)
        self.assertEqual(self.admin("GET", "/admin/v1/counts")["subscribers"]["active"], 0)
        # Nothing printed the token.
        self.assertNotIn(token, d.log())
        # A restart reads the same token.
        self.assertEqual(d.stop(), 0)
        d.start()
        self.assertEqual(self.admin("GET", "/admin/v1/counts")["messages"]["pending"], 0)

    def test_the_admin_api_is_absent_from_the_public_listener_and_the_public_routes_from_it(self):
        d = self.start(webhook=False)
        for method, route in ROUTES:
            for token in (None, self.token):
                with self.subTest(route=route, token=bool(token)):
                    status, headers, body = self.public(method, route, token=token)
                    self.assertEqual(status, 404, body)
                    self.assertEqual(body["error"]["code"], "not_found")
        for method, route in [("GET", "/api/v1/programmes"), ("GET", "/healthz"), ("GET", "/"),
                              ("GET", "/calendar.ics"), ("POST", "/subscribe"), ("GET", "/programmes/it-programme")]:
            with self.subTest(route=route):
                # ...where the public listener answers them:
                self.assertNotEqual(self.public(method, route)[0], 404)
                status, _, body = call(d.admin_port, method, route, self.token)
                self.assertEqual(status, 404)
                self.assertEqual(body["error"]["code"], "not_found")
                self.assertEqual(call(d.admin_port, method, route)[0], 401)  # no token: nothing is told
        self.assertEqual(self.admin("GET", "/admin/v1/nothing", expect=404)["error"]["field"], None)
        self.assertEqual(self.admin("GET", "/admin/v1/subscribers/", expect=404)["error"]["code"], "not_found")

    def test_a_wrong_method_is_405_with_allow(self):
        self.start(webhook=False)
        for method, route, allow in [("DELETE", "/admin/v1/subscribers", "GET, HEAD, POST"),
                                     ("POST", "/admin/v1/messages", "GET, HEAD"),
                                     ("PUT", "/admin/v1/subscribers/1", "GET, HEAD, DELETE"),
                                     ("GET", "/admin/v1/reload", "POST"), ("DELETE", "/admin/v1/counts", "GET, HEAD"),
                                     ("GET", "/admin/v1/endpoints/1/disable", "POST"), ("POST", "/metrics", "GET, HEAD")]:
            with self.subTest(method=method, route=route):
                status, headers, body = call(self.d.admin_port, method, route, self.token)
                self.assertEqual(status, 405)
                self.assertEqual(headers["allow"], allow)
                self.assertEqual(body["error"]["code"], "method_not_allowed")


class OperatorVerbs(AdminCase):
    def test_deadlinectl_runs_its_database_verbs_through_the_running_daemon(self):
        self.start(webhook=False)
        d = self.d
        # Offline, beside the running daemon: refused, saying how to reach it.
        offline = subprocess.run([os.path.join(BUILD_DIR, "daemon", "deadlinectl"), "--db", d.db, "subscribers", "list"],
                                 capture_output=True, text=True, timeout=30)
        self.assertEqual(offline.returncode, 1)
        self.assertIn("--admin", offline.stderr)
        # Through the admin API (the harness adds --admin while the daemon runs).
        added = d.ctl("subscribers", "add", "ops@example.cn")
        self.assertEqual(added.returncode, 0, added.stderr)
        self.assertEqual(json.loads(added.stdout)["subscriber"]["email"], "ops@example.cn")
        hook = d.ctl("endpoints", "add", "--subscriber", "1", "--kind", "webhook", "--address", self.receiver.url,
                     "--lead", "2h")
        self.assertEqual(hook.returncode, 0, hook.stderr)
        answer = json.loads(hook.stdout)
        self.assertTrue(answer["secret"].startswith("whsec_"))  # generated, shown once
        self.assertNotIn(answer["secret"], d.log())
        bad = d.ctl("endpoints", "add", "--subscriber", "1", "--kind", "webhook", "--address", "https://x.example/h",
                    "--secret", "not-a-secret")
        self.assertEqual(bad.returncode, 1)
        self.assertIn("(secret)", bad.stderr)
        self.assertEqual(d.ctl("endpoints", "add", "--subscriber", "9", "--kind", "email", "--address",
                               "a@example.cn").returncode, 1)
        rotated = d.ctl("endpoints", "rotate-secret", "1")
        self.assertEqual(rotated.returncode, 0, rotated.stderr)
        new_secret = json.loads(rotated.stdout)["secret"]
        self.assertEqual(len(d.sql("SELECT secret FROM endpoints")[0][0].split(" ")), 2)
        self.assertEqual(d.ctl("endpoints", "finish-rotation", "1").returncode, 0)
        self.assertEqual(d.sql("SELECT secret FROM endpoints"), [(new_secret,)])
        counts = json.loads(d.ctl("outbox").stdout)
        self.assertEqual(counts["subscribers"]["active"], 1)
        # reload --wait: the synchronous reload systemd's ExecReload runs.
        reload = d.ctl("reload", "--wait")
        self.assertEqual(reload.returncode, 0, reload.stderr)
        d.write_calendar("[edition]\nid = \"broken\"\n", name="broken.toml")
        failed = d.ctl("reload", "--wait")
        self.assertEqual(failed.returncode, 1)
        self.assertRegex(failed.stderr, r"broken\.toml:\d+")
        self.assertEqual(d.ctl("reload").returncode, 0)  # without --wait only an unreachable daemon fails
        # status: what an operator looks at first.
        status = d.ctl("status")
        self.assertEqual(status.returncode, 0, status.stderr)
        state = json.loads(status.stdout)
        self.assertEqual([t["lead"] for t in state["next_triggers"]][:1], ["2h"])
        self.assertFalse(state["last_reload"]["ok"])
        self.assertRegex(state["last_reload"]["errors"][0], r"broken\.toml:\d+")
        self.assertIn("scheduler", state)
        self.assertEqual(state["endpoints"], {"active": 1})
        # /metrics counts the requests just made, by route template (never a token or an id).
        metrics = self.admin("GET", "/metrics")
        self.assertIn('deadlined_http_requests_total{route="/admin/v1/endpoints/{id}/rotate-secret",status="200"} 1',
                      metrics)
        self.assertIn('deadlined_calendar_reload_failures_total 2', metrics)
        self.assertNotIn(new_secret, metrics)


class SubscribersAndEndpoints(AdminCase):
    def test_search_show_unsubscribe_and_delete(self):
        d = self.start(clock=datetime(2029, 6, 1, tzinfo=SHANGHAI), webhook=False, ctl=[
            ("subscribers", "add", "ops@example.cn"), ("subscribers", "add", "Sales@Example.cn", "--pending"),
            ("subscribers", "add", "x@other.org"),
            ("endpoints", "add", "--subscriber", "1", "--kind", "webhook", "--address",
             "http://127.0.0.1:9/hook/SECRETPATH", "--secret", SECRET, "--programme", "it-programme"),
            ("endpoints", "add", "--subscriber", "1", "--kind", "email", "--address", "ops@example.cn", "--lead", "7d"),
            ("endpoints", "add", "--subscriber", "2", "--kind", "email", "--address", "Sales@Example.cn")])

        def ids(answer, name):
            return [item["id"] for item in answer[name]]

        everyone = self.admin("GET", "/admin/v1/subscribers")
        self.assertEqual(ids(everyone, "subscribers"), [1, 2, 3])
        self.assertIsNone(everyone["next_after"])
        first = everyone["subscribers"][0]
        self.assertEqual(set(first), {"id", "email", "state", "token_generation", "created_at"})
        self.assertEqual((first["email"], first["state"]), ("ops@example.cn", "active"))
        self.assertEqual(ids(self.admin("GET", "/admin/v1/subscribers?email=EXAMPLE.CN"), "subscribers"), [1, 2])
        self.assertEqual(ids(self.admin("GET", "/admin/v1/subscribers?email=example&state=pending"), "subscribers"), [2])
        self.assertEqual(ids(self.admin("GET", "/admin/v1/subscribers?email=nobody"), "subscribers"), [])
        page = self.admin("GET", "/admin/v1/subscribers?limit=2")
        self.assertEqual((ids(page, "subscribers"), page["next_after"]), ([1, 2], 2))
        page = self.admin("GET", f"/admin/v1/subscribers?limit=2&after={page['next_after']}")
        self.assertEqual((ids(page, "subscribers"), page["next_after"]), ([3], None))
        for path, field in [("/admin/v1/subscribers?state=gone", "state"), ("/admin/v1/subscribers?limit=0", "limit"),
                            ("/admin/v1/subscribers?limit=1001", "limit"), ("/admin/v1/subscribers?email=", "email"),
                            ("/admin/v1/subscribers?mail=x", "mail"), ("/admin/v1/subscribers/abc", "id"),
                            ("/admin/v1/subscribers/0", "id"), ("/admin/v1/endpoints?subscriber=x", "subscriber"),
                            ("/admin/v1/endpoints?state=pending", "state"), ("/admin/v1/endpoints/-1", "id"),
                            ("/admin/v1/messages?state=lost", "state"), ("/admin/v1/messages?limit=x", "limit"),
                            ("/admin/v1/counts?verbose=1", "verbose")]:
            with self.subTest(path=path):
                self.assertEqual(self.admin("GET", path, expect=400)["error"]["field"], field)

        shown = self.admin("GET", "/admin/v1/subscribers/1")
        self.assertEqual(shown["subscriber"]["email"], "ops@example.cn")
        self.assertEqual(ids(shown, "endpoints"), [1, 2])
        webhook, email = shown["endpoints"]
        # A URL's path and query may hold a secret: scheme and host only. Secrets are never shown.
        self.assertEqual((webhook["kind"], webhook["address"]), ("webhook", "http://127.0.0.1"))
        self.assertNotIn("SECRETPATH", json.dumps(shown))
        self.assertNotIn(SECRET, json.dumps(shown))
        self.assertEqual(webhook["filters"]["programmes"], ["it-programme"])
        self.assertEqual((email["address"], email["leads"], email["state_reason"]), ("ops@example.cn", ["7d"], None))
        missing = self.admin("GET", "/admin/v1/subscribers/99", expect=404)["error"]
        self.assertEqual((missing["code"], missing["field"]), ("not_found", "id"))
        status, headers, body = call(d.admin_port, "HEAD", "/admin/v1/subscribers/1", self.token)
        self.assertEqual((status, body), (200, ""))
        self.assertGreater(int(headers["content-length"]), 0)

        self.assertEqual(ids(self.admin("GET", "/admin/v1/endpoints"), "endpoints"), [1, 2, 3])
        self.assertEqual(ids(self.admin("GET", "/admin/v1/endpoints?subscriber=1"), "endpoints"), [1, 2])
        self.assertEqual(ids(self.admin("GET", "/admin/v1/endpoints?subscriber=2&state=active"), "endpoints"), [3])
        self.assertEqual(ids(self.admin("GET", "/admin/v1/endpoints?state=disabled"), "endpoints"), [])
        page = self.admin("GET", "/admin/v1/endpoints?limit=1&after=1")
        self.assertEqual((ids(page, "endpoints"), page["next_after"]), ([2], 2))
        self.assertEqual(self.admin("GET", "/admin/v1/endpoints/3")["endpoint"]["subscriber_id"], 2)
        self.assertEqual(self.admin("GET", "/admin/v1/endpoints/99", expect=404)["error"]["field"], "id")

        # Unsubscribe: the subscriber and its endpoints; repeating it changes nothing.
        generation = d.sql("SELECT token_generation FROM subscribers WHERE id = 2")[0][0]
        answer = self.admin("POST", "/admin/v1/subscribers/2/unsubscribe")
        self.assertEqual(answer["subscriber"]["state"], "unsubscribed")
        self.assertEqual([e["state"] for e in answer["endpoints"]], ["unsubscribed"])
        self.assertEqual(d.sql("SELECT state, token_generation FROM subscribers WHERE id = 2"),
                         [("unsubscribed", generation + 1)])
        self.assertEqual(self.admin("POST", "/admin/v1/subscribers/2/unsubscribe")["subscriber"]["token_generation"],
                         generation + 1)
        self.admin("POST", "/admin/v1/subscribers/99/unsubscribe", expect=404)
        self.assertEqual(self.admin("POST", "/admin/v1/endpoints/3/enable", expect=409)["error"]["code"], "conflict")
        self.admin("POST", "/admin/v1/endpoints/3/disable", {"reason": "x"}, expect=409)

        # Delete an endpoint, then a subscriber with what it has.
        self.assertEqual(self.admin("DELETE", "/admin/v1/endpoints/2"), {"deleted": True, "id": 2})
        self.admin("GET", "/admin/v1/endpoints/2", expect=404)
        self.admin("DELETE", "/admin/v1/endpoints/2", expect=404)
        self.assertEqual(d.sql("SELECT id FROM endpoints ORDER BY id"), [(1,), (3,)])
        self.assertEqual(self.admin("DELETE", "/admin/v1/subscribers/1"), {"deleted": True, "id": 1})
        self.admin("GET", "/admin/v1/subscribers/1", expect=404)
        self.admin("DELETE", "/admin/v1/subscribers/1", expect=404)
        self.assertEqual(d.sql("SELECT id FROM endpoints"), [(3,)])

        counts = self.admin("GET", "/admin/v1/counts")
        self.assertEqual(counts["subscribers"], {"pending": 0, "active": 1, "unsubscribed": 1})
        self.assertEqual(counts["endpoints"], {"active": 0, "needs_attention": 0, "disabled": 0, "unsubscribed": 1})
        self.assertEqual(counts["triggers"], {"fired": 0, "late": 0, "missed": 0})
        self.assertIn("subscriber 1 deleted", d.log())


class DisableAndEnable(AdminCase):
    def test_disable_expires_unsent_messages_and_enable_replays_them(self):
        # The first retry would come an hour later: the message waits, unsent, in 'retry'.
        d = self.start(delivery="retry_delays_seconds = [3600]")
        [(message, state, attempts, error)] = wait_for(
            lambda: [m for m in self.messages() if m[1] == "retry"], 20, "the failed first attempt")
        self.assertEqual((attempts, error), (1, "HTTP 500"))
        self.assertEqual(self.admin("GET", "/admin/v1/messages?state=retry")["messages"][0]["id"], message)

        self.assertEqual(self.admin("POST", "/admin/v1/endpoints/1/disable", expect=400)["error"]["code"], "invalid_body")
        self.assertEqual(self.admin("POST", "/admin/v1/endpoints/1/disable", {}, expect=400)["error"]["field"], "reason")
        self.assertEqual(self.admin("POST", "/admin/v1/endpoints/1/disable", {"reason": ""}, expect=400)["error"]["field"],
                         "reason")
        self.admin("POST", "/admin/v1/endpoints/9/disable", {"reason": "x"}, expect=404)
        answer = self.admin("POST", "/admin/v1/endpoints/1/disable", {"reason": "operator: receiver is down"})
        self.assertEqual(answer["expired_messages"], 1)
        self.assertEqual((answer["endpoint"]["state"], answer["endpoint"]["state_reason"]),
                         ("disabled", "operator: receiver is down"))
        self.assertEqual(self.messages(), [(message, "expired", 1, "endpoint disabled")])
        self.assertEqual(d.sql("SELECT reason FROM endpoint_notices WHERE what = 'disabled'"),
                         [("operator: receiver is down",)])  # for the subscriber to be told
        self.assertEqual(self.admin("POST", "/admin/v1/endpoints/1/disable", {"reason": "again"}, expect=409)["error"]["code"],
                         "conflict")
        self.assertEqual([m["id"] for m in self.admin("GET", "/admin/v1/messages?state=expired")["messages"]], [message])
        self.assertEqual(self.admin("GET", "/admin/v1/endpoints?state=disabled")["endpoints"][0]["id"], 1)
        # Replaying one message of a disabled endpoint is refused: enabling it replays them all.
        self.admin("POST", f"/admin/v1/messages/{message}/replay", expect=409)
        counts = self.admin("GET", "/admin/v1/counts")
        self.assertEqual((counts["messages"]["expired"], counts["messages"]["retry"]), (1, 0))
        self.assertEqual(counts["endpoints"]["disabled"], 1)
        self.assertEqual(self.metric("deadlined_messages", 'state="expired"'), 1)
        self.assertIn("endpoint 1 disabled (operator: receiver is down)", d.log())

        self.answer_status = 200
        answer = self.admin("POST", "/admin/v1/endpoints/1/enable")
        self.assertEqual((answer["replayed_messages"], answer["endpoint"]["state"]), (1, "active"))
        wait_for(lambda: self.messages() == [(message, "delivered", 1, "")], 20, "the replayed message to be delivered")
        requests = self.receiver.snapshot()
        self.assertEqual([r["status"] for r in requests], [500, 200])
        self.assertEqual({r["headers"]["webhook-id"] for r in requests}, {message})
        self.assertTrue(all(r["valid"] for r in requests))
        self.assertEqual(self.admin("POST", "/admin/v1/endpoints/1/enable", expect=409)["error"]["code"], "conflict")
        self.admin("POST", "/admin/v1/endpoints/9/enable", expect=404)
        counts = self.admin("GET", "/admin/v1/counts")
        self.assertEqual((counts["messages"]["delivered"], counts["messages"]["expired"]), (1, 0))
        self.assertEqual(counts["endpoints"]["active"], 1)
        self.assertEqual(counts["triggers"]["fired"], 1)


class Replay(AdminCase):
    def test_a_dead_message_replayed_is_sent_again_with_its_id(self):
        d = self.start(delivery="retry_delays_seconds = [1]")
        [(message, _, attempts, error)] = wait_for(
            lambda: [m for m in self.messages() if m[1] == "dead"], 30, "the message to die after two attempts")
        self.assertEqual((attempts, error), (2, "HTTP 500"))
        listed = self.admin("GET", "/admin/v1/messages?state=dead&limit=10")["messages"]
        self.assertEqual([(m["id"], m["attempts"], m["last_error"], m["endpoint_id"]) for m in listed],
                         [(message, 2, "HTTP 500", 1)])
        self.assertEqual(self.admin("GET", "/admin/v1/messages?state=delivered")["messages"], [])
        self.assertEqual(len(self.admin("GET", "/admin/v1/messages")["messages"]), 1)
        self.assertEqual(self.admin("GET", "/admin/v1/counts")["messages"]["dead"], 1)
        self.assertEqual(self.metric("deadlined_messages", 'state="dead"'), 1)
        self.assertEqual(self.metric("deadlined_messages", 'state="delivered"'), 0)
        self.assertEqual(self.admin("POST", f"/admin/v1/messages/{NO_SUCH_MESSAGE}/replay", expect=404)["error"]["field"],
                         "id")
        self.assertEqual(self.admin("POST", "/admin/v1/messages/nope/replay", expect=400)["error"]["field"], "id")

        self.answer_status = 200
        replayed = self.admin("POST", f"/admin/v1/messages/{message}/replay")["message"]
        self.assertEqual((replayed["id"], replayed["state"], replayed["attempts"]), (message, "retry", 0))
        wait_for(lambda: self.messages() == [(message, "delivered", 1, "")], 20, "the replayed message to be delivered")
        requests = self.receiver.snapshot()
        self.assertEqual([r["status"] for r in requests], [500, 500, 200])
        self.assertEqual({r["headers"]["webhook-id"] for r in requests}, {message})
        # Only a dead or expired message is replayed.
        self.assertEqual(self.admin("POST", f"/admin/v1/messages/{message}/replay", expect=409)["error"]["code"],
                         "conflict")
        self.assertIn(f"message {message} replayed", d.log())

        counts = self.admin("GET", "/admin/v1/counts")
        self.assertEqual(counts["messages"], {"pending": 0, "sending": 0, "retry": 0, "delivered": 1, "dead": 0,
                                              "expired": 0})
        self.assertEqual(counts["triggers"], {"fired": 1, "late": 0, "missed": 0})
        metrics = self.admin("GET", "/metrics")
        status, headers, _ = call(d.admin_port, "GET", "/metrics", self.token)
        self.assertEqual(headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        self.assertIn('deadlined_build_info{version="', metrics)
        self.assertIn('deadlined_messages{state="delivered"} 1\n', metrics)
        self.assertIn('deadlined_messages{state="dead"} 0\n', metrics)
        self.assertIn("# TYPE deadlined_messages gauge\n", metrics)


class Reload(AdminCase):
    def test_a_broken_calendar_is_refused_with_file_and_line_and_a_good_one_takes_over(self):
        d = self.start(clock=datetime(2029, 6, 1, tzinfo=SHANGHAI), webhook=False)
        old = d.get("/healthz")[1]["calendar_revision"]
        self.assertEqual(self.metric("deadlined_calendar_revision_info", f'revision="{old}"'), 1)

        path = os.path.join(d.calendars, "calendar.toml")
        broken = calendar_toml([("apply", CLOSES, None)]).replace(f'closes = "{CLOSES}"', 'closes = "2030-02-30T12:00"')
        d.write_calendar(broken)
        line = broken.splitlines().index('closes = "2030-02-30T12:00"') + 1
        answer = self.admin("POST", "/admin/v1/reload", expect=422)
        self.assertEqual(answer["error"]["code"], "calendar_invalid")
        self.assertIn(old, answer["error"]["message"])
        self.assertEqual(len(answer["errors"]), 1)
        self.assertTrue(answer["errors"][0].startswith(f"{path}:{line}: "), answer["errors"])
        self.assertIn("impossible date", answer["errors"][0])
        self.assertEqual(answer["revision"], old)
        # The old calendar stays in force, for the public API and for /metrics.
        self.assertEqual(d.get("/healthz")[1]["calendar_revision"], old)
        self.assertEqual(self.metric("deadlined_calendar_revision_info", f'revision="{old}"'), 1)
        self.assertIn("reload rejected", d.log())

        d.write_calendar(calendar_toml([("apply", CLOSES, None), ("later", "2030-06-01T12:00", None)]))
        answer = self.admin("POST", "/admin/v1/reload")
        new = answer["revision"]
        self.assertNotEqual(new, old)
        # The answer names the calendar in force and what changed (the revision it recorded).
        self.assertEqual({k: answer[k] for k in ("revision", "programmes", "recorded")},
                         {"revision": new, "programmes": 1, "recorded": True})
        self.assertEqual([(c["window"].split("/")[1], c["kinds"]) for c in answer["changes"]], [("later", ["added"])])
        self.assertIn("added: confirmed closing 2030-06-01T12:00", answer["changes"][0]["text"])
        self.assertEqual(d.get("/healthz")[1]["calendar_revision"], new)
        self.assertIn(f'deadlined_calendar_revision_info{{revision="{new}"}} 1', self.admin("GET", "/metrics"))
        self.assertNotIn(old, self.admin("GET", "/metrics"))
        self.assertEqual(self.admin("POST", "/admin/v1/reload?force=1", expect=400)["error"]["code"], "unknown_parameter")

        # SIGHUP still reloads (the same reload, logged instead of answered).
        d.write_calendar(calendar_toml([("apply", CLOSES, None)]))
        d.signal(signal.SIGHUP)
        wait_for(lambda: d.get("/healthz")[1]["calendar_revision"] == old, 10, "SIGHUP to bring the first calendar back")
        self.assertIn(f"calendar {old} in force", d.log())


if __name__ == "__main__":
    BUILD_DIR = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0], "-v"])
