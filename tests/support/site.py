"""The site in a process of its own (`manage.py runserver`), and management commands likewise."""

import subprocess
import sys
import time
import urllib.error
import urllib.request

from .paths import ROOT
from .services import free_port


class SiteProcess:
    """The site served by `manage.py runserver` in its own process, with its own settings.

    FORM_MIN_SECONDS is 0 unless `env` says otherwise: a test's client posts the form at once,
    and only the tests about that trap should wait for it."""

    def __init__(self, env, log):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {"FORM_MIN_SECONDS": "0", **env, "SITE_URL": self.url}
        self.log = log

    def start(self, timeout: float = 30):
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=2)
                return
            except urllib.error.HTTPError:
                return  # answering (503 is fine: a dependency may be down on purpose)
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.2)
        raise AssertionError(f"the site did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def manage_command(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
