"""The processes a run measures: the site under gunicorn (DEBUG off), the bare Django view under
gunicorn the same way, and nginx with deploy/nginx.conf in front of the site."""

import getpass
import grp
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

from .config import ENV, PORT, ROOT, WORK, log

BARE_PORT = PORT + 1
PROXY_PORT = PORT + 2


def _wait_for(port: int, proc, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{what} did not start")


def _stop(proc) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def gunicorn(app: str, port: int, workers: int, env: dict | None = None):
    """gunicorn with `workers` sync workers, as the issue measured (and Dockerfile runs)."""
    args = [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    proc = subprocess.Popen([*args, "--log-level", "warning"], cwd=ROOT, env={**ENV, **(env or {})})
    try:
        _wait_for(port, proc, f"gunicorn {app}")
        time.sleep(0.5)  # every worker up, not only the first
        yield proc
    finally:
        _stop(proc)


def site(workers: int):
    return gunicorn("freefable.wsgi", PORT, workers)


def bare(workers: int, body_dir):
    return gunicorn("bench.bare_app:application", BARE_PORT, workers, {"BENCH_BARE_DIR": str(body_dir)})


def worker_pids(server) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True, check=False).stdout
    return [int(p) for p in out.split()]


@contextmanager
def nginx():
    """deploy/nginx.conf as tests/support/proxy.py renders it: the site as upstream, a loopback
    port, a cache and the exports folder of this run."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    sys.path.insert(0, str(ROOT))
    from tests.support.proxy import render_site

    folder = WORK / "nginx"
    shutil.rmtree(folder, ignore_errors=True)
    for sub in ("cache", "temp"):
        (folder / sub).mkdir(parents=True)
    (folder / "site.conf").write_text(render_site(f"127.0.0.1:{PORT}", PROXY_PORT, folder / "cache", WORK / "exports"))
    user = f"user {getpass.getuser()} {grp.getgrgid(os.getgid()).gr_name};" if os.geteuid() == 0 else ""
    temp = folder / "temp"
    (folder / "nginx.conf").write_text(
        f"""{user}
        worker_processes 1;
        pid {folder / "nginx.pid"};
        error_log {folder / "error.log"} warn;
        events {{ worker_connections 1024; }}
        http {{
            access_log off;
            client_body_temp_path {temp / "body"};
            proxy_temp_path {temp / "proxy"};
            fastcgi_temp_path {temp / "fastcgi"};
            uwsgi_temp_path {temp / "uwsgi"};
            scgi_temp_path {temp / "scgi"};
            include {folder / "site.conf"};
        }}
        """
    )
    command = [binary, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")]
    proc = subprocess.Popen([*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(PROXY_PORT, proc, "nginx")
        log(f"nginx on 127.0.0.1:{PROXY_PORT}")
        yield proc
    finally:
        _stop(proc)
