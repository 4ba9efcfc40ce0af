"""The benchmark: is the site fast enough for a letter that goes viral?

Seeds a PostgreSQL database of its own with 1,000,000 approved signatures and 100,000 awaiting
review, serves the site with gunicorn in production mode (DEBUG off) on loopback, and measures
what a surge does: readers on the letter page and count widget, the public list (first and a
deep page), signers posting the form, a moderator's queue, and a full CSV download (time and how
much the serving process grows). Prints a table, writes bench/results.json, and exits 1 if a
target is missed.

Needs PostgreSQL and Redis: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
freefable_bench, dropped and recreated unless BENCH_REUSE=1) and BENCH_REDIS_URL (default
redis://127.0.0.1:6379/12, flushed). All traffic goes to 127.0.0.1, bounded in count and time.
"""

import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/freefable_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
APPROVED = int(os.environ.get("BENCH_APPROVED", 1_000_000))
WAITING = int(os.environ.get("BENCH_WAITING", 100_000))
DURATION = float(os.environ.get("BENCH_SECONDS", 8))
PORT = int(os.environ.get("BENCH_PORT", 8765))
SLUG = "bench"
MODERATOR = "bench-moderator@example.org"
PASSWORD = "bench-moderator-password"  # noqa: S105 (a throwaway account in a throwaway database)

# What "fast enough" means here (2 cores shared by server, database and load generator).
TARGETS = {
    "letter page": {"rps_min": 300, "p95_ms_max": 150},
    "count.json": {"rps_min": 500, "p95_ms_max": 100},
    "public list, first page": {"rps_min": 200, "p95_ms_max": 200},
    "public list, deep page": {"rps_min": 200, "p95_ms_max": 200},
    "public list, search": {"rps_min": 20, "p95_ms_max": 1000},
    "sign (POST)": {"rps_min": 50, "p95_ms_max": 500},
    "moderation queue": {"p95_ms_max": 500},
    "moderation queue, search": {"p95_ms_max": 1000},
    "CSV, all rows": {"rss_growth_mb_max": 64},
}

ENV = {
    **os.environ,
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SITE_URL": f"http://127.0.0.1:{PORT}",
    "DATABASE_URL": DB_URL,
    "REDIS_URL": REDIS_URL,
    "EMAIL_URL": "smtp://127.0.0.1:1",  # nothing listens: emails stay queued, as in an SMTP outage
    "RATELIMIT_ENABLE": "0",
    "SECURE_SSL_REDIRECT": "0",
    "MODERATORS_REQUIRE_MFA": "0",
    "LOG_LEVEL": "WARNING",
}
HEADERS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}


def log(message):
    print(message, file=sys.stderr, flush=True)


def manage(*args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL)


# --- Database ---------------------------------------------------------------------------------


def reset_database():
    parts = urlsplit(DB_URL)
    name = parts.path.lstrip("/")
    admin = DB_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed():
    manage("migrate", "--noinput")
    manage("collectstatic", "--noinput")
    manage("load_letter", str(ROOT / "demo" / "letter.md"), "--slug", SLUG, "--primary")
    manage("add_moderator", MODERATOR, "--no-email")
    with psycopg.connect(DB_URL, autocommit=True) as conn:
        letter_id, version_id = conn.execute(
            "SELECT id, current_version_id FROM letter_letter WHERE slug = %s", [SLUG]
        ).fetchone()
        started = time.monotonic()
        for status, offset, count in (("approved", 0, APPROVED), ("verified", APPROVED, WAITING)):
            conn.execute(
                """
                INSERT INTO signatures_signature (
                    public_id, letter_id, version_id, name, name_key, email, email_normalized, email_base, title,
                    organization, link, status, verification, featured, created_at, verified_at, approved_at,
                    moderation_note, network_hash, suspicious_reasons, email_failed)
                SELECT 'b' || lpad(i::text, 11, '0'), %(letter)s, %(version)s,
                       'Person ' || i, 'person ' || i, 'p' || i || '@org' || (i %% 5000) || '.example',
                       'p' || i || '@org' || (i %% 5000) || '.example',
                       'p' || i || '@org' || (i %% 5000) || '.example', 'Security Engineer',
                       'Organization ' || (i %% 5000), '', %(status)s::varchar, 'email', i %% 100000 = 7,
                       now() - make_interval(secs => (%(total)s - i)),
                       now() - make_interval(secs => (%(total)s - i)),
                       CASE WHEN %(status)s::varchar = 'approved' THEN now() - make_interval(secs => (%(total)s - i)) END,
                       '', '', '[]'::jsonb, false
                FROM generate_series(%(start)s, %(stop)s) AS i
                """,
                {
                    "letter": letter_id,
                    "version": version_id,
                    "status": status,
                    "total": APPROVED + WAITING,
                    "start": offset + 1,
                    "stop": offset + count,
                },
            )
        conn.execute("ANALYZE")
        log(f"seeded {APPROVED:,} approved and {WAITING:,} waiting in {time.monotonic() - started:.0f}s")
    # The moderator's password, set through Django so it is hashed as at login.
    code = (
        f"from django.contrib.auth.models import User; u = User.objects.get(email={MODERATOR!r}); "
        f"u.set_password({PASSWORD!r}); u.save()"
    )
    manage("shell", "-c", code)


def flush_redis():
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


# --- Server -----------------------------------------------------------------------------------


def start_server():
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "freefable.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "3",
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=ENV,
    )
    for _ in range(100):
        try:
            status, _, _ = request("GET", "/healthz")
            if status in (200, 503):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def worker_pids(server):
    out = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- Load -------------------------------------------------------------------------------------


def request(method, path, body=None, headers=None, conn=None):
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    conn.request(method, path, body=body, headers={**HEADERS, **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    if own:
        conn.close()
    return response.status, response.headers, data


def load(name, make_request, concurrency=8, duration=DURATION, max_requests=200_000):
    """Run make_request(conn) from `concurrency` threads for `duration` seconds (bounded)."""
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
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if status not in (200, 303, 304):
                    errors.append(status)
        conn.close()

    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    result = {
        "requests": len(latencies),
        "errors": len(errors),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 1),
        "concurrency": concurrency,
    }
    log(f"{name}: {result}")
    return result


WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.1f %.1f %.1f %d\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, summary.duration))
end
"""


def load_get(name, path, concurrency=8, duration=DURATION, headers=None):
    """GET throughput: with wrk when installed (a C client, so the numbers are the server's),
    else with the Python client (which tops out near 500 req/s on two shared cores)."""
    if not shutil.which("wrk"):
        return {**load(name, get(path, headers), concurrency, duration), "client": "python"}
    script = Path(tempfile.mkdtemp()) / "report.lua"
    script.write_text(WRK_SCRIPT)
    args = ["wrk", "-t2", f"-c{concurrency}", f"-d{int(duration)}s", "-s", str(script)]
    for key, value in {**HEADERS, **(headers or {})}.items():
        args += ["-H", f"{key}: {value}"]
    out = subprocess.run([*args, f"http://127.0.0.1:{PORT}{path}"], capture_output=True, text=True).stdout
    fields = next(line for line in out.splitlines() if line.startswith("RESULT")).split()[1:]
    requests, errors, p50, p95, p99, micros = int(fields[0]), int(fields[1]), *map(float, fields[2:5]), int(fields[5])
    result = {
        "requests": requests,
        "errors": errors,
        "rps": round(requests / (micros / 1e6), 1),
        "p50_ms": p50,
        "p95_ms": p95,
        "p99_ms": p99,
        "concurrency": concurrency,
        "client": "wrk",
    }
    log(f"{name}: {result}")
    return result


def get(path, headers=None):
    def make(conn):
        status, _, _ = request("GET", path, headers=headers, conn=conn)
        return status

    return make


def login_cookie():
    status, headers, page = request("GET", "/accounts/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.decode()).group(1)
    cookie = headers["Set-Cookie"].split(";")[0]
    body = f"csrfmiddlewaretoken={csrf}&login={MODERATOR}&password={PASSWORD}"
    status, headers, _ = request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"https://127.0.0.1:{PORT}/accounts/login/",
        },
    )
    cookies = [c.split(";")[0] for c in headers.get_all("Set-Cookie") or []]
    session = next(c for c in cookies if c.startswith("sessionid="))
    return f"{cookie}; {session}"


def sign_requests():
    status, headers, page = request("GET", "/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.decode()).group(1)
    cookie = headers["Set-Cookie"].split(";")[0]
    counter = iter(range(10**9))
    lock = threading.Lock()

    def make(conn):
        with lock:
            n = next(counter)
        body = f"csrfmiddlewaretoken={csrf}&name=Bench+Signer+{n}&email=bench{n}%40example.org&organization=Bench"
        status, _, _ = request(
            "POST",
            f"/letters/{SLUG}/sign/",
            body=body,
            conn=conn,
            headers={
                "Cookie": cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"https://127.0.0.1:{PORT}/",
            },
        )
        return status

    return make


def csv_download(server):
    """Download the whole CSV once; sample every worker's memory while it streams."""
    pids = worker_pids(server)
    before = {pid: rss_mb(pid) for pid in pids}
    peak = dict(before)
    done = threading.Event()

    def sample():
        while not done.is_set():
            for pid in pids:
                peak[pid] = max(peak[pid], rss_mb(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=600)
    conn.request("GET", f"/letters/{SLUG}/signatures.csv", headers=HEADERS)
    response = conn.getresponse()
    size, lines = 0, 0
    while chunk := response.read(1 << 16):
        size += len(chunk)
        lines += chunk.count(b"\n")
    elapsed = time.monotonic() - started
    done.set()
    sampler.join()
    growth = max(peak[pid] - before[pid] for pid in pids)
    result = {
        "rows": lines - 1,
        "megabytes": round(size / 1e6, 1),
        "seconds": round(elapsed, 1),
        "rss_growth_mb": round(growth, 1),
        "rss_before_mb": round(max(before.values()), 1),
    }
    log(f"CSV: {result}")
    return result


def check(results):
    misses = []
    for name, target in TARGETS.items():
        got = results.get(name, {})
        for key, limit in target.items():
            metric = key.rsplit("_", 1)[0]
            value = got.get(metric)
            ok = value is not None and (value >= limit if key.endswith("_min") else value <= limit)
            got.setdefault("targets", {})[key] = limit
            if not ok:
                misses.append(f"{name}: {metric} = {value}, target {key} {limit}")
    return misses


def main():
    if os.environ.get("BENCH_REUSE") != "1":
        reset_database()
        seed()
    flush_redis()
    server = start_server()
    try:
        results = {}
        for path in ("/", f"/letters/{SLUG}/signatures/", f"/letters/{SLUG}/count.json"):
            request("GET", path)  # warm the caches once, as the first readers would
        results["letter page"] = load_get("letter page", "/", concurrency=16)
        results["count.json"] = load_get("count.json", f"/letters/{SLUG}/count.json", concurrency=16)
        results["public list, first page"] = load_get("list first", f"/letters/{SLUG}/signatures/")
        _, _, page = request("GET", f"/letters/{SLUG}/signatures.json?limit=500")
        cursor = json.loads(page)["next"].split("after=")[1].split("&")[0]
        results["public list, deep page"] = load_get("list deep", f"/letters/{SLUG}/signatures/?after={cursor}")
        counter = iter(range(10**9))
        results["public list, search"] = load(
            "list search",
            lambda conn: request("GET", f"/letters/{SLUG}/signatures/?q=person+{next(counter)}9", conn=conn)[0],
            concurrency=4,
        )
        results["sign (POST)"] = load("sign", sign_requests(), concurrency=8)
        cookie = login_cookie()
        results["moderation queue"] = load(
            "moderation", get("/moderation/", headers={"Cookie": cookie}), concurrency=2, duration=5
        )
        results["moderation queue, search"] = load(
            "moderation search", get("/moderation/?q=org42", headers={"Cookie": cookie}), concurrency=2, duration=5
        )
        results["CSV, all rows"] = csv_download(server)
    finally:
        server.terminate()
        server.wait(20)

    misses = check(results)
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cores": os.cpu_count()},
        "data": {"approved": APPROVED, "waiting": WAITING},
        "results": results,
        "missed": misses,
    }
    (ROOT / "bench" / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\n{'measure':<28}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  other")
    for name, r in results.items():
        keys = ("client", "rows", "megabytes", "seconds", "rss_growth_mb")
        other = ", ".join(f"{k}={v}" for k, v in r.items() if k in keys)
        print(
            f"{name:<28}{r.get('rps', ''):>9}{r.get('p50_ms', ''):>9}{r.get('p95_ms', ''):>9}{r.get('p99_ms', ''):>9}  {other}"
        )
    print("\nall targets met" if not misses else "\nMISSED:\n  " + "\n  ".join(misses))
    return 1 if misses else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
