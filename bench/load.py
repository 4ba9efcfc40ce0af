"""Load generators: wrk (a C client, so a figure is the server's, not the client's) for the
throughput and latency figures, and a small Python client for single requests and for
bench/tlog_bench.py."""

import http.client
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from .config import DURATION, HEADERS, PORT, log

# wrk prints this line at the end; latencies are in microseconds.
REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %.1f %.1f %.1f %d\\n", summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, summary.duration))
end
"""

# POSTs of the sign form, each with a new name and email. `FIELDS` is the served form's other
# fields (its timestamp), `RUN` makes the emails of this run new.
SIGN = """
counter, id = 0, 0  -- globals: setup() sets each thread's own id
local tid = 0
function setup(thread) thread:set("id", tid); tid = tid + 1 end
function init(args) math.randomseed(id * 7919 + os.time()) end
request = function()
  counter = counter + 1
  local body = string.format("name=Bench+Signer+%d+%d&email=s%s_%d_%d%%40bench.example&title=&organization=Bench&link=&%s",
    id, counter, RUN, id, counter, FIELDS)
  return wrk.format("POST", PATH, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
"""

# GETs of PATH with "{n}" replaced by a different 6-digit number each time: someone looking
# for one person by their full name ("Person 123457"), a search no cache has seen.
VARYING = """
counter, id = 0, 0  -- globals: setup() sets each thread's own id
local tid = 0
function setup(thread) thread:set("id", tid); tid = tid + 1 end
request = function()
  counter = counter + 1
  local path = string.gsub(PATH, "{n}", tostring(100000 + (id * 450001 + counter * 7919) % 900000))
  return wrk.format("GET", path)
end
"""


def wrk(name: str, url: str, *, connections: int = 16, duration: float = DURATION, script: str = "", headers=None):
    """Run wrk -t2 against `url`; returns requests/s, latency percentiles and errors."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk): the benchmark needs a client faster than Python")
    path = Path(tempfile.mkdtemp(prefix="bench-wrk-")) / "script.lua"
    path.write_text(script + REPORT)
    args = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "10s", "-s", str(path)]
    for key, value in {**HEADERS, **(headers or {})}.items():
        args += ["-H", f"{key}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=False).stdout
    line = next((line for line in out.splitlines() if line.startswith("RESULT")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result for {name}:\n{out}")
    requests, bad_status, failed, p50, p95, p99, micros = line.split()[1:]
    result = {
        "rps": round(int(requests) / (int(micros) / 1e6), 1),
        "p50_ms": float(p50),
        "p95_ms": float(p95),
        "p99_ms": float(p99),
        "requests": int(requests),
        "errors": int(bad_status) + int(failed),
        "connections": connections,
    }
    log(f"{name}: {result}")
    return result


def lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def request(method, path, body=None, headers=None, conn=None, port=PORT):
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers={**HEADERS, **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    if own:
        conn.close()
    return response.status, response.headers, data


def load(name, make_request, concurrency=8, duration=DURATION, max_requests=200_000):
    """make_request(conn) from `concurrency` Python threads for `duration` seconds (for requests
    wrk cannot make, as bench/tlog_bench.py's proofs)."""
    latencies, errors, lock = [], [], threading.Lock()
    stop_at = time.monotonic() + duration

    def run():
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        while time.monotonic() < stop_at and len(latencies) < max_requests:
            started = time.perf_counter()
            try:
                status = make_request(conn)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
                status = "error"
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                if status not in (200, 303, 304):
                    errors.append(status)
        conn.close()

    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    result = {
        "rps": round(len(latencies) / (time.monotonic() - started), 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 1),
        "requests": len(latencies),
        "errors": len(errors),
        "connections": concurrency,
    }
    log(f"{name}: {result}")
    return result
