import io
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from email import message_from_bytes, policy
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from freefable.celery import app as celery_app

from .factories import LetterFactory

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = bool(os.environ.get("REQUIRE_SERVICES"))


def require_service(name: str, available: bool, why: str = "") -> None:
    """Skip when a service is missing, unless REQUIRE_SERVICES says it must be there."""
    if available:
        return
    message = f"{name} is not available{': ' + why if why else ''}"
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES is set but {message}")
    pytest.skip(message)


def redis_available(url: str) -> tuple[bool, str]:
    if not url:
        return False, "REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:
        return False, str(exc)
    return True, ""


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's database setup, plus: before the test database is dropped, end the
    sessions that the session-scoped live server's threads still hold (a browser's keep-alive
    connection keeps such a thread, and its database connection, alive until the very end)."""
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


# --- Every test ---------------------------------------------------------------------------------


def _clear_cache():
    """Forget rate-limit windows and cached pages between tests. On Redis only our own keys go
    (the broker's queues may share the database)."""
    if settings.REDIS_URL:
        try:
            client = cache._cache.get_client(write=True)
            keys = list(client.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}:*", count=1000))
            if keys:
                client.delete(*keys)
        except Exception:  # noqa: S110 (Redis down: nothing cached to forget)
            pass
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _isolated(settings):
    _clear_cache()
    # Tasks run in-process in unit tests; the worker tests below switch this off.
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    settings.SITE_URL = "http://testserver"
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
def redis_url():
    ok, why = redis_available(settings.REDIS_URL)
    require_service("Redis", ok, why)
    return settings.REDIS_URL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPSink:
    """A real SMTP server (aiosmtpd) on a free loopback port that keeps what it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        self.refuse = 0  # answer this many DATA commands with a temporary error
        self.stall = False  # hold every session at RCPT until this is cleared
        self.stalled = threading.Event()  # set once a session is being held
        self._lock = threading.Lock()
        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        import asyncio

        while self.stall:
            self.stalled.set()
            await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self.refuse > 0:
                self.refuse -= 1
                return "451 4.3.0 Try again later"
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"

    def start(self):
        self.controller.start()

    def stop(self):
        self.controller.stop()

    def wait_for(self, count: int, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.1)
        raise AssertionError(f"expected {count} email(s) within {timeout}s, got {len(self.messages)}")


@pytest.fixture
def smtp_server():
    sink = SMTPSink()
    sink.start()
    yield sink
    sink.stop()


class Browser:
    """Just enough of a browser: cookies, forms with their CSRF token, no automatic redirects."""

    def __init__(self):
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect)

    def request(self, url, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, body, timeout=30) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    @staticmethod
    def csrf(html):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def message_text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def database_url() -> str:
    """A URL for the test database as this test process sees it, for another process to use."""
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return f"sqlite:///{s['NAME']}"


class WorkerProcess:
    """`celery -A freefable worker` in its own process, on a queue of its own."""

    def __init__(self, *, queue: str, env: dict, log: Path):
        self.queue, self.env, self.log = queue, env, log
        self.proc = None

    def start(self, timeout: float = 45):
        self.log.write_text("")
        self.proc = subprocess.Popen(  # a session of its own, so a kill reaches its pool too
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "freefable",
                "worker",
                "-P",
                "prefork",
                "-c",
                "1",
                "-Q",
                self.queue,
                "-n",
                f"{self.queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "INFO",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log.read_text():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"the Celery worker did not start:\n{self.log.read_text()[-3000:]}")

    def kill(self):
        """SIGKILL the worker and its pool at once: a crash, no chance to clean up."""
        import signal

        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


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
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL or redis_url,
        "EMAIL_URL": smtp_server.url,
        "SITE_URL": live_server.url,
        "EMAIL_RETRY_BASE_SECONDS": "0.5",
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
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


class RedisServer:
    """A Redis of the test's own on a spare port, so the test can stop and restart it."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tmp_path
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        ok = False
        for _ in range(100):
            ok, _ = redis_available(self.url)
            if ok:
                return
            time.sleep(0.1)
        raise AssertionError("redis-server did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture
def own_redis(tmp_path, redis_url):
    import shutil

    require_service("redis-server", shutil.which("redis-server") is not None, "the binary is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


class SiteProcess:
    """The site served by `manage.py runserver` in its own process, with its own settings."""

    def __init__(self, env, log):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "SITE_URL": self.url}
        self.log = log

    def start(self):
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        for _ in range(150):
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=2)
                return
            except urllib.error.HTTPError:
                return  # answering (503 is fine: a dependency may be down on purpose)
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"the site did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def manage_command(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
