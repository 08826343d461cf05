"""A stand-in for the WeCom, DingTalk and Feishu robot webhooks on 127.0.0.1, for integration
tests (Debian's /usr/bin/python3, standard library only). Each request is checked the way the
platform documents it, independently of deadlined's code:

  WeCom     POST /cgi-bin/webhook/send?key=K   {"msgtype":"markdown","markdown":{"content":C}}
            C at most 4096 bytes of UTF-8; an unknown key answers errcode 93000.
  DingTalk  POST /robot/send?access_token=T[&timestamp=MS&sign=S]
            {"msgtype":"markdown","markdown":{"title":…,"text":…}}; with a secret, S (URL-decoded)
            must be base64(HMAC-SHA256(secret, MS + "\\n" + secret)) and MS within an hour:
            else errcode 310000, as for a missing keyword.
  Feishu    POST /open-apis/bot/v2/hook/H   {"msg_type":"interactive","card":{…markdown…}}
            with a secret, "timestamp" (s) and "sign" = base64(HMAC-SHA256(ts + "\\n" + secret,
            b"")) in the body, ts within an hour: else code 19021.

"Within an hour" is of `now()`, the daemon's clock as the test sets it. Every answer is HTTP 200
with the platform's code in the body, as the platforms do; a robot's `script(n, request)` may
answer a code of its own for its n-th request (1-based) instead."""

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HOUR = 3600
ERRMSG = {
    0: "ok",
    45009: "api freq out of limit",
    93000: "invalid webhook url, hint: [robot-receiver]",
    130101: "send too fast, exceed 20 times per minute",
    310000: "sign not match",
    11232: "frequency limited psm[robot-receiver]",
    19021: "sign match fail or timestamp is not within one hour from current time",
    19022: "ip not allowed",
    19024: "Key Words Not Found",
}


def dingtalk_sign(secret, timestamp_ms):
    signed = f"{timestamp_ms}\n{secret}".encode()
    return base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest()).decode()


def feishu_sign(secret, timestamp_s):
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


class Robot:
    def __init__(self, platform, token, secret=None, keyword=None, script=None):
        self.platform, self.token, self.secret, self.keyword = platform, token, secret, keyword
        self.script = script or (lambda n, request: None)
        self.requests = []


class RobotReceiver:
    def __init__(self, now):
        """now(): Unix seconds (float) of the daemon's clock."""
        self.now = now
        self.robots = {}
        self.lock = threading.Lock()
        self.unknown = []  # requests for no robot of ours
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                answer = receiver.handle(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    # --- robots -----------------------------------------------------------------------------
    def add(self, platform, token, secret=None, keyword=None, script=None):
        robot = Robot(platform, token, secret, keyword, script)
        with self.lock:
            self.robots[(platform, token)] = robot
        return robot

    def url(self, platform, token):
        base = f"http://127.0.0.1:{self.port}"
        return {"wecom": f"{base}/cgi-bin/webhook/send?key={token}",
                "dingtalk": f"{base}/robot/send?access_token={token}",
                "feishu": f"{base}/open-apis/bot/v2/hook/{token}"}[platform]

    def requests(self, platform, token):
        with self.lock:
            robot = self.robots.get((platform, token))
            return list(robot.requests) if robot else []

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    # --- the platforms ------------------------------------------------------------------------
    def handle(self, path, headers, body):
        url = urlsplit(path)
        query = parse_qs(url.query)  # decodes %XX (and "+" to a space, as servers do)
        if url.path == "/cgi-bin/webhook/send":
            platform, token = "wecom", query.get("key", [""])[0]
        elif url.path == "/robot/send":
            platform, token = "dingtalk", query.get("access_token", [""])[0]
        elif url.path.startswith("/open-apis/bot/v2/hook/"):
            platform, token = "feishu", url.path[len("/open-apis/bot/v2/hook/"):]
        else:
            self.unknown.append(path)
            return {"errcode": 404, "errmsg": "no such path"}
        request = {"platform": platform, "token": token, "at": self.now(), "headers": headers,
                   "raw": body, "query": query, "problems": []}
        try:
            request["json"] = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            request["json"] = None
            request["problems"].append(f"body is not UTF-8 JSON: {e}")
        if not headers.get("content-type", "").startswith("application/json"):
            request["problems"].append("Content-Type is not application/json")
        with self.lock:
            robot = self.robots.get((platform, token))
            if robot is None:
                self.unknown.append(path)
                request["code"] = 93000 if platform == "wecom" else 300001 if platform == "dingtalk" else 19001
                return self.reply(platform, request["code"])
            robot.requests.append(request)
            n = len(robot.requests)
        code = getattr(self, "check_" + platform)(robot, request)
        request["valid"] = code == 0 and not request["problems"]
        scripted = robot.script(n, request)
        request["code"] = scripted if scripted is not None else code
        return self.reply(platform, request["code"])

    @staticmethod
    def reply(platform, code):
        message = ERRMSG.get(code, "error")
        if platform == "feishu":
            if code == 0:
                return {"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": {}, "msg": "success"}
            return {"code": code, "data": {}, "msg": message}
        return {"errcode": code, "errmsg": message}

    def check_wecom(self, robot, request):
        j = request["json"]
        if not (isinstance(j, dict) and j.get("msgtype") == "markdown" and isinstance(j.get("markdown"), dict)
                and isinstance(j["markdown"].get("content"), str)):
            request["problems"].append("not a WeCom markdown message")
            return 40008
        content = j["markdown"]["content"]
        request["text"] = content
        if len(content.encode("utf-8")) > 4096:
            request["problems"].append(f"markdown.content is {len(content.encode())} bytes (> 4096)")
            return 40058
        return 0

    def check_dingtalk(self, robot, request):
        j = request["json"]
        if not (isinstance(j, dict) and j.get("msgtype") == "markdown" and isinstance(j.get("markdown"), dict)
                and isinstance(j["markdown"].get("title"), str) and isinstance(j["markdown"].get("text"), str)):
            request["problems"].append("not a DingTalk markdown message")
            return 40035
        request["text"] = j["markdown"]["text"]
        if robot.secret is not None:
            timestamp = request["query"].get("timestamp", [""])[0]
            sign = request["query"].get("sign", [""])[0]
            if not timestamp.isdigit() or abs(int(timestamp) / 1000 - self.now()) > HOUR:
                request["problems"].append("timestamp missing or more than an hour off")
                return 310000
            if not hmac.compare_digest(sign, dingtalk_sign(robot.secret, timestamp)):
                request["problems"].append("sign does not match")
                return 310000
        if robot.keyword is not None and robot.keyword not in request["text"]:
            request["problems"].append("keyword not in content")
            return 310000
        return 0

    def check_feishu(self, robot, request):
        j = request["json"]
        elements = j.get("card", {}).get("elements") if isinstance(j, dict) and isinstance(j.get("card"), dict) else None
        if not (isinstance(j, dict) and j.get("msg_type") == "interactive" and isinstance(elements, list) and elements
                and all(isinstance(e, dict) and e.get("tag") == "markdown" and isinstance(e.get("content"), str)
                        for e in elements)):
            request["problems"].append("not a Feishu interactive card of markdown elements")
            return 9499
        request["text"] = "\n".join(e["content"] for e in elements)
        request["title"] = j["card"].get("header", {}).get("title", {}).get("content")
        if robot.secret is not None:
            timestamp = j.get("timestamp")
            if not isinstance(timestamp, str) or not timestamp.isdigit() or abs(int(timestamp) - self.now()) > HOUR:
                request["problems"].append("timestamp missing or more than an hour off")
                return 19021
            if not hmac.compare_digest(str(j.get("sign", "")), feishu_sign(robot.secret, timestamp)):
                request["problems"].append("sign does not match")
                return 19021
        if robot.keyword is not None and robot.keyword not in request["text"]:
            request["problems"].append("keyword not in content")
            return 19024
        return 0
