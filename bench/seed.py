"""The benchmark's database: 1,000,000 approved signatures and 100,000 awaiting review, with
their transparency log, seeded once into a template database and copied for each run.

Seeding writes rows with generate_series, not the ORM, with the table's secondary indexes
dropped and built again after (one CREATE INDEX is far faster than a million index inserts).
The template is named after a fingerprint of the migrations, the sizes and this file, so a
change to any of them seeds afresh; otherwise a run starts from a copy in seconds.
"""

import hashlib
import sys
import time
from urllib.parse import urlsplit

import psycopg

from .config import APPROVED, DB_URL, ENV, MODERATOR, PASSWORD, REDIS_URL, ROOT, SLUG, WAITING, log, manage

TEMPLATE_SUFFIX = "_seed"


def _admin_url() -> str:
    return DB_URL.rsplit("/", 1)[0] + "/postgres"


def _name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def fingerprint() -> str:
    migrations = sorted(p.name for p in ROOT.glob("*/migrations/0*.py"))
    source = (ROOT / "bench" / "seed.py").read_text()
    return hashlib.sha256(repr((migrations, APPROVED, WAITING, source)).encode()).hexdigest()[:16]


def prepare_database() -> str:
    """A fresh copy of the seeded template as BENCH_DATABASE_URL. Returns what it did."""
    name = _name(DB_URL)
    template = name + TEMPLATE_SUFFIX
    wanted = fingerprint()
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        found = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [template]
        ).fetchone()
        reuse = found is not None and found[0] == wanted
        if not reuse:
            conn.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{template}"')
    if not reuse:
        started = time.monotonic()
        _seed(DB_URL.rsplit("/", 1)[0] + "/" + template)
        with psycopg.connect(_admin_url(), autocommit=True) as conn:
            conn.execute(f"COMMENT ON DATABASE \"{template}\" IS '{wanted}'")
        log(f"seeded the template in {time.monotonic() - started:.0f}s")
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return "copied the seeded template" if reuse else "seeded afresh"


def _seed(url: str) -> None:
    env = {"DATABASE_URL": url}
    manage("migrate", "--noinput", env=env)
    manage("load_letter", str(ROOT / "demo" / "letter.md"), "--slug", SLUG, "--primary", env=env)
    manage("add_moderator", MODERATOR, "--no-email", env=env)
    code = (
        f"from django.contrib.auth.models import User; u = User.objects.get(email={MODERATOR!r}); "
        f"u.set_password({PASSWORD!r}); u.save(); from bench.seed import fill; fill()"
    )
    manage("shell", "-c", code, env=env)
    started = time.monotonic()
    manage("tlog_sync", "--letter", SLUG, env=env)  # the whole list in its transparency log
    log(f"logged {APPROVED:,} signatures in {time.monotonic() - started:.0f}s")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


# Each seeded column: SQL over i (1..N), %(status)s, %(total)s. Every other column of the model
# gets its default, so a new field needs no change here.
_COLUMNS = {
    "public_id": "'b' || lpad(i::text, 11, '0')",
    "name": "'Person ' || i",
    "name_key": "'person ' || i",
    "email": "'p' || i || '@org' || (i %% 5000) || '.example'",
    "email_normalized": "'p' || i || '@org' || (i %% 5000) || '.example'",
    "email_base": "'p' || i || '@org' || (i %% 5000) || '.example'",
    "title": "'Security Engineer'",
    "organization": "'Organization ' || (i %% 5000)",
    "status": "%(status)s::varchar",
    "verification": "'email'",
    "featured": "i %% 100000 = 7",
    "created_at": "now() - make_interval(secs => (%(total)s - i))",
    "verified_at": "now() - make_interval(secs => (%(total)s - i))",
    "approved_at": "CASE WHEN %(status)s::varchar = 'approved' THEN now() - make_interval(secs => (%(total)s - i)) END",
}


def fill() -> None:
    """Run inside Django (manage.py shell): insert the rows with the secondary indexes dropped."""
    from django.db import connection

    from letter.models import Letter
    from signatures.models import Signature

    letter = Letter.objects.get(slug=SLUG)
    fixed = {"letter_id": letter.pk, "version_id": letter.current_version_id}
    template = Signature(**fixed)
    columns, values, params = [], [], {}
    for field in Signature._meta.concrete_fields:
        if field.primary_key or field.generated:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in _COLUMNS:
            values.append(_COLUMNS[field.attname])
        else:
            params[field.attname] = field.get_db_prep_save(field.pre_save(template, True), connection)
            values.append(f"%({field.attname})s")
    statement = (
        f"INSERT INTO {Signature._meta.db_table} ({', '.join(columns)}) "  # noqa: S608 (model names)
        f"SELECT {', '.join(values)} FROM generate_series(%(start)s, %(stop)s) AS i"
    )
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
            "(SELECT conindid::regclass::text FROM pg_constraint WHERE conrelid = %s::regclass)",
            [Signature._meta.db_table, Signature._meta.db_table],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        total = APPROVED + WAITING
        for status, offset, count in (("approved", 0, APPROVED), ("verified", APPROVED, WAITING)):
            cursor.execute(
                statement, {**params, "status": status, "total": total, "start": offset + 1, "stop": offset + count}
            )
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
    print(f"seeded {APPROVED:,} approved and {WAITING:,} waiting in {time.monotonic() - started:.0f}s", file=sys.stderr)


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def reset_database() -> None:
    """For bench/tlog_bench.py: the database as a run starts with it."""
    prepare_database()


def seed() -> None:
    """For bench/tlog_bench.py: prepare_database already seeded and logged the list."""


__all__ = ["ENV", "flush_redis", "prepare_database", "reset_database", "seed"]
