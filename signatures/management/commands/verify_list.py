"""python manage.py verify_list FILE.csv --site URL --letter SLUG [--checkpoint FILE] [--key VKEY]

A journalist's check of a downloaded list, with no database: it talks to the site over HTTP and
does every verification itself (signatures/tlog.py), trusting nothing the site says without proof.
"""

import contextlib
import csv
import itertools
import json
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from signatures import notes, tlog
from signatures.exports import csv_row

TIMEOUT = 30  # seconds per request
WORKERS = 8  # proofs asked for at once


class Failed(Exception):
    """The first thing that did not verify, in words."""


class Site:
    def __init__(self, base: str, slug: str):
        if urllib.parse.urlsplit(base).scheme not in ("http", "https"):
            raise Failed(f"--site must be an http:// or https:// address, not {base!r}")
        self.base = f"{base.rstrip('/')}/letters/{urllib.parse.quote(slug)}/log/"

    def get(self, path: str, **params) -> bytes:
        url = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        request = urllib.request.Request(url, headers={"User-Agent": "freefable-verify-list"})  # noqa: S310 (http(s) only, checked above)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (the site the user named)
                return response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", "replace")
            with contextlib.suppress(ValueError, KeyError, TypeError):
                detail = json.loads(detail)["error"]
            raise Failed(f"{url} answered {exc.code}: {detail.strip()}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise Failed(f"could not reach {url}: {exc}") from exc

    def json(self, path: str, **params) -> dict:
        try:
            return json.loads(self.get(path, **params))
        except ValueError as exc:
            raise Failed(f"{self.base}{path} did not answer JSON") from exc


def _hashes(values) -> list[bytes]:
    try:
        return [bytes.fromhex(v) for v in values]
    except (TypeError, ValueError) as exc:
        raise Failed("a proof holds something that is not a hex hash") from exc


def open_checkpoint(note: str, verifier: notes.Verifier, origin: str, what: str) -> notes.Checkpoint:
    try:
        checkpoint = notes.checkpoint_open(note, verifier)
    except notes.NoteError as exc:
        raise Failed(f"{what} does not verify with the key {verifier.vkey}: {exc}") from exc
    if checkpoint.origin != origin:
        raise Failed(f"{what} is for the log {checkpoint.origin!r}, not {origin!r}")
    return checkpoint


def read_rows(path: Path):
    """(line number, id, leaf hash) of each row; the header is read, not hashed."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")  # utf-8-sig: the BOM the download starts with
    except OSError as exc:
        raise Failed(f"cannot read {path}: {exc}") from exc
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if not header or "id" not in header:
                raise Failed(f"{path} has no header row with an 'id' column: is it the list's CSV download?")
            id_column = header.index("id")
            line = reader.line_num
            for row in reader:
                number, line = line + 1, reader.line_num
                if not row:
                    continue
                public_id = row[id_column] if id_column < len(row) else ""
                yield number, public_id, tlog.leaf_hash(csv_row(row).encode("utf-8"))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise Failed(f"{path} is not a readable UTF-8 CSV (line {reader.line_num}): {exc}") from exc


PAGE = 65_536  # leaf hashes per request in --whole-tree mode (the site's maximum)


def check_against_whole_tree(site: Site, reference: notes.Checkpoint, rows) -> int:
    """Fetch every leaf hash up to the checkpoint's size, rebuild the tree, and check it is the
    checkpoint's; then every row's hash must be one of those leaves. For long lists: a few
    dozen requests instead of one proof per row."""
    tree = tlog.MemoryTree()
    for start in range(0, reference.size, PAGE):
        count = min(PAGE, reference.size - start)
        body = site.get("leaves", start=start, count=count)
        if len(body) != 32 * count:
            raise Failed(f"the site sent {len(body)} bytes for {count} leaf hashes from {start}")
        tree.append([body[i : i + 32] for i in range(0, len(body), 32)])
    if reference.size and tree.root() != reference.root:
        raise Failed(f"the leaves the site serves do not make the signed tree of size {reference.size}")
    known = set(tree.levels[0])
    count = 0
    for number, public_id, leaf in rows:
        if leaf not in known:
            raise Failed(f"line {number} (id {public_id or '?'}): not in the log at size {reference.size}")
        count += 1
    return count


def verify(
    *, csv_path: Path, site: Site, slug: str, checkpoint_note: str | None, vkey: str | None, whole_tree: bool = False
) -> str:
    """Check everything; return a one-line summary, or raise Failed naming the first failure."""
    try:
        verifier = notes.Verifier.from_vkey(vkey or site.get("key").decode("utf-8", "replace"))
    except notes.NoteError as exc:
        raise Failed(f"the verifier key is not valid: {exc}") from exc
    origin = f"{verifier.name}/letters/{slug}"
    latest = open_checkpoint(
        site.get("checkpoint").decode("utf-8", "replace"), verifier, origin, "the latest checkpoint"
    )
    reference = latest
    grown = ""
    if checkpoint_note is not None:
        reference = open_checkpoint(checkpoint_note, verifier, origin, "your checkpoint")
        if reference.size > latest.size:
            raise Failed(f"the log shrank: your checkpoint has {reference.size} leaves, the latest {latest.size}")
        if reference.size == latest.size:
            if reference.root != latest.root:
                raise Failed(f"two different trees of {latest.size} leaves were signed: the log was rewritten")
        elif reference.size > 0:
            proof = site.json("consistency", first=reference.size, second=latest.size)
            path = _hashes(proof.get("hashes"))
            if not tlog.verify_consistency(reference.size, latest.size, reference.root, latest.root, path):
                raise Failed(
                    f"consistency proof from size {reference.size} to {latest.size} fails: "
                    "the log was rewritten since your checkpoint"
                )
        grown = f"; the log has only grown since (size {reference.size} -> {latest.size})"

    def summary(count: int, how: str) -> str:
        return (
            f"OK: all {count} rows of {csv_path.name} are in the log of {slug!r} at size {reference.size} "
            f"({how}), signed by {verifier.name}+{verifier.key_id.hex()}{grown}"
        )

    def check(item):
        number, public_id, leaf = item
        where = f"line {number} (id {public_id or '?'})"
        try:
            proof = site.json("proof", leaf=leaf.hex(), size=reference.size)
        except Failed as exc:
            return f"{where}: not in the log at size {reference.size} ({exc})"
        index, path = proof.get("leaf_index"), _hashes(proof.get("hashes"))
        if not isinstance(index, int) or not tlog.verify_inclusion(leaf, index, reference.size, path, reference.root):
            return f"{where}: its inclusion proof does not match the checkpoint of size {reference.size}"
        return None

    rows = read_rows(csv_path)
    if whole_tree:
        count = check_against_whole_tree(site, reference, rows)
        return summary(count, "every leaf hash fetched, the tree rebuilt")
    if reference.size == 0:
        first = next(rows, None)
        if first is not None:
            raise Failed(f"line {first[0]} (id {first[1] or '?'}): not in the log, which is empty at that checkpoint")
    count = 0
    with ThreadPoolExecutor(WORKERS) as pool:
        while chunk := list(itertools.islice(rows, 1000)):
            # map keeps file order, so the first failure reported is the first in the file
            for problem in pool.map(check, chunk):
                if problem:
                    raise Failed(problem)
            count += len(chunk)
    return summary(count, "an inclusion proof per row")


class Command(BaseCommand):
    help = (
        "Check a downloaded signatures CSV against the letter's transparency log, with no database: "
        "the checkpoint's signature, every row's inclusion proof, and (with --checkpoint) that the log "
        "has only grown since a checkpoint you kept. Exits 0 with a summary, or 1 naming the first row "
        "or proof that fails."
    )
    requires_system_checks = []  # no database, no settings beyond what loading Django needs

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the CSV as downloaded from /letters/<slug>/signatures.csv")
        parser.add_argument("--site", required=True, help="the site's address, e.g. https://letter.example.org")
        parser.add_argument("--letter", required=True, help="the letter's slug, as in /letters/<slug>/")
        parser.add_argument(
            "--checkpoint",
            type=Path,
            help="a checkpoint you saved earlier (from /letters/<slug>/log/checkpoint): the rows are checked "
            "against it, and the site must prove the log only grew since. Default: the site's latest.",
        )
        parser.add_argument(
            "--key",
            help="the verifier key to trust (name+id+key, from /letters/<slug>/log/key). Pinning a key you "
            "got earlier or elsewhere is stronger than fetching it from the site you are checking.",
        )

        parser.add_argument(
            "--whole-tree",
            action="store_true",
            help="fetch every leaf hash and rebuild the whole tree instead of asking for a proof per row: "
            "faster for long lists (about 2 MB per 65,536 leaves)",
        )

    def handle(self, *args, file, site, letter, checkpoint, key, whole_tree, **options):
        try:
            note = None
            if checkpoint is not None:
                try:
                    note = checkpoint.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise Failed(f"cannot read {checkpoint}: {exc}") from exc
            summary = verify(
                csv_path=file,
                site=Site(site, letter),
                slug=letter,
                checkpoint_note=note,
                vkey=key,
                whole_tree=whole_tree,
            )
        except Failed as exc:
            raise CommandError(f"FAILED: {exc}", returncode=1) from exc
        self.stdout.write(summary)
