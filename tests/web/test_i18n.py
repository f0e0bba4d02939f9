"""Russian first, English on request: the catalogue is complete and current, and the switch works."""

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from debitor.db import db
from tests import factories as f
from tests.conftest import post_form

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)s|%%")


def load(path):
    with open(path, "rb") as fh:
        return read_po(fh)


def test_every_message_is_translated_with_the_same_placeholders():
    catalog = load(ROOT / "translations/ru/LC_MESSAGES/messages.po")
    problems = []
    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if not all(strings) or "fuzzy" in m.flags:
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        want = set(PLACEHOLDER.findall(ids[-1]))
        problems += [f"placeholders differ: {ids[0]!r}" for s in strings if set(PLACEHOLDER.findall(s)) != want]
    assert problems == []


def test_catalogue_covers_the_current_sources(tmp_path):
    """Fails when UI text was added without `./dev i18n` and a translation."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "--ignore-dirs=.* __pycache__",
            "-k",
            "_l",
            "-k",
            "N_",
            "-k",
            "lazy_gettext",
            "-k",
            "lazy_pgettext:1c,2",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    wanted = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in load(pot) if m.id}
    have = {
        (m.context, m.id if isinstance(m.id, str) else m.id[0])
        for m in load(ROOT / "translations/ru/LC_MESSAGES/messages.po")
        if m.id and m.string
    }
    assert sorted(wanted - have, key=str) == []


def test_russian_by_default_english_on_request(app):
    org = f.organisation()
    f.portal_user(f.client(org, "Ромашка"), "acc@romashka.test")
    db.session.commit()
    c = app.test_client()
    assert "Войти" in c.get("/").get_data(as_text=True)
    post_form(c, "/lang", {"lang": "en", "next": "/"})
    page = c.get("/").get_data(as_text=True)
    assert "Sign in" in page and "Войти" not in page
    post_form(c, "/", {"email": "acc@romashka.test", "password": f.PASSWORD})
    assert "Balance due" in c.get("/home").get_data(as_text=True)
