"""Screenshots of the customer page and of a rendered notice, with headless
Chromium (Debian's ``chromium`` package), as the README shows them.

The PNG files go to ``$OFFBOARDING_SCREENSHOT_DIR`` when it is set (that is
how the README images are refreshed: see README, "Screenshots"), else to a
temporary directory; the test checks that both are real, non-blank images.
"""

import html as html_lib
import os
import resource
import shutil
import struct
import subprocess
import tempfile

from odoo.tests import HttpCase, new_test_user, tagged

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
