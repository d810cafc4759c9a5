#!/usr/bin/env python3
"""Pre-generates unique, signed lead-form webhook bodies for the ingest benchmark.

Steward deduplicates identical form bodies (same raw body -> same dedupe key -> "duplicate", not
a new commit), so every request of a Steward run needs its own body: the tag and a sequence
number go into the email address and the message. Each body keeps the anchor's 613-byte lead
shape (name, email, company, employees, budget, message) and grows by the tag and number only.

The signature is Steward's JSON-form scheme (connectors/forms/signature.cpp):
    X-Steward-Signature: sha256=<base64(HMAC-SHA256(secret, raw body))>

Output: one file per wrk thread, PREFIX.1 .. PREFIX.T, one request per line:
    <signature> TAB <body>
(bodies are single-line JSON with no tabs). wrk's Lua script (post.lua) loads its own file.

    gen_requests.py --prefix /tmp/x/req --threads 2 --count 100000 --tag r3 --secret S
"""

import argparse
import base64
import hashlib
import hmac
import json

MESSAGE = (
    "Hi, we are evaluating workflow automation for our inbound sales pipeline. We receive "
    "roughly two thousand form submissions per week across three regions and want to route "
    "qualified leads to the right account executive within a minute. Please send pricing for "
    "the team plan, details on SSO, data retention and audit logs, plus case studies from B2B "
    "SaaS companies. Our current stack is a CRM plus a small homegrown router we would like to "
    "retire this quarter."
)


def body(tag: str, seq: int) -> bytes:
    lead = {
        "name": "Jane Q. Example",
        "email": f"jane.example+{tag}.{seq}@acme-industrial.com",
        "company": "Acme Industrial Holdings Ltd",
        "employees": 1250,
        "budget": 75000,
        "message": f"{MESSAGE} Ref {tag}-{seq}.",
    }
    return json.dumps(lead, separators=(",", ":")).encode()


def signature(secret: bytes, raw: bytes) -> str:
    mac = hmac.new(secret, raw, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(mac).decode()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prefix", required=True, help="output files are PREFIX.1 .. PREFIX.T")
    ap.add_argument("--threads", type=int, default=2, help="one file per wrk thread")
    ap.add_argument("--count", type=int, required=True, help="requests in total")
    ap.add_argument("--tag", required=True, help="makes this set unique (e.g. the run id)")
    ap.add_argument("--secret", required=True, help="the form's HMAC secret")
    a = ap.parse_args()
    secret = a.secret.encode()
    per = max(1, a.count // max(1, a.threads))
    for t in range(1, a.threads + 1):
        with open(f"{a.prefix}.{t}", "w", encoding="ascii") as f:
            base = (t - 1) * per
            for i in range(per):
                raw = body(a.tag, base + i)
                f.write(signature(secret, raw))
                f.write("\t")
                f.write(raw.decode())
                f.write("\n")


if __name__ == "__main__":
    main()
