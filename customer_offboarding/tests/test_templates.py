from odoo.tests import new_test_user, tagged

from ..const import NOTICE_KINDS, NOTICE_MODES
from .common import OffboardingCommon

# Headings every notice of a bad-news kind carries, per language.
HEADINGS = {
    "en_US": ("Why", "When", "Your data", "Alternatives", "Download my data"),
    "zh_CN": ("原因", "时间", "您的数据", "替代方案", "下载我的数据"),
}
RETENTION = {
    "en_US": "We anonymize your name, contact details, addresses, images, the notes",
    "zh_CN": "我们会对您的姓名、联系方式、地址、图片",
}
CONTACT = {"en_US": "Your contact", "zh_CN": "您的联系人"}
AUTOMATED = {
    "en_US": "This is an automated message.",
    "zh_CN": "这是一封系统自动发送的邮件。",
}


@tagged("post_install", "-at_install")
class TestTemplates(OffboardingCommon):
    """Every template (4 kinds × 3 ways) renders in English and Chinese with
    every element a customer must read."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["customer_offboarding"], ["zh_CN"], overwrite=True
        )
        cls.owner = new_test_user(
            cls.env,
            login="tmpl_owner",
            name="Olga Owner",
            email="olga@offboarding-co.example.com",
            groups="base.group_user",
        )
        cls.env["customer.offboarding.alternative"].create(
            {"name": "Alt Provider", "website": "https://alt.example.com"}
        )
        cls.partners = {}
        for lang in HEADINGS:
            partner = cls.env["res.partner"].create(
                {
                    "name": f"Template Customer {lang}",
                    "is_company": True,
                    "email": f"{lang.lower()}@customer.example.com",
                    "lang": lang,
                    "user_id": cls.owner.id,
                    "company_id": cls.company.id,
                }
            )
            partner.with_user(cls.manager).offboarding_start(
                "inactivity", end_date="2031-01-31"
            )
            cls.partners[lang] = partner

    def _render(self, kind, mode, case):
        template = self.env.ref(f"customer_offboarding.mail_template_{kind}_{mode}")
        values = template._generate_template(
            case.ids, ("subject", "body_html", "email_from", "email_to", "lang")
        )[case.id]
        return values

    def test_every_template_in_both_languages(self):
        for lang, partner in self.partners.items():
            case = partner.with_company(self.company).offboarding_case_id
            reason = case.reason_id.with_context(lang=lang)
            for kind, _label in NOTICE_KINDS:
                for mode, _mode_label in NOTICE_MODES:
                    with self.subTest(lang=lang, kind=kind, mode=mode):
                        values = self._render(kind, mode, case)
                        body, subject = values["body_html"], values["subject"]
                        self.assertIn(partner.email, values["email_to"])
                        self.assertIn("Template Customer", body)
                        self.assertIn(self.company.name, subject)
                        if mode == "personal":
                            self.assertIn("olga@offboarding-co", values["email_from"])
                            self.assertIn("Olga Owner", body)
                        if kind == "welcome_back":
                            continue
                        self.assertIn(reason.customer_wording, body)
                        self.assertIn("2031", body)  # service end date
                        self.assertIn("2032", body)  # disposal date (+365 days)
                        self.assertIn("/offboarding/export/", body)
                        self.assertIn("/offboarding/view/", body)
                        self.assertIn("Alt Provider", body)
                        self.assertIn(RETENTION[lang], body)
                        for heading in HEADINGS[lang]:
                            self.assertIn(heading, body)
                        if mode == "automated":
                            self.assertIn(AUTOMATED[lang], body)
                            self.assertNotIn(CONTACT[lang], body)
                        else:
                            self.assertIn(CONTACT[lang], body)
                            self.assertIn("olga@offboarding-co", body)
                        if lang == "zh_CN":
                            self.assertNotIn("Your data", body)
                            self.assertNotIn("Dear", body)
