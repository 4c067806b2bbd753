"""Benchmark: `jazzsolo serve` under load on loopback, against in-process generation.

Run as ``python benchmarks/bench_web.py [--requests 300] [--clients 16] [--workers 2]
[--queue 8] [--overload-requests 100]``. Starts the real server (``jazzsolo serve --host
127.0.0.1 --port 0``) in a fresh process, then ``--clients`` threads send the improvise
requests (each take's WAV and PNG are fetched after it, as the page does). Two phases, each on
a fresh server: *load*, ``--requests`` requests with a queue long enough for every client (no
503 expected), and *overload*, ``--overload-requests`` on the default server (``--queue 8``),
which admits fewer than the clients, so some requests get a deliberate 503 (a client that gets
one waits 0.25 s). Reported: status counts (anything but 201/503 is an error), p50/p95 latency
of takes, throughput, and the server's resident memory at start, after one take, at its peak
and after the load. The baseline, measured in the same run: the same takes made in-process one
after another (what a take costs without HTTP, queueing or concurrency). Loopback only; no
shared data needed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

try:
    import jazzsolo.web.app  # noqa: F401
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from jazzsolo.progressions import PROGRESSIONS
from jazzsolo.web.app import ServerConfig
from jazzsolo.web.jobs import bundled_models, run_take
from jazzsolo.web.limits import check_request

HOST = "127.0.0.1"
BACKOFF_S = 0.25


def payload(i: int, progression: str) -> dict:
    """Request ``i``: the same changes each time, a different seed."""
    return {"progression": progression, "tempo": 160, "seed": i}


def rss_mib(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", text).group(1)) / 1024


def start_server(workers: int, queue: int) -> tuple[subprocess.Popen, int]:
    """The server in a fresh process on a free loopback port; returns it and its port."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src")
               + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(
        [sys.executable, "-m", "jazzsolo.cli", "serve", "--host", HOST, "--port", "0",
         "--workers", str(workers), "--queue", str(queue)],
        stdout=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    found = re.search(rf"http://{re.escape(HOST)}:(\d+)/", line)
    if not found:
        proc.kill()
        sys.exit(f"the server did not start: {line!r}")
    port = int(found.group(1))
    for _ in range(50):  # bounded: the socket is bound already, the app may still be loading
        try:
            if request(port, "GET", "/api/options")[0] == 200:
                return proc, port
        except OSError:
            continue
    proc.kill()
    sys.exit("the server never answered")


def request(port: int, method: str, path: str, body: dict | None = None,
            conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
    """One HTTP request (on ``conn`` when given, kept alive); returns status and body."""
    own = conn is None
    conn = conn or http.client.HTTPConnection(HOST, port, timeout=300)
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    try:
        conn.request(method, path, body=data, headers=headers)
        answer = conn.getresponse()
        return answer.status, answer.read()
    finally:
        if own:
            conn.close()


def load(port: int, n_requests: int, clients: int, progression: str) -> dict:
    """``clients`` threads share ``n_requests`` improvise requests; returns what happened."""
    counter = iter(range(n_requests))
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    file_errors: list[str] = []

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=300)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            start = time.perf_counter()
            status, body = request(port, "POST", "/api/solos", payload(i, progression), conn)
            took = time.perf_counter() - start
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 201:
                    latencies.append(took)
            if status == 201:
                for kind in ("wav", "png"):
                    url = json.loads(body)["outputs"][0][kind]
                    got, data = request(port, "GET", url, conn=conn)
                    if got != 200 or not data:
                        file_errors.append(f"{url}: {got}")
            elif status == 503:
                time.sleep(BACKOFF_S)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"seconds": time.perf_counter() - start, "latencies": latencies,
            "statuses": statuses, "file_errors": file_errors}


def baseline(n: int, progression: str) -> list[float]:
    """Seconds per take made in-process, one after another (same requests, no HTTP)."""
    app_config = ServerConfig()
    models = [m.name for m in bundled_models()]
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(-1, n):  # take -1 warms up (imports, soundfont), untimed
            spec = check_request(payload(abs(i), progression), app_config.limits, models,
                                 PROGRESSIONS, {})
            folder = Path(tmp) / f"take{i}"
            folder.mkdir()
            start = time.perf_counter()
            run_take(spec, folder)
            if i >= 0:
                times.append(time.perf_counter() - start)
    return times


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def phase(title: str, args: argparse.Namespace, queue: int, n_requests: int,
          base: list[float]) -> int:
    """One server, one load; prints the figures and returns the number of errors."""
    proc, port = start_server(args.workers, queue)
    peak = [0.0]
    stop = threading.Event()

    def watch_memory() -> None:
        while not stop.wait(0.2):
            peak[0] = max(peak[0], rss_mib(proc.pid))

    try:
        rss_start = rss_mib(proc.pid)
        request(port, "POST", "/api/solos", payload(10**6, args.progression))  # warm-up take
        rss_warm = rss_mib(proc.pid)
        print(f"{title}: workers {args.workers}, queue {queue} (admits {args.workers + queue});"
              f" {args.clients} clients, {n_requests} requests")
        watcher = threading.Thread(target=watch_memory)
        watcher.start()
        done = load(port, n_requests, args.clients, args.progression)
        stop.set()
        watcher.join()
        rss_after = rss_mib(proc.pid)
    finally:
        stop.set()
        proc.terminate()
        proc.wait(timeout=60)
    lat, statuses = done["latencies"], done["statuses"]
    errors = sum(n for s, n in statuses.items() if s not in (201, 503))
    errors += len(done["file_errors"])
    print(f"  statuses {dict(sorted(statuses.items()))}; errors (not 201/503, or a file "
          f"fetch failing): {errors}")
    if lat:
        print(f"  take latency p50 {statistics.median(lat):.3f} s, p95 {percentile(lat, 95):.3f} s"
              f" (in-process take p50 {statistics.median(base):.3f} s)")
        print(f"  {len(lat)} takes in {done['seconds']:.1f} s: {len(lat) / done['seconds']:.2f} "
              f"takes/s (in-process, one at a time: {1 / statistics.median(base):.2f} takes/s)")
    print(f"  server RSS: {rss_start:.0f} MiB at start, {rss_warm:.0f} MiB after one take, "
          f"peak {max(peak[0], rss_after):.0f} MiB, {rss_after:.0f} MiB after the load")
    for problem in done["file_errors"][:3]:
        print(f"  file error: {problem}")
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queue", type=int, default=8, help="queue of the overload phase")
    parser.add_argument("--overload-requests", type=int, default=100)
    parser.add_argument("--progression", default="ii-v-i-major-C", choices=list(PROGRESSIONS))
    parser.add_argument("--baseline", type=int, default=20, help="in-process takes timed")
    args = parser.parse_args()

    print(f"baseline: {args.baseline} takes in-process, one after another "
          f"({args.progression}, {os.cpu_count()} CPUs)")
    base = baseline(args.baseline, args.progression)
    print(f"  per take p50 {statistics.median(base):.3f} s, p95 {percentile(base, 95):.3f} s")
    errors = phase("load (the queue holds every client)", args,
                   max(0, args.clients - args.workers), args.requests, base)
    if args.overload_requests:
        errors += phase("overload (more clients than the server admits: deliberate 503s)",
                        args, args.queue, args.overload_requests, base)
    if errors:
        sys.exit(f"{errors} errors")


if __name__ == "__main__":
    main()
