"""The public JSON API end to end: the real deadlined serving the bundled handbook, a real SMTP
server (aiosmtpd) and a real webhook receiver on 127.0.0.1, real HTTP.

- every route of docs/openapi.json (which a unit test holds equal to lib/api/route_table.h, the
  routes the server registers) is called and must be served, not answered "no such route";
- docs/http-api.md's "An integrator's walk-through" is run as written: each ```sh block by bash
  with `set -euo pipefail` and /usr/bin/curl, only its variables ($BASE, $CONFIRM, $TOKEN,
  $HOOK_URL, $ENDPOINT) set by the test; the webhook must receive the signed test reminder;
- the subscribe answer is identical for known and unknown addresses; errors are JSON with code,
  field and message.

Usage: /usr/bin/python3 api_test.py BUILD_DIR CALENDARS_DIR"""

import email
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from email import policy

from harness import SHANGHAI, Daemon, wait_for
from receiver import Receiver, event, verify
from smtp_server import SmtpServer, mail_config

BUILD_DIR = CALENDARS = None
DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs")
PUBLIC_URL = "https://deadlined.example.cn"
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=SHANGHAI)  # November windows open, reminders days away
CURL = "/usr/bin/curl"


def walk_through_blocks():
    """The ```sh blocks of docs/http-api.md's walk-through section, in order."""
    with open(os.path.join(DOCS, "http-api.md"), encoding="utf-8") as f:
        text = f.read()
    section = text.split("\n## An integrator's walk-through\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```sh\n(.*?)^```$", section, flags=re.S | re.M)


def openapi_routes():
    with open(os.path.join(DOCS, "openapi.json"), encoding="utf-8") as f:
        doc = json.load(f)
    return [(method.upper(), path, operation) for path, item in doc["paths"].items()
            for method, operation in item.items() if method in ("get", "put", "post", "delete", "patch")]


class Api(unittest.TestCase):
    def setUp(self):
        self.smtp = SmtpServer().start()
        self.addCleanup(self.smtp.stop)
        self.receiver = Receiver("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        self.addCleanup(self.receiver.close)
        self.d = Daemon(BUILD_DIR, calendars_dir=CALENDARS, extra_config=mail_config(self.smtp.port, PUBLIC_URL))
        self.addCleanup(self.d.close)
        self.d.set_clock(NOW)
        self.d.start()
        self.base = f"http://127.0.0.1:{self.d.port}"

    # --- helpers -----------------------------------------------------------------------------
    def call(self, method, path, body=None, content_type="application/json", data=None):
        """(status, headers, JSON or None, raw bytes) of one request."""
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None and content_type:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, headers, raw = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as e:
            status, headers, raw = e.code, dict(e.headers), e.read()
        parsed = json.loads(raw) if raw and headers.get("Content-Type", "").startswith("application/json") else None
        return status, headers, parsed, raw

    def assert_error(self, answer, status, code, field):
        self.assertEqual(answer[0], status, answer[3])
        error = answer[2]["error"]
        self.assertEqual(set(error), {"code", "field", "message"})
        self.assertEqual(error["code"], code)
        self.assertEqual(error["field"], field)
        self.assertTrue(error["message"])
        return error

    def mails_to(self, address):
        return [email.message_from_bytes(m.data, policy=policy.default) for m in self.smtp.received()
                if m.recipients == [address]]

    def confirm_path(self, address, count=1):
        mails = wait_for(lambda: len(self.mails_to(address)) >= count and self.mails_to(address), 20,
                         "the confirmation email")
        text = mails[count - 1].get_body(("plain",)).get_content()
        link = re.search(re.escape(PUBLIC_URL) + r"(/confirm/[A-Za-z0-9_-]+)", text)
        self.assertIsNotNone(link, text)
        return link.group(1)

    def subscribed(self, address, **choices):
        """An active subscriber through the API: their manage token."""
        answer = self.call("POST", "/api/v1/subscriptions", {"email": address, **choices})
        self.assertEqual(answer[0], 202, answer[3])
        status, _, _, page = self.call("POST", self.confirm_path(address), content_type=None, data=b"")
        self.assertEqual(status, 200)
        return re.search(r"/manage/([A-Za-z0-9_-]{46})", page.decode()).group(1)

    def is_unknown_route(self, answer):
        return (answer[0] == 404 and answer[2] is not None and answer[2]["error"]["code"] == "not_found"
                and answer[2]["error"]["field"] is None)

    # --- tests ---------------------------------------------------------------------------------
    def test_every_route_of_the_table_is_served(self):
        self.assertTrue(self.is_unknown_route(self.call("GET", "/api/v1/nothing-here")))
        self.assertTrue(self.is_unknown_route(self.call("GET", "/api/v1/manage/x/nothing")))
        token = self.subscribed("routes@qiye.example.cn")
        hook = self.call("POST", f"/api/v1/manage/{token}/endpoints", {"kind": "webhook", "url": self.receiver.url})
        self.assertEqual(hook[0], 201, hook[3])
        endpoint = hook[2]["endpoint"]["id"]
        bodies = {("POST", "/api/v1/subscriptions"): {"email": "another@qiye.example.cn"},
                  ("POST", "/api/v1/manage/{token}/endpoints"): {"kind": "webhook", "url": self.receiver.url},
                  ("PUT", "/api/v1/manage/{token}/endpoints/{id}"): {"leads": ["3d"]}}
        routes = sorted(openapi_routes(), key=lambda r: r[0] == "DELETE")  # the endpoint goes last
        self.assertEqual(len(routes), 10)
        for method, template, operation in routes:
            with self.subTest(route=f"{method} {template}"):
                id_value = "first-set-equipment-insurance" if template.startswith("/api/v1/programmes/") else str(endpoint)
                path = template.replace("{token}", token).replace("{id}", id_value)
                if template == "/api/v1/upcoming":
                    path += "?days=60&category=" + urllib.parse.quote("资金引导")
                answer = self.call(method, path, bodies.get((method, template)),
                                   data=b"" if method == "POST" and (method, template) not in bodies else None)
                self.assertFalse(self.is_unknown_route(answer), f"{method} {path} is not served")
                self.assertIn(str(answer[0]), operation["responses"], f"{method} {path}: undocumented status")
                self.assertLess(answer[0], 300, answer[3])
                if answer[0] == 204:
                    self.assertNotIn("Content-Length", answer[1])
                    self.assertNotIn("Content-Type", answer[1])
                else:
                    self.assertEqual(answer[1]["Content-Type"], "application/json; charset=utf-8")
                if method == "GET":
                    head = self.call("HEAD", path)
                    self.assertEqual((head[0], head[3]), (answer[0], b""))
                    self.assertEqual(head[1]["Content-Length"], answer[1]["Content-Length"])

    def test_the_walk_through_runs_as_written(self):
        blocks = walk_through_blocks()
        self.assertEqual(len(blocks), 7)
        self.assertTrue(os.path.exists(CURL))
        env = {"PATH": "/usr/bin:/bin", "BASE": self.base, "HOOK_URL": self.receiver.url, "LANG": "C.UTF-8"}
        self.assertEqual(shutil.which("curl", path=env["PATH"]), CURL)

        def run(block):
            for line in block.strip().splitlines():
                if not line.startswith(" "):
                    self.assertTrue(line.startswith("curl "), line)
            done = subprocess.run(["/bin/bash", "-c", "set -euo pipefail\n" + block], env=env,
                                  capture_output=True, text=True, timeout=30)
            self.assertEqual(done.returncode, 0, f"{block}\nstdout: {done.stdout}\nstderr: {done.stderr}")
            return done.stdout

        # 1. subscribe
        self.assertEqual(json.loads(run(blocks[0])), {"status": "confirmation_sent"})
        # 2. the link from the email, POSTed: the answer names the manage page
        env["CONFIRM"] = self.base + self.confirm_path("caiwu@qiye.example.cn")
        manage = run(blocks[1]).split()
        self.assertEqual(len(manage), 1, manage)
        env["TOKEN"] = manage[0][len("/manage/"):]
        self.assertEqual(len(env["TOKEN"]), 46)
        self.assertEqual(self.d.sql("SELECT state FROM subscribers"), [("active",)])
        # 3. the subscription
        shown = json.loads(run(blocks[2]))
        self.assertEqual(shown["email"], "caiwu@qiye.example.cn")
        [mail] = shown["endpoints"]
        self.assertEqual(mail["kind"], "email")
        self.assertEqual(mail["filters"]["categories"], ["资金引导"])
        self.assertEqual(sorted(mail["leads"]), ["1d", "7d"])
        # 4. a webhook, its secret once
        added = json.loads(run(blocks[3]))
        secret = added["secret"]
        self.assertTrue(secret.startswith("whsec_"))
        self.assertEqual(added["endpoint"]["address"], f"http://127.0.0.1:{self.receiver.port}/…")
        self.assertEqual(added["endpoint"]["name"], "Webhook 1")
        self.assertEqual(added["endpoint"]["filters"], mail["filters"])
        self.assertEqual(added["endpoint"]["leads"], mail["leads"])
        env["ENDPOINT"] = str(added["endpoint"]["id"])
        self.receiver.secret = secret
        again = json.loads(run(blocks[2]))
        self.assertNotIn(secret, json.dumps(again))
        self.assertNotIn("/hook", json.dumps(again))
        # 5. the test reminder arrives, signed with that secret
        queued = json.loads(run(blocks[4]))
        request = wait_for(lambda: [r for r in self.receiver.snapshot()
                                    if r["headers"].get("webhook-id") == queued["message_id"]], 20,
                           "the test reminder")[0]
        self.assertTrue(verify(secret, request["headers"], request["body"]))
        self.assertTrue(request["valid"])
        self.assertEqual([r["lead"] for r in event(request)["reminders"]], ["test"])
        # 6. new choices
        changed = json.loads(run(blocks[5]))
        self.assertEqual(changed["id"], added["endpoint"]["id"])
        self.assertEqual(changed["filters"]["categories"], ["认定培育"])
        self.assertEqual(changed["filters"]["keywords"], ["智能"])
        self.assertEqual(changed["leads"], ["3d"])
        self.assertEqual(self.d.sql("SELECT lead FROM endpoint_leads WHERE endpoint_id = ?", changed["id"]), [("3d",)])
        # 7. removed
        self.assertEqual(run(blocks[6]).strip(), "204")
        self.assertEqual([e["kind"] for e in json.loads(run(blocks[2]))["endpoints"]], ["email"])
        self.assertEqual(self.d.sql("SELECT count(*) FROM endpoints WHERE kind = 'webhook'"), [(0,)])

    def test_the_answer_is_the_same_for_known_and_unknown_addresses(self):
        known = {"email": "known@qiye.example.cn", "leads": ["7d"]}
        first = self.call("POST", "/api/v1/subscriptions", known)
        self.confirm_path("known@qiye.example.cn")
        pending = self.call("POST", "/api/v1/subscriptions", known)  # pending, mailed a moment ago
        unknown = self.call("POST", "/api/v1/subscriptions", {"email": "unknown@qiye.example.cn", "leads": ["7d"]})
        self.assertEqual(first[0], 202)
        self.assertEqual(first[2], {"status": "confirmation_sent"})
        for other in (pending, unknown):
            self.assertEqual((other[0], other[1], other[3]), (first[0], first[1], first[3]))
        # active: the same answer again; the confirmation went out a moment ago, so its answer (a mail
        # with the manage link) waits for the per-address limit; the welcome mail came on confirming.
        self.assertEqual(self.call("POST", self.confirm_path("known@qiye.example.cn"), content_type=None,
                                   data=b"")[0], 200)
        active = self.call("POST", "/api/v1/subscriptions", known)
        self.assertEqual((active[0], active[1], active[3]), (first[0], first[1], first[3]))
        wait_for(lambda: len(self.mails_to("known@qiye.example.cn")) == 2, 20, "the welcome mail")
        time.sleep(1)
        self.assertEqual([str(m["Subject"]) for m in self.mails_to("known@qiye.example.cn")],
                         ["请确认订阅申报提醒", "订阅已确认：请保存管理链接"])
        wait_for(lambda: self.mails_to("unknown@qiye.example.cn"), 20, "the unknown address's confirmation")
        self.assertEqual(sorted(self.d.sql("SELECT email, state FROM subscribers")),
                         [("known@qiye.example.cn", "active"), ("unknown@qiye.example.cn", "pending")])

    def test_errors_are_json_with_a_code_the_field_and_a_message(self):
        post = lambda body, **kw: self.call("POST", "/api/v1/subscriptions", body, **kw)
        self.assert_error(post({"email": "not-an-address"}), 400, "invalid_field", "email")
        self.assert_error(post({"email": "a@qiye.example.cn", "programmes": ["nope"]}), 400, "invalid_field",
                          "programmes")
        self.assert_error(post({"email": "a@qiye.example.cn", "leads": []}), 400, "invalid_field", "leads")
        self.assert_error(post({"email": "a@qiye.example.cn", "lead": ["7d"]}), 400, "unknown_field", "lead")
        self.assert_error(post(None, data=b"{not json"), 400, "invalid_json", None)
        self.assert_error(post(None, data=b"email=a%40qiye.example.cn&lead=7d",
                               content_type="application/x-www-form-urlencoded"),
                          415, "unsupported_media_type", None)
        # A member twice is refused (not "the last one wins", which would mail b), and so is a
        # body declared in another charset than UTF-8.
        self.assert_error(post(None, data='{"email":"a@qiye.example.cn","email":"b@qiye.example.cn"}'.encode()),
                          400, "invalid_json", "email")
        self.assert_error(post(None, data=b'{"email":"a@qiye.example.cn"}',
                               content_type="application/json; charset=iso-8859-1"),
                          400, "unsupported_charset", None)
        self.assertEqual(self.d.sql("SELECT count(*) FROM subscribers"), [(0,)])
        self.assertEqual(self.mails_to("b@qiye.example.cn"), [])
        wrong = self.call("GET", "/api/v1/subscriptions")
        self.assert_error(wrong, 405, "method_not_allowed", None)
        self.assertEqual(wrong[1]["Allow"], "POST")

        token = self.subscribed("errors@qiye.example.cn")
        other = self.subscribed("other@qiye.example.cn")
        [mine] = self.call("GET", f"/api/v1/manage/{token}")[2]["endpoints"]
        [theirs] = self.call("GET", f"/api/v1/manage/{other}")[2]["endpoints"]
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        self.assert_error(self.call("GET", f"/api/v1/manage/{forged}"), 404, "not_found", "token")
        self.assert_error(self.call("PUT", f"/api/v1/manage/{token}/endpoints/{theirs['id']}", {"leads": ["1d"]}),
                          404, "not_found", "id")
        self.assert_error(self.call("DELETE", f"/api/v1/manage/{token}/endpoints/{theirs['id']}"), 404, "not_found", "id")
        self.assert_error(self.call("POST", f"/api/v1/manage/{token}/endpoints/abc/test", data=b""), 404, "not_found", "id")
        self.assert_error(self.call("DELETE", f"/api/v1/manage/{token}/endpoints/{mine['id']}"), 409,
                          "use_unsubscribe", "id")
        patch = self.call("PATCH", f"/api/v1/manage/{token}/endpoints/{mine['id']}", {"leads": ["1d"]})
        self.assert_error(patch, 405, "method_not_allowed", None)
        self.assertEqual(patch[1]["Allow"], "PUT, DELETE")
        endpoints = f"/api/v1/manage/{token}/endpoints"
        self.assert_error(self.call("POST", endpoints, {"kind": "webhook", "url": "https://10.1.2.3/hook"}), 400,
                          "invalid_field", "url")
        self.assert_error(self.call("POST", endpoints, {"kind": "email", "url": "a@qiye.example.cn"}), 400,
                          "invalid_field", "kind")
        # Each refusal names its real reason (issue 21: these were all "expected an http:// or https:// URL").
        for url, reason in [("https://[::1]/hook", "[::1] is not reachable: loopback"),
                            ("https://user:pass@host/x", "user name or password before the host"),
                            ("https://hooks.example.cn/" + "a" * 2075, "2100 bytes long"),
                            ("https://localhost./x", "is a localhost name"),
                            ("https://[::ffff:127.0.0.1]:28391/x", "via IPv4-mapped IPv6")]:
            error = self.assert_error(self.call("POST", endpoints, {"kind": "webhook", "url": url}), 400,
                                      "invalid_field", "url")
            self.assertIn(reason, error["message"])
        self.assert_error(self.call("POST", endpoints, {"kind": "webhook", "url": self.receiver.url,
                                                        "secret": "not-a-secret"}), 400, "invalid_field", "secret")
        self.assert_error(self.call("POST", endpoints, {"kind": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"}),
                          400, "invalid_field", "url")
        self.assert_error(self.call("PUT", f"{endpoints}/{mine['id']}", {"filters": {"groups": ["没有的部门"]}}), 400,
                          "invalid_field", "filters.groups")
        self.assert_error(self.call("PUT", f"{endpoints}/{mine['id']}", {"leads": ["1d"]}, content_type="text/plain"),
                          415, "unsupported_media_type", None)
        self.assertEqual(self.d.sql("SELECT count(*) FROM endpoints WHERE kind != 'email'"), [(0,)])
        self.assert_error(self.call("GET", "/api/v1/upcoming?group=" + urllib.parse.quote("没有的部门")), 400,
                          "invalid_parameter", "group")
        # after unsubscribing, the token is dead
        unsubscribe = urllib.parse.urlsplit(self.call("GET", f"/api/v1/manage/{token}")[2]["unsubscribe"]).path
        self.assertEqual(self.call("POST", unsubscribe, content_type=None, data=b"")[0], 200)
        self.assert_error(self.call("GET", f"/api/v1/manage/{token}"), 404, "not_found", "token")
        self.assert_error(self.call("PUT", f"{endpoints}/{mine['id']}", {"leads": ["1d"]}), 404, "not_found", "token")

    def test_a_connection_goes_on_after_a_204(self):
        token = self.subscribed("keepalive@qiye.example.cn")
        connection = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=10)
        self.addCleanup(connection.close)
        connection.request("POST", f"/api/v1/manage/{token}/endpoints",
                           json.dumps({"kind": "webhook", "url": self.receiver.url}),
                           {"Content-Type": "application/json"})
        added = connection.getresponse()
        self.assertEqual(added.status, 201)
        endpoint = json.loads(added.read())["endpoint"]["id"]
        connection.request("DELETE", f"/api/v1/manage/{token}/endpoints/{endpoint}")
        removed = connection.getresponse()
        self.assertEqual((removed.status, removed.read()), (204, b""))
        self.assertFalse(removed.will_close)
        connection.request("GET", f"/api/v1/manage/{token}")  # the same connection
        shown = connection.getresponse()
        self.assertEqual(shown.status, 200)
        self.assertEqual([e["kind"] for e in json.loads(shown.read())["endpoints"]], ["email"])

    def test_the_email_choices_change_through_the_email_endpoint(self):
        token = self.subscribed("choices@qiye.example.cn", categories=["资金引导"])
        [mine] = self.call("GET", f"/api/v1/manage/{token}")[2]["endpoints"]
        answer = self.call("PUT", f"/api/v1/manage/{token}/endpoints/{mine['id']}",
                           {"filters": {"programmes": ["first-set-equipment-insurance"]}, "leads": ["3d", "1d"]})
        self.assertEqual(answer[0], 200, answer[3])
        self.assertEqual(answer[2]["filters"]["programmes"], ["first-set-equipment-insurance"])
        self.assertEqual(answer[2]["filters"]["categories"], [])
        self.assertEqual(sorted(self.d.sql("SELECT lead FROM endpoint_leads")), [("1d",), ("3d",)])
        # leads left out stay as they are
        answer = self.call("PUT", f"/api/v1/manage/{token}/endpoints/{mine['id']}", {"filters": {}})
        self.assertEqual(answer[2]["filters"]["programmes"], [])
        self.assertEqual(sorted(answer[2]["leads"]), ["1d", "3d"])

    def test_subscribing_too_often_from_one_client_is_429_with_retry_after(self):
        answers = [self.call("POST", "/api/v1/subscriptions", {"email": f"u{i}@qiye.example.cn"}) for i in range(7)]
        self.assertEqual([a[0] for a in answers], [202] * 5 + [429] * 2)
        error = self.assert_error(answers[5], 429, "too_many_requests", None)
        self.assertGreaterEqual(int(answers[5][1]["Retry-After"]), 1, error)
        # invalid requests send nothing and are answered as such, limit or not
        self.assert_error(self.call("POST", "/api/v1/subscriptions", {"email": "x"}), 400, "invalid_field", "email")
        self.assertEqual(self.d.sql("SELECT count(*) FROM subscribers"), [(5,)])

    def test_upcoming_takes_the_feed_filters(self):
        programmes = {p["id"]: p for p in self.call("GET", "/api/v1/programmes")[2]["programmes"]}
        everything = self.call("GET", "/api/v1/upcoming?days=120")[2]["windows"]
        status, _, chosen, raw = self.call("GET", "/api/v1/upcoming?days=120&category=" + urllib.parse.quote("资金引导")
                                           + "&group=" + urllib.parse.quote("工业和信息化部门"))
        self.assertEqual(status, 200, raw)
        self.assertTrue(chosen["windows"])
        self.assertLess(len(chosen["windows"]), len(everything))
        for w in chosen["windows"]:
            self.assertEqual(programmes[w["programme"]]["category"], "资金引导")
            self.assertEqual(programmes[w["programme"]]["group"], "工业和信息化部门")
        self.assertEqual(chosen["windows"], [w for w in everything
                                             if programmes[w["programme"]]["category"] == "资金引导"
                                             and programmes[w["programme"]]["group"] == "工业和信息化部门"])


if __name__ == "__main__":
    BUILD_DIR, CALENDARS = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=2)
