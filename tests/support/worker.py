"""A real Celery worker process, for the tests that prove delivery across process boundaries."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .paths import ROOT


def worker_env(*, database_url: str, redis_url: str, broker_url: str, smtp_url: str, site_url: str, queue: str):
    """The environment of a worker in a test: the test's database, Redis and SMTP server, and
    short retry and redelivery times so a test sees a retry or a lost task come back in seconds."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": broker_url,
        "EMAIL_URL": smtp_url,
        "SITE_URL": site_url,
        "EMAIL_RETRY_BASE_SECONDS": "0.5",
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "FORM_MIN_SECONDS": "0",
    }


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
