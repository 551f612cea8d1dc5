"""Screenshots of the customer page, a rendered notice and the back office
(the contact's status bar, a rule's preview, a run in progress, a case, the
cases' analysis), with headless Chromium (Debian's ``chromium`` package), as
the README shows them.

The PNG files go to ``$OFFBOARDING_SCREENSHOT_DIR`` when it is set (that is
how the README images are refreshed: see README, "Screenshots"), else to a
temporary directory; the test checks that both are real, non-blank images.
"""

import base64
import html as html_lib
import json
import os
import resource
import shutil
import struct
import subprocess
import tempfile
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import ChromeBrowser
from odoo.tools import SQL

from ..controllers.main import rate_limiter
from .common import MANAGER_GROUPS

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")


def png_size(path):
    with open(path, "rb") as handle:
        header = handle.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG file"
    return struct.unpack(">II", header[16:24])


def _unlimited_address_space():
    resource.setrlimit(
        resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
    )


@tagged("post_install", "-at_install")
class TestScreenshots(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.browser = next(filter(None, map(shutil.which, BROWSERS)), None)
        env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        company = env.company
        company.write(
            {
                "name": "Lotus Components",
                "email": "service@lotus-components.example.com",
                "phone": "+86 21 5555 0100",
            }
        )
        manager = new_test_user(env, login="shot_manager", groups=MANAGER_GROUPS)
        manager.partner_id.write(
            {
                "name": "Mei Chen",
                "email": "mei.chen@lotus-components.example.com",
                "phone": "+86 21 5555 0123",
            }
        )
        env["customer.offboarding.alternative"].create(
            [
                {
                    "name": "Harbor Parts Network",
                    "website": "https://harbor-parts.example.com",
                    "description": "Certified resellers of our standard parts "
                    "for small accounts.",
                },
                {
                    "name": "Lotus Online Store",
                    "website": "https://store.lotus-components.example.com",
                    "description": "Order standard parts online, without an "
                    "account manager.",
                },
            ]
        )
        cls.customer = env["res.partner"].create(
            {
                "name": "Blue Pine Studio",
                "is_company": True,
                "email": "hello@bluepine.example.com",
                "company_id": company.id,
                "user_id": manager.id,
                "offboarding_tier_override": "mid",
            }
        )
        cls.customer.with_user(manager).offboarding_start(
            "low_value", end_date="2030-12-31"
        )
        cls.case = cls.customer.with_company(company).offboarding_case_id
        cls.notice = cls.case.notice_ids

    def _shoot(self, url, path, height):
        profile = tempfile.mkdtemp(prefix="offboarding-chromium-")
        self.addCleanup(shutil.rmtree, profile, ignore_errors=True)
        result = subprocess.run(
            [
                self.browser,
                "--headless=new",
                f"--user-data-dir={profile}",
                "--no-first-run",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                f"--window-size=820,{height}",
                f"--screenshot={path}",
                url,
            ],
            check=False,
            capture_output=True,
            timeout=90,
            # Odoo caps the address space; Chromium needs more than 8 GiB of
            # virtual memory for V8 (as Odoo's own browser launcher says).
            preexec_fn=_unlimited_address_space,  # noqa: PLW1509
        )
        if result.returncode:
            raise AssertionError(
                f"chromium failed ({result.returncode}): {result.stderr[-2000:]}"
            )
        width, png_height = png_size(path)
        self.assertEqual((width, png_height), (820, height))
        self.assertGreater(os.path.getsize(path), 15000, "not a blank page")

    def test_screenshots_of_the_customer_page_and_a_notice(self):
        if not self.browser:
            self.skipTest("needs Chromium: apt-get install chromium")
        rate_limiter.reset()
        target = os.environ.get("OFFBOARDING_SCREENSHOT_DIR") or tempfile.mkdtemp()
        os.makedirs(target, exist_ok=True)
        page = os.path.join(target, "customer_page.png")
        self._shoot(self.base_url() + self.case._get_portal_url("view"), page, 1150)
        mail = self.notice.mail_id
        self.assertTrue(mail)
        with tempfile.NamedTemporaryFile(
            "w", suffix=".html", delete=False, encoding="utf-8"
        ) as html:
            html.write(
                '<html><head><meta charset="utf-8"></head>'
                '<body style="font-family: sans-serif; max-width: 760px; '
                'margin: 24px auto; color: #212529;">'
                f"<p><b>From:</b> {html_lib.escape(mail.email_from)}<br>"
                f"<b>To:</b> {html_lib.escape(mail.email_to)}<br>"
                f"<b>Subject:</b> {html_lib.escape(mail.subject)}</p><hr>"
                f"{mail.body_html}"
                "</body></html>"
            )
        notice = os.path.join(target, "retirement_notice.png")
        try:
            self._shoot("file://" + html.name, notice, 1150)
        finally:
            os.unlink(html.name)

    def _shoot_back_office(self, path, url, ready, click=None):
        """As admin, in Odoo's own test browser (logged in), once the element
        ``ready`` (a CSS selector) is drawn; ``click``: an element clicked
        first."""

        def present(selector):
            return f"!!document.querySelector({json.dumps(selector)})"

        browser = ChromeBrowser(self)
        try:
            self.authenticate("admin", "admin", browser=browser)
            self.cr.flush()
            self.cr.clear()
            browser.navigate_to(self.base_url() + url, wait_stop=True)
            if click:
                self.assertTrue(browser._wait_ready(present(click)), click)
                browser._websocket_request(
                    "Runtime.evaluate",
                    params={
                        "expression": f"document.querySelector({json.dumps(click)})"
                        ".click()"
                    },
                )
            self.assertTrue(browser._wait_ready(present(ready)), f"{url}: {ready}")
            # Let the web client finish drawing (fonts, progress bars, charts).
            browser._wait_ready("new Promise(r => setTimeout(() => r(true), 800))")
            shot = browser._websocket_request("Page.captureScreenshot", timeout=30)
        finally:
            browser.stop()
            self._wait_remaining_requests()
        with open(path, "wb") as image:
            image.write(base64.b64decode(shot["data"]))
        width, height = png_size(path)
        # The window's width; its height less the browser's own bars.
        self.assertEqual(width, int(self.browser_size.replace("x", ",").split(",")[0]))
        self.assertGreater(height, 600)
        self.assertGreater(os.path.getsize(path), 15000, "not a blank page")

    def test_screenshots_of_the_back_office(self):
        if not self.browser:
            self.skipTest("needs Chromium: apt-get install chromium")
        self.browser_size = "1280,800"
        target = os.environ.get("OFFBOARDING_SCREENSHOT_DIR") or tempfile.mkdtemp()
        os.makedirs(target, exist_ok=True)
        env = self.env
        admin = env.ref("base.user_admin")
        silent = env["res.partner"].create(
            [
                {"name": name, "is_company": True, "company_id": env.company.id}
                for name in ("Cedar & Stone Architects", "Delta River Foods")
            ]
        )
        env.flush_all()
        env.execute_query(
            SQL(
                "UPDATE res_partner SET create_date = %s WHERE id = ANY(%s)",
                fields.Datetime.now() - timedelta(days=400),
                silent.ids,
            )
        )
        rule = env["customer.offboarding.rule"].create(
            {
                "name": "Silent for six months",
                "criterion": "inactivity",
                "days": 180,
                "customers_only": False,
                "cooldown_days": 0,
                "scope_domain": f"[('id', 'in', {silent.ids})]",
                "reason_id": env.ref("customer_offboarding.reason_inactivity").id,
            }
        )
        run = (
            env["customer.offboarding.run"]
            .with_user(admin)
            .sudo()
            ._start(rule, "manual")
        )
        # A run a third of the way (staged: the scheduled action would be
        # processing it).
        line = run.line_ids[:1]
        line.sudo().write(
            {
                "cursor": line.id_from + (line.id_to - line.id_from) // 3,
                "matched": 2,
                "moved": 2,
            }
        )
        action = "/odoo/action-customer_offboarding."
        shots = (
            (
                "contact_status.png",
                f"/odoo/contacts/{self.customer.id}",
                ".o_form_view .o_statusbar_status "
                'button[data-value="retiring"][aria-checked="true"]',
                None,
            ),
            (
                "rule_preview.png",
                f"{action}customer_offboarding_rule_action/{rule.id}",
                '.modal .o_field_widget[name="matched_count"]',
                'button[name="action_preview"]',
            ),
            (
                "run_progress.png",
                f"{action}customer_offboarding_run_action/{run.id}",
                ".o_form_view .o_progressbar",
                None,
            ),
            (
                "case.png",
                f"{action}customer_offboarding_case_action/{self.case.id}",
                ".o_form_view .o-mail-Chatter",
                None,
            ),
            (
                "cases_analysis.png",
                f"{action}customer_offboarding_case_action?view_type=pivot",
                ".o_pivot table",
                None,
            ),
        )
        for name, url, ready, click in shots:
            with self.subTest(shot=name):
                self._shoot_back_office(os.path.join(target, name), url, ready, click)
