"""The Spanish catalogs (one per app) are merged by Django into one: a msgid translated two ways
makes one app's wording silently replace the other's on every page. And a .mo older than its
.po means a string translated in review never reaches a player."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils.translation import override

ROOT = Path(__file__).resolve().parents[3]
CATALOGS = sorted(ROOT.glob("apps/*/locale/*/LC_MESSAGES/django.po"))
ENTRY = re.compile(r'^(?:msgctxt ((?:".*"\n)+))?msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', re.M)


def entries(path: Path) -> dict[tuple[str | None, str], str]:
    """(context or None, msgid) -> msgstr, for the translated, non-fuzzy entries."""
    found = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        if "#, fuzzy" in block:
            continue
        match = ENTRY.search(block + "\n")
        if match:
            context, msgid, msgstr = (None if group is None else "".join(re.findall(r'"(.*)"', group))
                                      for group in match.groups())
            if msgid and msgstr:
                found[(context, msgid)] = msgstr
    return found


def test_there_are_catalogs():
    assert len(CATALOGS) >= 3


@pytest.mark.parametrize("language", sorted({p.parts[-3] for p in CATALOGS}))
def test_a_msgid_has_one_translation_across_apps(language):
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for path in CATALOGS:
        if path.parts[-3] != language:
            continue
        app = path.parts[-5]
        for msgid, msgstr in entries(path).items():
            if msgid in seen and seen[msgid][1] != msgstr:
                clashes.append(f"{msgid!r}: {seen[msgid][0]} says {seen[msgid][1]!r}, {app} says {msgstr!r}")
            seen.setdefault(msgid, (app, msgstr))
    assert not clashes, "\n".join(clashes)


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-5])
def test_compiled_catalog_is_not_older_than_its_source(path):
    from django.utils.translation import gettext, pgettext

    mo = path.with_suffix(".mo")
    assert mo.exists(), f"{mo} missing: run msgfmt"
    language = path.parts[-3]
    stale = []
    with override(language):
        for (context, msgid), msgstr in entries(path).items():
            if "\\" in msgid:  # escapes: compared as written in the .po, skip
                continue
            got = gettext(msgid) if context is None else pgettext(context, msgid)
            if got != msgstr.replace('\\"', '"'):
                stale.append(msgid)
    # gettext answers from the merged catalog: a clash (test above) or an un-compiled edit shows here.
    assert not stale, f"{len(stale)} strings not in the compiled catalogs, e.g. {stale[:3]}"
