#!/usr/bin/env python3
"""Sends N chat requests one after another on one kept-alive connection and
checks each answer; used by bench/callgrind.sh to count instructions per request."""
import http.client
import json
import sys


def main() -> int:
    port, count, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    body = {"model": "bench/fake-model", "messages": [{"role": "user", "content": "hi"}]}
    if mode == "sse":
        body["stream"] = True
    payload = json.dumps(body)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for _ in range(count):
        connection.request("POST", "/v1/chat/completions", payload,
                           {"Content-Type": "application/json"})
        response = connection.getresponse()
        text = response.read()
        done = b"[DONE]" in text if mode == "sse" else b'"usage"' in text
        if response.status != 200 or not done:
            print(f"seq_client: bad answer {response.status}: {text[:200]!r}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
