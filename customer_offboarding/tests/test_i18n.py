import re

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import TranslationModuleReader

MODULE = "customer_offboarding"
LANG = "zh_CN"
PO_PATH = f"{MODULE}/i18n/{LANG}.po"
# Named placeholders, positional ones and HTML/XML tags must survive translation.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sdr]|<[^>]+>")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _po_translations():
    """{msgid: msgstr} of the translated, non-fuzzy, non-obsolete entries."""
    po = polib.pofile(file_path(PO_PATH))
    return {
        entry.msgid: entry.msgstr
        for entry in po
        if not entry.obsolete and not entry.fuzzy and entry.msgstr.strip()
    }


def _short(term, width=70):
    term = " ".join(term.split())
    return term if len(term) <= width else term[: width - 1] + "…"


@tagged("post_install", "-at_install")
class TestI18n(TransactionCase):
    def _source_terms(self):
        """The module's translatable terms, as Odoo's own export reads them.

        Without a language the reader yields the source terms only, exactly what
        ``--i18n-export`` writes to the .pot, and zh_CN need not be installed.
        """
        reader = TranslationModuleReader(self.env.cr, modules=[MODULE])
        return {src for module, _t, _n, _r, src, _v, _c in reader if module == MODULE}

    def test_every_term_is_translated(self):
        """Each exported term has a Chinese translation in i18n/zh_CN.po."""
        terms = self._source_terms()
        self.assertTrue(terms, "The translation reader found no term at all.")
        translated = _po_translations()
        missing = sorted(terms - translated.keys())
        if missing:
            self.fail(
                "%d term(s) of %s have no translation in %s; re-export the .pot and "
                "translate them:\n%s"
                % (
                    len(missing),
                    MODULE,
                    PO_PATH,
                    "\n".join(f"  - {_short(term)!r}" for term in missing),
                ),
            )

    def test_translations_keep_placeholders(self):
        """A translation keeps every %(name)s, %s and tag of its source."""
        wrong = [
            _short(msgid)
            for msgid, msgstr in _po_translations().items()
            if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr))
        ]
        if wrong:
            self.fail(
                "Placeholders differ in %s:\n%s"
                % (PO_PATH, "\n".join(f"  - {term!r}" for term in wrong))
            )

    def test_partner_labels_read_in_chinese(self):
        """Once zh_CN is active, partner labels and reasons read in Chinese."""
        self.env["res.lang"]._activate_lang(LANG)
        self.env["ir.module.module"]._load_module_terms(
            [MODULE], [LANG], overwrite=True
        )
        zh = _po_translations()
        env = self.env(context=dict(self.env.context, lang=LANG))

        state = env["res.partner"].fields_get(
            ["offboarding_state"], ["string", "selection"]
        )["offboarding_state"]
        self.assertEqual(state["string"], zh["Offboarding Status"])
        self.assertRegex(state["string"], CJK)
        labels = dict(state["selection"])
        self.assertEqual(labels["at_risk"], zh["At Risk"])
        self.assertEqual(labels["retired"], zh["Retired"])
        self.assertRegex(labels["at_risk"], CJK)

        reason = env.ref(f"{MODULE}.reason_inactivity")
        reason_en = reason.with_context(lang="en_US")
        self.assertEqual(reason.name, zh[reason_en.name])
        self.assertRegex(reason.name, CJK)
        self.assertEqual(reason.customer_wording, zh[reason_en.customer_wording])
        self.assertRegex(reason.customer_wording, CJK)
