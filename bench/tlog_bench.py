"""The transparency log at 1,000,000 leaves: how long logging the whole list takes, and how fast
the checkpoint and the proofs answer.

bench/run.py calls it in two places (see `build` and `measure`); `python bench/tlog_bench.py`
runs it alone with run.py's database, seeding and server (BENCH_* variables as there).
"""

import random
import sys
import time
from pathlib import Path

import psycopg

# The server needs a signing key with DEBUG off (a throwaway one: this is a throwaway database).
ENV = {"TLOG_SIGNING_KEY": "YmVuY2gtb25seSB0cmFuc3BhcmVuY3kgbG9nIGtleSE=", "TLOG_KEY_NAME": "bench.example"}

TARGETS = {
    "log checkpoint": {"p95_ms_max": 100},
    "log inclusion proof": {"p95_ms_max": 100},
    "log consistency proof": {"p95_ms_max": 100},
    "log checkpoint, signing": {"ms_max": 1000},
}


def build(manage, slug: str) -> dict:
    """Log every approved signature of the seeded letter, through the real service
    (`manage.py tlog_sync`): hashes and subtrees computed in Python, inserted in bulk."""
    started = time.monotonic()
    manage("tlog_sync", "--letter", slug)
    return {"seconds": round(time.monotonic() - started, 1)}


def _sample(db_url: str, slug: str, count: int = 2000):
    with psycopg.connect(db_url) as conn:
        letter_id, size = conn.execute(
            "SELECT h.letter_id, h.size FROM signatures_loghead h JOIN letter_letter l ON l.id = h.letter_id "
            "WHERE l.slug = %s",
            [slug],
        ).fetchone()
        rng = random.Random(6962)
        indexes = [rng.randrange(size) for _ in range(count)]
        rows = conn.execute(
            "SELECT leaf_hash FROM signatures_logleaf WHERE letter_id = %s AND index = ANY(%s)", [letter_id, indexes]
        ).fetchall()
    return size, [bytes(row[0]).hex() for row in rows]


def measure(*, request, load, db_url: str, slug: str, duration: float = 8) -> dict:
    """Latency of the log's endpoints on the running server. `request` and `load` are run.py's."""
    base = f"/letters/{slug}/log"
    results = {}
    with psycopg.connect(db_url, autocommit=True) as conn:  # a throwaway database: sign afresh
        conn.execute(
            "DELETE FROM signatures_checkpoint WHERE letter_id = (SELECT id FROM letter_letter WHERE slug = %s)", [slug]
        )
    started = time.perf_counter()
    status, _, body = request("GET", f"{base}/checkpoint")  # the first one signs the whole tree
    signing_ms = (time.perf_counter() - started) * 1000
    if status != 200:
        raise SystemExit(f"checkpoint answered {status}: {body[:200]!r}")
    size = int(body.decode().split("\n")[1])
    results["log checkpoint, signing"] = {"ms": round(signing_ms, 1), "tree_size": size}
    results["log checkpoint"] = load("log checkpoint", _get(request, f"{base}/checkpoint"), 8, duration)

    size, leaves = _sample(db_url, slug)
    rng = random.Random(9162)

    def proof(conn):
        leaf = rng.choice(leaves)
        return request("GET", f"{base}/proof?leaf={leaf}&size={size}", conn=conn)[0]

    def consistency(conn):
        first = rng.randrange(1, size)
        return request("GET", f"{base}/consistency?first={first}&second={size}", conn=conn)[0]

    results["log inclusion proof"] = {**load("log proof", proof, 8, duration), "tree_size": size}
    results["log consistency proof"] = {**load("log consistency", consistency, 8, duration), "tree_size": size}
    return results


def _get(request, path):
    return lambda conn: request("GET", path, conn=conn)[0]


def check(results: dict) -> list[str]:
    misses = []
    for name, target in TARGETS.items():
        for key, limit in target.items():
            metric = key.rsplit("_", 1)[0]
            value = results.get(name, {}).get(metric)
            if value is None or value > limit:
                misses.append(f"{name}: {metric} = {value}, target {key} {limit}")
    return misses


def main():
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    from bench import run

    run.ENV.update(ENV)
    if run.os.environ.get("BENCH_REUSE") != "1":
        run.reset_database()
        run.seed()
        built = build(run.manage, run.SLUG)
        run.log(f"logged {run.APPROVED:,} signatures in {built['seconds']}s")
    run.flush_redis()
    server = run.start_server()
    try:
        results = measure(request=run.request, load=run.load, db_url=run.DB_URL, slug=run.SLUG)
    finally:
        server.terminate()
        server.wait(20)
    for name, values in results.items():
        print(f"{name:<28}{values}")
    misses = check(results)
    print("all log targets met" if not misses else "MISSED:\n  " + "\n  ".join(misses))
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
