"""What the benchmark runs against, and the goals it checks (issue 11).

Every BENCH_* variable has a default for this repository's 2-core machine: PostgreSQL on
127.0.0.1:5432 (its own database, dropped and recreated), Redis database 8 (flushed), gunicorn
and nginx on loopback ports.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/freefable_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
APPROVED = int(os.environ.get("BENCH_APPROVED", 1_000_000))
WAITING = int(os.environ.get("BENCH_WAITING", 100_000))
DURATION = float(os.environ.get("BENCH_SECONDS", 8))  # seconds of load per measure
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))  # gunicorn sync workers, as in the issue
SCALE_WORKERS = [int(n) for n in os.environ.get("BENCH_SCALE", "1,2,4").split(",") if n]
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", 50_000))
DOWNLOADS = int(os.environ.get("BENCH_DOWNLOADS", 20))  # parallel CSV downloads
PORT = int(os.environ.get("BENCH_PORT", 8765))  # the site; the bare view and nginx take the next two
# Scratch files (the download files, nginx's config and cache): a folder of this checkout.
WORK = Path(os.environ.get("BENCH_WORK", str(ROOT / "var" / "bench")))
SLUG = "bench"
MODERATOR = "bench-moderator@example.org"
PASSWORD = "bench-moderator-password"  # noqa: S105 (a throwaway account in a throwaway database)

ENV = {
    **os.environ,
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SITE_URL": f"http://127.0.0.1:{PORT}",
    "DATABASE_URL": DB_URL,
    "REDIS_URL": REDIS_URL,
    "EMAIL_URL": "smtp://127.0.0.1:1",  # nothing listens: emails stay queued, as in an SMTP outage
    "OUTBOX_RELAY": "1",  # as in docker-compose.yml: sign requests only write the outbox
    "RATELIMIT_ENABLE": "0",
    "SECURE_SSL_REDIRECT": "0",
    "MODERATORS_REQUIRE_MFA": "0",
    "FORM_MIN_SECONDS": "0",  # the load generator posts the served form at once
    # One address sends every request here; on the internet they come from many networks.
    "EMAILS_PER_NETWORK_PER_DAY": "1000000000",
    "EXPORTS_DIR": str(WORK / "exports"),
    "EXPORTS_ACCEL_REDIRECT": "/_exports/",  # as in docker-compose.yml: nginx sends the files
    "BENCH_VIEWS": "1",  # the minimal sign view the signing path is measured against
    "LOG_LEVEL": "WARNING",
}
HEADERS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}

# Goals. A ratio is a figure over its ceiling measured in the same run; "max" figures are
# milliseconds (or a multiple, for the CSV build and the page during downloads).
GOALS = {
    "letter page": {"ratio_min": 0.6, "ceiling": "bare view, letter page bytes"},
    "count.json": {"ratio_min": 0.6, "ceiling": "bare view, count.json bytes"},
    "letter page via proxy": {"ratio_min": 5.0, "ceiling": "letter page"},
    "sign (POST)": {"ratio_min": 0.6, "ceiling": "minimal sign"},
    # The goal, in rows/s. Its ceiling (shown, not judged): the same rows COPYed
    # straight into the signatures table with its indexes, two connections, nothing else.
    "import_signatures": {"rows_per_s_min": 10_000, "ceiling": "bare COPY into the table"},
    "public search": {"p95_ms_max": 50},
    "moderation queue": {"p95_ms_max": 50},
    "page during downloads": {"ratio_max": 2.0, "ceiling": "page, idle"},
    "CSV build, 1M rows": {"ratio_max": 3.0, "ceiling": "bare COPY, same rows"},
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def manage(*args: str, env: dict | None = None, output: bool = False) -> str:
    """Run a manage.py command in the benchmark's environment (stdout returned if asked)."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**ENV, **(env or {})},
        check=True,
        stdout=subprocess.PIPE if output else subprocess.DEVNULL,
        text=True,
    )
    return done.stdout or ""
