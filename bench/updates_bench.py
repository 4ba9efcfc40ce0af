"""Does sending an update to 100,000 signers slow signing? (issue 13, item 3)

Seeds a letter with N signers who asked for updates (default 100,000), then measures the
signing service (`signature_create`, the sign POST's work minus HTTP: one INSERT of the
signature and its confirmation email on PostgreSQL) alone, and again while the update's emails
are queued: at UPDATES_PER_MINUTE (the beat task's batch, run back to back) and, as the worst
case, all N in one batch. Emails are left in the outbox (OUTBOX_RELAY on, no broker): what is
measured is the database work queueing adds beside signing; the SMTP relay's own pace is set by
UPDATES_PER_MINUTE.

Needs PostgreSQL: UPDATES_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
freefable_updates_bench; created and migrated here, its contents replaced). Prints JSON.
    .venv/bin/python bench/updates_bench.py [N]
"""

import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_URL = os.environ.get("UPDATES_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/freefable_updates_bench")
os.environ.update(
    DATABASE_URL=DB_URL, DEBUG="1", OUTBOX_RELAY="1", RATELIMIT_ENABLE="0", DJANGO_SETTINGS_MODULE="freefable.settings"
)
os.environ.pop("REDIS_URL", None)

SIGNS = 300  # signatures timed in each phase


def _create_database() -> None:
    import psycopg

    base, _, name = DB_URL.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _time_signing(letter, tag: str, stop=None) -> list[float]:
    from signatures.services.signing import signature_create

    times = []
    for i in range(SIGNS):
        started = time.perf_counter()
        signature_create(letter=letter, name=f"Signer {tag} {i}", email=f"{tag}{i}@example.net")
        times.append((time.perf_counter() - started) * 1000)
        if stop is not None and stop.is_set() and i >= SIGNS // 3:
            break
    return times


def _summary(times: list[float]) -> dict:
    times = sorted(times)
    return {
        "n": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
        "max_ms": round(times[-1], 2),
    }


def _queue_all(limit: int, result: dict, done: threading.Event) -> None:
    from django.db import connection

    from signatures.services.updates import updates_send_batch

    started, batches, queued = time.perf_counter(), [], 0
    try:
        while True:
            t = time.perf_counter()
            n = updates_send_batch(limit=limit)
            if not n:
                break
            batches.append((time.perf_counter() - t) * 1000)
            queued += n
    finally:
        result.update(queued=queued, seconds=round(time.perf_counter() - started, 2), batches=len(batches))
        if batches:
            result["batch_p50_ms"] = round(statistics.median(batches), 1)
        done.set()
        connection.close()


def main(count: int) -> dict:
    _create_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from signatures.models import UPDATES_CONSENT_TEXT, OutgoingEmail, Signature, Update
    from signatures.services.updates import update_publish
    from tests.factories import LetterFactory, bulk_signatures

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:  # a throwaway database: start from nothing
        cursor.execute(
            "TRUNCATE signatures_outgoingemail, signatures_update, signatures_signature, "
            "signatures_moderationevent CASCADE"
        )
    letter = LetterFactory(slug=f"updates-bench-{int(time.time())}")
    for start in range(0, count, 20_000):
        bulk_signatures(letter, min(20_000, count - start), start=start, prefix="Reader")
    Signature.objects.filter(letter=letter).update(
        updates_consent_at=timezone.now(), updates_consent_text=UPDATES_CONSENT_TEXT
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    report = {"signers": count, "updates_per_minute": settings.UPDATES_PER_MINUTE}
    report["signing alone"] = _summary(_time_signing(letter, "alone"))
    for phase, limit in (("paced", settings.UPDATES_PER_MINUTE), ("one batch", count)):
        update_publish(letter=letter, moderator=None, title=f"Bench {phase}", body_markdown="Text.")
        queued, done = {}, threading.Event()
        worker = threading.Thread(target=_queue_all, args=(limit, queued, done))
        worker.start()
        times = _time_signing(letter, phase.replace(" ", ""), stop=done)
        worker.join()
        report[f"signing while queueing ({phase}, batches of {limit})"] = _summary(times)
        report[f"queueing ({phase})"] = queued
    report["update emails in the outbox"] = OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.UPDATE).count()
    report["updates"] = Update.objects.count()
    return report


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000), indent=2))
