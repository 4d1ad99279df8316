"""A webhook receiver for tests/webhooks.rs: verifies every delivery with the Standard Webhooks
reference library (standardwebhooks, from PyPI), once per secret listed in <dir>/secrets (one a
line), and appends what it saw to <dir>/log as a JSON line. <dir>/mode says how to answer: `ok`
(200, the default) or an HTTP status such as `500`. A delivery no secret verifies gets a 400.

usage: receiver.py PORT DIR
"""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

PORT, DIR = int(sys.argv[1]), sys.argv[2]


def read(name, default=""):
    try:
        with open(os.path.join(DIR, name)) as f:
            return f.read()
    except FileNotFoundError:
        return default


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        secrets = [s.strip() for s in read("secrets").splitlines() if s.strip()]
        verified = []
        for i, secret in enumerate(secrets):
            try:
                Webhook(secret).verify(body, headers)
                verified.append(i)
            except Exception:
                pass
        mode = read("mode", "ok").strip() or "ok"
        code = 200 if mode == "ok" else int(mode)
        if not verified:
            code = 400
        record = {
            "id": headers.get("webhook-id"),
            "signatures": headers.get("webhook-signature", "").split(" "),
            "verified": verified,
            "code": code,
            "body": json.loads(body or b"null"),
        }
        with open(os.path.join(DIR, "log"), "a") as f:
            f.write(json.dumps(record) + "\n")
        self.send_response(code)
        self.send_header("content-type", "text/plain")
        self.end_headers()
        self.wfile.write(b"thanks" if code == 200 else b"not now")

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
