#!/usr/bin/env python3
"""Time-to-ready probe for the ingest benchmark.

Started *before* the server: it arms itself (creates ARMED), then POSTs the first request of
REQFILE (a gen_requests.py file: "<signature> TAB <body>" per line) to URL every INTERVAL ms
until a 2xx arrives, and writes the wall-clock time of that 2xx (ns since the epoch, same clock
as `date +%s%N`) to OUT. Refused connections and non-2xx answers (n8n says 404 until its
workflow is registered) just mean "not yet". Gives up after TIMEOUT s (OUT gets "-1").

    ready.py URL REQFILE OUT ARMED [INTERVAL_MS=2] [TIMEOUT_S=180]
"""

import http.client
import os
import sys
import time
import urllib.parse


def main() -> int:
    url, reqfile, out, armed = sys.argv[1:5]
    interval = float(sys.argv[5]) / 1000 if len(sys.argv) > 5 else 0.002
    timeout = float(sys.argv[6]) if len(sys.argv) > 6 else 180.0
    with open(reqfile, encoding="ascii") as f:
        sig, body = f.readline().rstrip("\n").split("\t", 1)
    u = urllib.parse.urlsplit(url)
    headers = {"Content-Type": "application/json", "X-Steward-Signature": sig}
    open(armed, "w").close()
    deadline = time.monotonic() + timeout
    slow = False
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
            c.request("POST", u.path, body=body.encode(), headers=headers)
            status = c.getresponse().status
            c.close()
            if 200 <= status < 300:
                t = time.time_ns()
                with open(out + ".tmp", "w") as f:
                    f.write(f"{t}\n")
                os.replace(out + ".tmp", out)
                return 0
            slow = True  # the port is open but the route is not there yet: don't hammer it
        except OSError:
            pass
        time.sleep(0.05 if slow else interval)
    with open(out, "w") as f:
        f.write("-1\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
