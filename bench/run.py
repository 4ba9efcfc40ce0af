"""make bench (python -m bench.run): is the site fast enough for a letter that goes viral?

A copy of a seeded database (1,000,000 approved signatures and 100,000 awaiting review, with
their transparency log: bench/seed.py), the site under gunicorn with DEBUG off, PostgreSQL and
Redis, and each figure beside a ceiling measured in the same run (bench/config.py has the goals):

- letter page and count.json against a bare Django view returning the same bytes, served the
  same way (gunicorn, the same workers, wrk -t2 -c16);
- the letter page through nginx with deploy/nginx.conf (its micro-cache) against the origin;
- signing against a minimal sign view (one INSERT, one Celery enqueue; BENCH_VIEWS=1);
- the 1M-row CSV build against a bare COPY of the same rows; the letter page's p99 while 20
  clients download the CSV through the proxy, against its p99 idle;
- import rows/s, public search and moderation queue p95, the transparency log (tlog_bench.py);
- the letter page and signing with 1, 2 and 4 web processes (no goal: for the README).

Prints the table, writes bench/results.json, exits 1 when a goal is missed. Needs PostgreSQL,
Redis, wrk, curl and nginx. All traffic stays on 127.0.0.1.
"""

import sys

from . import measures, report, servers, tlog_bench
from .config import APPROVED, DB_URL, ENV, SCALE_WORKERS, SLUG, WORK, WORKERS, log, manage
from .load import load, request
from .seed import flush_redis, prepare_database, reset_database, seed

# What bench/tlog_bench.py reads from this module.
__all__ = ["APPROVED", "DB_URL", "ENV", "SLUG", "flush_redis", "load", "log", "manage", "request"]
__all__ += ["reset_database", "seed", "start_server"]


def start_server():
    """The site with the run's worker count, for bench/tlog_bench.py (it stops the process)."""
    return servers.site(WORKERS).__enter__()


def main() -> int:
    WORK.mkdir(parents=True, exist_ok=True)
    ENV.update(tlog_bench.ENV)  # the log's checkpoints need a signing key with DEBUG off
    log(prepare_database())
    flush_redis()
    results, scaling = {}, {}
    with servers.site(WORKERS):
        measures.record_bodies(WORK / "bare")
        with servers.bare(WORKERS, WORK / "bare"):  # idle while the site is measured, and back
            results |= measures.pages_beside_ceilings()
        with servers.nginx():
            results |= measures.proxied()
            results |= measures.search()
            results |= measures.queue()
            results |= tlog_bench.measure(request=request, load=load, db_url=DB_URL, slug=SLUG)
            results |= measures.csv_build()
            results |= measures.during_downloads()
            results |= measures.sign()
    for workers in SCALE_WORKERS:
        scaling[workers] = measures.scaling(workers)
    results |= measures.import_rows()
    notes = {"tlog targets": tlog_bench.TARGETS, "workers": WORKERS}
    misses = report.write(results, scaling, notes, tlog_bench.check(results))
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
