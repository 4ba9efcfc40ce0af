"""The Spanish catalog: complete for every string marked in the code, and compiled.

The catalog test runs `makemessages` on a copy of the project (GNU gettext's xgettext and
msgmerge), exactly as `make messages` would, and fails on any entry left untranslated or fuzzy;
then it checks the committed .mo says what the .po says. Pages rendered in Spanish are tested in
tests/test_languages.py."""

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.services import require_service

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "locale" / "es" / "LC_MESSAGES"
SOURCES = ["freefable", "letter", "signatures", "moderation", "templates", "locale", "manage.py"]
SKIP = ["--ignore=.venv", "--ignore=tests", "--ignore=bench", "--ignore=node_modules", "--ignore=staticfiles"]


def require_gettext():
    tools = all(shutil.which(tool) for tool in ("xgettext", "msgmerge", "msgfmt", "msgattrib"))
    require_service("GNU gettext", tools, "install the gettext package (xgettext, msgmerge, msgfmt, msgattrib)")


def run(*command, cwd=None) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)  # noqa: S603
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{done.stderr}"
    return done.stdout


def test_every_marked_string_has_a_spanish_translation(tmp_path):
    require_gettext()
    copy = tmp_path / "project"
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    env_python = [sys.executable, "manage.py"]
    subprocess.run(  # noqa: S603
        [*env_python, "makemessages", "-l", "es", "--no-obsolete", "--add-location=file", *SKIP],
        cwd=copy,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin:/usr/local/bin"},
        check=True,
        capture_output=True,
    )
    po = copy / "locale" / "es" / "LC_MESSAGES" / "django.po"
    untranslated = run("msgattrib", "--untranslated", "--no-obsolete", "--no-wrap", str(po))
    fuzzy = run("msgattrib", "--only-fuzzy", "--no-obsolete", "--no-wrap", str(po))
    assert not untranslated.strip(), "Strings without a Spanish translation (run `make messages`):\n" + untranslated
    assert not fuzzy.strip(), "Fuzzy Spanish translations (check them and drop the fuzzy flag):\n" + fuzzy


def read_mo(path: Path) -> dict:
    with path.open("rb") as handle:
        return gettext.GNUTranslations(handle)._catalog  # noqa: SLF001 (the stdlib's parsed catalog)


def test_the_committed_mo_is_compiled_from_the_committed_po(tmp_path):
    require_gettext()
    fresh = tmp_path / "django.mo"
    run("msgfmt", "--check", "-o", str(fresh), str(CATALOG / "django.po"))
    assert read_mo(CATALOG / "django.mo") == read_mo(fresh), "locale/es is stale: run `make messages`"


def test_the_spanish_catalog_is_large_and_says_spanish_things():
    catalog = read_mo(CATALOG / "django.mo")
    assert len(catalog) > 300  # every page, form, message and email of the site
    translations = gettext.translation("django", localedir=ROOT / "locale", languages=["es"])
    assert translations.gettext("Sign the letter") != "Sign the letter"
    # Spanish plurals as Django's own Spanish catalog counts them (without the header, gettext
    # would fall back to English's rule and say "0 firma" forms wrongly).
    assert "nplurals=3" in translations.info().get("plural-forms", "")
    assert [translations.plural(n) for n in (0, 1, 2, 1_000_000)] == [2, 0, 2, 1]
