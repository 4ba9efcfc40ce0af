"""Each figure of the table, with the ceiling it is compared to, measured in the same run."""

import json
import re
import subprocess
import time
import urllib.parse

from . import servers
from .config import DOWNLOADS, DURATION, MODERATOR, PASSWORD, PORT, SLUG, WORKERS, log, manage
from .load import SIGN, VARYING, lua_string, request, wrk

SITE = f"http://127.0.0.1:{PORT}"
BARE = f"http://127.0.0.1:{servers.BARE_PORT}"
PROXY = f"http://127.0.0.1:{servers.PROXY_PORT}"
COUNT = f"/letters/{SLUG}/count.json"


def record_bodies(folder) -> None:
    """The bytes the site serves for the letter page and count.json, for the bare view."""
    folder.mkdir(parents=True, exist_ok=True)
    for path, name in (("/", "letter.html"), (COUNT, "count.json")):
        for _ in range(3):  # warm the caches as the first readers would
            status, _, body = request("GET", path)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
        (folder / name).write_bytes(body)


# Each public page and its ceiling: (name, url), (ceiling's name, url).
PAGES = [
    (("letter page", SITE + "/"), ("bare view, letter page bytes", BARE + "/")),
    (("count.json", SITE + COUNT), ("bare view, count.json bytes", BARE + COUNT)),
]
ROUNDS = 2


def pages_beside_ceilings() -> dict:
    """Each page and its bare ceiling in turns, ROUNDS times, keeping each one's best round: a
    burst of load from elsewhere on the machine (autovacuum after the seeding, another process)
    then lowers one round of both rather than one side of a ratio."""
    best = {}
    for _ in range(ROUNDS):
        for pair in PAGES:
            for name, url in pair:
                result = wrk(name, url)
                if name not in best or result["rps"] > best[name]["rps"]:
                    best[name] = result
    return best


def proxied() -> dict:
    request("GET", "/", port=servers.PROXY_PORT)  # the first reader fills the proxy's cache
    return {"letter page via proxy": wrk("letter page via proxy", PROXY + "/")}


def _form_fields() -> str:
    """The served form's own fields besides the signer's (its timestamp, the empty honeypot)."""
    _, _, page = request("GET", f"/letters/{SLUG}/")
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.decode()))
    fields.pop("csrfmiddlewaretoken", None)
    fields.setdefault("website", "")
    return urllib.parse.urlencode(fields)


def signing(name: str, path: str, duration: float = DURATION, connections: int = 16) -> dict:
    script = (
        f"PATH = {lua_string(path)}\nRUN = {lua_string(str(int(time.time() * 1000) % 10**9))}\n"
        f"FIELDS = {lua_string(_form_fields())}\n" + SIGN
    )
    return wrk(name, SITE + path, script=script, duration=duration, connections=connections)


def sign() -> dict:
    return {
        "sign (POST)": signing("sign", f"/letters/{SLUG}/sign/"),
        "minimal sign": signing("minimal sign", f"/_bench/letters/{SLUG}/sign/"),
    }


def search() -> dict:
    """Searches for one person among a million (no two alike: no cache helps)."""
    for path in (f"/letters/{SLUG}/signatures/", f"/letters/{SLUG}/signatures/?q=person+1"):
        request("GET", path)  # the page's aggregates (organizations, count) are computed once
    script = f"PATH = {lua_string(f'/letters/{SLUG}/signatures/?q=person+{{n}}')}\n" + VARYING
    # As many at once as there are workers: the latency of a search, not of a queue before it.
    url = SITE + f"/letters/{SLUG}/signatures/"
    return {"public search": wrk("public search", url, script=script, connections=WORKERS)}


def _login_cookie() -> str:
    status, headers, page = request("GET", "/accounts/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.decode()).group(1)
    cookie = headers["Set-Cookie"].split(";")[0]
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "login": MODERATOR, "password": PASSWORD})
    status, headers, _ = request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"https://127.0.0.1:{PORT}/accounts/login/",
        },
    )
    cookies = [c.split(";")[0] for c in headers.get_all("Set-Cookie") or []]
    session = next((c for c in cookies if c.startswith("sessionid=")), None)
    if session is None:
        raise SystemExit(f"moderator login failed ({status})")
    return f"{cookie}; {session}"


def queue() -> dict:
    cookie = {"Cookie": _login_cookie()}
    for path in ("/moderation/", "/moderation/?q=org42"):
        request("GET", path, headers=cookie)  # as a moderator who opened it a moment ago
    return {
        "moderation queue": wrk("moderation queue", SITE + "/moderation/", connections=WORKERS, headers=cookie),
        "moderation queue, search": wrk(
            "moderation search", SITE + "/moderation/?q=org42", connections=WORKERS, headers=cookie
        ),
    }


def _inside(function: str) -> dict:
    out = manage("shell", "-c", f"from bench.inside import {function}; {function}()", output=True)
    return json.loads(next(line for line in reversed(out.splitlines()) if line.startswith("{")))


def csv_build() -> dict:
    built = _inside("csv_build")
    log(f"CSV build: {built}")
    return {
        "CSV build, 1M rows": {"seconds": built["build_s"], "rows": built["rows"], "megabytes": built["mb"]},
        "bare COPY, same rows": {"seconds": built["bare_s"], "rows": built["rows"]},
    }


def import_rows() -> dict:
    done = _inside("import_rows")
    log(f"import: {done}")
    return {
        "import_signatures": {"rows_per_s": round(done["added"] / done["seconds"]), **done},
        "bare COPY into the table": {"rows_per_s": round(done["rows"] / done["ceiling_seconds"])},
    }


def during_downloads() -> dict:
    """The letter page at the origin while DOWNLOADS clients fetch the 1M-row CSV through the
    proxy at 2 MB/s each (slow clients: the kind that held sync workers for seconds), against
    the same page idle (the better of a run before and a run after: one stray pause of this
    shared machine must not set the bar)."""
    before = wrk("page, idle", SITE + "/", connections=4)
    url = f"{PROXY}/letters/{SLUG}/signatures.csv"
    range_ = {"Range": "bytes=0-99"}
    status, headers, _ = request("GET", f"/letters/{SLUG}/signatures.csv", port=servers.PROXY_PORT, headers=range_)
    log(f"CSV through the proxy: {status}, {headers.get('Content-Range')}")
    curl = ["curl", "-s", "-o", "/dev/null", "-w", "%{size_download}", "--limit-rate", "2M"]
    curl += ["--max-time", str(round(DURATION) + 3), "-H", "X-Forwarded-Proto: https", url]
    clients = [subprocess.Popen(curl, stdout=subprocess.PIPE, text=True) for _ in range(DOWNLOADS)]
    time.sleep(1)
    busy = wrk("page during downloads", SITE + "/", connections=4)
    received = sum(int(client.communicate()[0].strip() or 0) for client in clients)
    after = wrk("page, idle again", SITE + "/", connections=4)
    idle = min(before, after, key=lambda result: result["p99_ms"])
    return {
        "page, idle": idle,
        "page during downloads": {**busy, "downloads": DOWNLOADS, "mb_sent": round(received / 1e6)},
    }


def scaling(workers: int) -> dict:
    duration = max(3.0, DURATION * 0.6)
    with servers.site(workers):
        request("GET", "/")
        page = wrk(f"letter page, {workers} workers", SITE + "/", duration=duration)
        signed = signing(f"sign, {workers} workers", f"/letters/{SLUG}/sign/", duration=duration)
    return {"letter page": page["rps"], "sign (POST)": signed["rps"]}
