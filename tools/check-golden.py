#!/usr/bin/env python3
"""Checks a server binary against the golden cases (tests/data/golden/<case>/NN-<hook>.*.json).

The same comparison as tests/integration/golden_test.cpp, for builds the test suite does not
run (tools/build-release.sh's LTO + PGO server): each case on its own server, evaluated as of
the cases' fixed instant, its steps in order over HTTPS; the status and the body, with UUIDs
normalised, must equal the expected response. Usage: tools/check-golden.py SERVER_BINARY.
Exits 1 when any step differs.
"""
import glob
import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

NOW = "2026-11-21T12:00:00Z"  # kNow in golden_test.cpp
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def start(binary, out_path):
    with open(out_path, "w") as out:
        server = subprocess.Popen(
            [binary, "--port", "0", "--insecure-no-auth", "--no-audit", "--now", NOW],
            stdout=out, stderr=subprocess.DEVNULL)
    for _ in range(200):
        with open(out_path) as f:
            for line in f:
                if line.startswith("listening on https"):
                    return server, line.split()[-1]
        if server.poll() is not None:
            break
        time.sleep(0.05)
    server.kill()
    sys.exit(f"check-golden: {binary} did not start")


def post(context, url, body):
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    context = ssl.create_default_context(cafile="certs/dev/ca.pem")
    context.check_hostname = False  # the dev certificate names localhost; we call 127.0.0.1
    same, different = 0, []
    with tempfile.TemporaryDirectory() as work:
        for case in sorted(glob.glob("tests/data/golden/*/")):
            server, base = start(binary, os.path.join(work, "out"))
            try:
                for path in sorted(glob.glob(case + "*.request.json")):
                    with open(path, "rb") as f:
                        body = f.read()
                    hook = json.loads(body)["hook"]
                    status, reply = post(
                        context, f"{base}/cds-services/antimicrobial-stewardship-{hook}", body)
                    with open(path.replace(".request.json", ".response.json")) as f:
                        expected = json.load(f)
                    actual = {"status": status,
                              "body": json.loads(UUID.sub("<uuid>", reply.decode()))}
                    if actual == expected:
                        same += 1
                    else:
                        different.append(path)
            finally:
                server.terminate()
                server.wait()
    for path in different:
        print(f"check-golden: differs: {path}", file=sys.stderr)
    print(f"check-golden: {same} of {same + len(different)} golden steps as expected")
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
