"""The three UI catalogs say the same things: every key a page uses exists in Dutch, French and
English, and no language lacks a key the others have."""

from __future__ import annotations

import re
from pathlib import Path

from postkamer.web.config import PRIORITIES, STATUSES
from postkamer.web.i18n import Translator, catalog, negotiate
from postkamer.web.queries import SORTS
from storage.users import ROLES

TEMPLATES = Path(__file__).resolve().parents[2] / "postkamer" / "web" / "templates"


def test_catalogs_have_the_same_keys_and_cover_the_templates() -> None:
    keys = {lang: set(catalog(lang)) for lang in ("nl", "fr", "en")}
    assert keys["nl"] == keys["fr"] == keys["en"]
    used = set()
    for page in TEMPLATES.glob("*.html"):
        found = re.findall(r"""\bt\(\s*["']([a-z_.0-9-]+)["']""", page.read_text())
        used |= {k for k in found if not k.endswith(".")}  # "status." ~ x: prefixes
    web = TEMPLATES.parent
    used |= set(re.findall(r'ActionError\("([a-z_.]+)"\)', (web / "actions.py").read_text()))
    used |= {
        f"done.{k}" for k in re.findall(r'ref, "([a-z_]+)", lambda', (web / "pages.py").read_text())
    }
    used |= {f"status.{s}" for s in STATUSES} | {f"priority.{p}" for p in PRIORITIES}
    used |= {f"role.{r}" for r in ROLES} | {f"sort.{s}" for s in SORTS} | {"done.moved"}
    assert used and used <= keys["en"], sorted(used - keys["en"])


def test_language_negotiation() -> None:
    assert negotiate("fr-BE,fr;q=0.9,en;q=0.5") == "fr"
    assert negotiate("de-DE,en;q=0.3") == "en"
    assert negotiate("de-DE") == "nl"  # the desk's default
    assert negotiate(None) == "nl"
    assert negotiate("en;q=0.2, fr;q=0.8") == "fr"
    assert negotiate("fr", preferred="en") == "en"
    assert Translator("fr")("list.page_of", page=2, pages=5) == "Page 2 sur 5"
    assert Translator("nl").label("queue", "brand-new-queue") == "brand-new-queue"
