"""The load generator, run in its own process: N threads of http.client, each request timed; JSON on stdout.

python -m bench.load PORT COOKIE CLIENTS REQUESTS_PER_CLIENT PATH [PATH ...]
"""
from __future__ import annotations

import http.client
import json
import sys
import threading
import time

USER_AGENT = "outfall-bench/1"
TIMEOUT_S = 60


def client(port: int, cookie: str, paths: list[str], count: int, offset: int, out: list, errors: list) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
    headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
    for i in range(count):
        path = paths[(i + offset) % len(paths)]
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as error:
            errors.append(f"{path}: {error}")
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
            continue
        seconds = time.perf_counter() - started
        if response.status != 200:
            errors.append(f"{path}: HTTP {response.status}")
        out.append((path, seconds))
    connection.close()


def main(argv: list[str]) -> None:
    port, cookie, clients, count, paths = int(argv[0]), argv[1], int(argv[2]), int(argv[3]), argv[4:]
    out: list[tuple[str, float]] = []
    errors: list[str] = []
    threads = [threading.Thread(target=client, args=(port, cookie, paths, count, n, out, errors))
               for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"seconds": time.perf_counter() - started, "timings": out, "errors": errors[:20],
                      "error_count": len(errors)}))


if __name__ == "__main__":
    main(sys.argv[1:])
