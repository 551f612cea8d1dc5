"""Every addon ships a complete Simplified Chinese catalog for its template."""

from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
ADDONS = sorted(p.parent.name for p in ROOT.glob("*/__manifest__.py"))


@pytest.mark.parametrize("addon", ADDONS)
def test_zh_cn_translates_every_term_of_the_template(addon):
    """zh_CN.po has a non-empty, non-fuzzy translation for each .pot term."""
    i18n = ROOT / addon / "i18n"
    template = polib.pofile(str(i18n / f"{addon}.pot"))
    catalog = {e.msgid: e for e in polib.pofile(str(i18n / "zh_CN.po"))}
    missing = [
        e.msgid
        for e in template
        if e.msgid not in catalog
        or not catalog[e.msgid].msgstr
        or "fuzzy" in catalog[e.msgid].flags
    ]
    assert not missing, f"{addon}: untranslated terms: {missing[:10]}"
