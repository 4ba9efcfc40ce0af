"""Fixtures only: the harness they use (processes, servers, clients) is in tests/support/."""

import io
import shutil
import uuid

import pytest
from django.db import connection

from freefable.celery import app as celery_app

from .factories import LetterFactory
from .support.cache import clear_cache
from .support.database import database_url, end_other_sessions
from .support.hypothesis_profiles import load_profile
from .support.proxy import NginxProxy, nginx_binary, upstream_of
from .support.redis_server import RedisServer
from .support.services import redis_available, require_service
from .support.smtp import SMTPSink
from .support.worker import WorkerProcess, worker_env

load_profile()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's database setup, plus: before the test database is dropped, end the
    sessions that the session-scoped live server's threads still hold (a browser's keep-alive
    connection keeps such a thread, and its database connection, alive until the very end)."""
    yield
    with django_db_blocker.unblock():
        end_other_sessions()


# --- Every test ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    clear_cache()
    # Each test writes the list's download files in a folder of its own (ids repeat across tests).
    settings.EXPORTS_DIR = tmp_path / "exports"
    # Tasks run in-process in unit tests; the worker tests below switch this off.
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    settings.SITE_URL = "http://testserver"
    # Tests post the sign form at once; only the tests of that trap set FORM_MIN_SECONDS.
    settings.FORM_MIN_SECONDS = 0
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def letter(db):
    return LetterFactory()


# --- Services -----------------------------------------------------------------------------------


@pytest.fixture
def postgres(db):
    require_service("PostgreSQL", connection.vendor == "postgresql", "DATABASE_URL is not a PostgreSQL URL")


@pytest.fixture
def redis_url(settings):
    ok, why = redis_available(settings.REDIS_URL)
    require_service("Redis", ok, why)
    return settings.REDIS_URL


@pytest.fixture
def smtp_server():
    sink = SMTPSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def celery_worker_factory(transactional_db, redis_url, smtp_server, tmp_path, live_server, settings):
    """Start real workers against Redis, the test database and the test's SMTP server.

    The test process publishes to the same broker and queue (tasks are not eager here).
    """
    require_service("PostgreSQL", connection.vendor == "postgresql", "a worker process needs a shared database")
    queue = f"test-{uuid.uuid4().hex[:10]}"
    settings.SITE_URL = live_server.url
    old = celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    env = worker_env(
        database_url=database_url(),
        redis_url=redis_url,
        broker_url=settings.CELERY_BROKER_URL or redis_url,
        smtp_url=smtp_server.url,
        site_url=live_server.url,
        queue=queue,
    )
    workers = []

    def start(name="worker", **overrides):
        worker = WorkerProcess(queue=queue, env={**env, **overrides}, log=tmp_path / f"{name}-{len(workers)}.log")
        workers.append(worker)
        worker.start()
        return worker

    yield start
    for worker in workers:
        worker.stop()
    celery_app.conf.task_default_queue = old


@pytest.fixture
def own_redis(tmp_path, redis_url):
    require_service("redis-server", shutil.which("redis-server") is not None, "the binary is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def nginx_proxy(live_server, tmp_path):
    """deploy/nginx.conf's nginx in front of the live server; reach the site at `.url`."""
    binary = nginx_binary()
    require_service("nginx", binary is not None, "the binary is not installed")
    proxy = NginxProxy(
        upstream=upstream_of(live_server.url),
        directory=tmp_path / "nginx",
        binary=binary,
        exports_dir=tmp_path / "exports",  # the EXPORTS_DIR of this test (_isolated)
    )
    proxy.start()
    yield proxy
    proxy.stop()


# --- People -------------------------------------------------------------------------------------


@pytest.fixture
def mod_client_factory(db):
    """A logged-in moderator's client (made with add_moderator, as a real one is)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    def make(email="moderator@example.org"):
        call_command("add_moderator", email, "--no-email", stdout=io.StringIO())
        client = Client()
        client.force_login(get_user_model().objects.get(email=email))
        return client

    return make
