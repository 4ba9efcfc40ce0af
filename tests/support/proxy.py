"""A real nginx in front of the test's live server, configured by deploy/nginx.conf.

docker-compose.yml mounts that file into nginx's `http` block; here it is rendered with the
live server as the upstream, a free loopback port, and a cache folder under the test's tmp
directory, and nginx runs as a subprocess of the current user (pid, logs and temp files in tmp).

Clients can connect from any address of 127.0.0.0/8 (`ProxyClient(address=...)`), so the proxy
sees different clients, as it would on the internet.
"""

import functools
import getpass
import grp
import http.client
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from .browser import Browser
from .paths import ROOT
from .services import free_port

CONFIG = ROOT / "deploy" / "nginx.conf"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def render_site(upstream: str, port: int, cache_dir: Path, exports_dir: Path) -> str:
    """deploy/nginx.conf with the test's upstream, port, cache folder and download files folder
    (EXPORTS_DIR). Each replaced line must be there exactly once: a config that drifted fails
    here, not silently in a test."""
    text = CONFIG.read_text()
    replacements = [
        (r"^(\s*)server web:8000;", rf"\g<1>server {upstream};"),
        (r"^(\s*)listen 80;", rf"\g<1>listen 127.0.0.1:{port};"),
        (r"(proxy_cache_path )/var/cache/nginx/freefable ", rf"\g<1>{cache_dir} "),
        (r"^(\s*alias )/srv/exports/;", rf"\g<1>{exports_dir}/;"),
    ]
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
        assert count == 1, f"deploy/nginx.conf: expected one line matching {pattern!r}, found {count}"
    return text


class NginxProxy:
    """nginx on a free loopback port, proxying to `upstream` ("host:port")."""

    def __init__(self, *, upstream: str, directory: Path, binary: str, exports_dir: Path | None = None):
        self.binary = binary
        self.exports_dir = exports_dir or directory / "exports"
        self.dir = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.upstream = upstream
        self.error_log = self.dir / "error.log"
        self.access_log = self.dir / "access.log"
        self.proc = None

    def _write_config(self) -> Path:
        for sub in ("cache", "temp"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        (self.dir / "site.conf").write_text(render_site(self.upstream, self.port, self.dir / "cache", self.exports_dir))
        # As root, nginx would hand its workers to "nobody", who cannot write in tmp; they stay
        # the current user. Without root nginx cannot switch users and needs no directive.
        user = f"user {getpass.getuser()} {grp.getgrgid(os.getgid()).gr_name};" if os.geteuid() == 0 else ""
        temp = self.dir / "temp"
        main = f"""
            {user}
            worker_processes 1;
            pid {self.dir / "nginx.pid"};
            error_log {self.error_log} info;
            events {{ worker_connections 256; }}
            http {{
                access_log {self.access_log};
                client_body_temp_path {temp / "body"};
                proxy_temp_path {temp / "proxy"};
                fastcgi_temp_path {temp / "fastcgi"};
                uwsgi_temp_path {temp / "uwsgi"};
                scgi_temp_path {temp / "scgi"};
                include {self.dir / "site.conf"};
            }}
        """
        path = self.dir / "nginx.conf"
        path.write_text(main)
        return path

    def start(self, timeout: float = 15):
        conf = self._write_config()
        command = [self.binary, "-p", str(self.dir), "-c", str(conf), "-e", str(self.error_log)]
        check = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, f"nginx rejects the config:\n{check.stderr}"
        self.proc = subprocess.Popen(
            [*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"nginx did not start:\n{self.error_log.read_text()[-3000:]}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def upstream_of(url: str) -> str:
    """host:port of a server URL, as nginx's `server` wants it (an address, not a name)."""
    parts = urllib.parse.urlsplit(url)
    host = "127.0.0.1" if parts.hostname == "localhost" else parts.hostname
    return f"{host}:{parts.port}"


class ProxyClient(Browser):
    """A Browser (cookies, no automatic redirects) whose connections come from `address`, an
    address of 127.0.0.0/8, so that each client is a different visitor to the proxy. `headers`
    go with every request (a forged X-Forwarded-For, say)."""

    def __init__(self, *, address: str, headers: dict | None = None):
        super().__init__()

        class FromAddress(urllib.request.HTTPHandler):
            def http_open(self, req):
                return self.do_open(functools.partial(http.client.HTTPConnection, source_address=(address, 0)), req)

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.address = address
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect, FromAddress
        )
        self.opener.addheaders = [("User-Agent", "freefable-tests"), *(headers or {}).items()]
