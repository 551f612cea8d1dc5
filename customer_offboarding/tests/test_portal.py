"""The customer's page over HTTP: signed links, GET never mutates, POST + CSRF."""

import datetime
import io
import json
import re
from datetime import timedelta
from unittest.mock import patch

import openpyxl

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import hash_sign, mute_logger

from ..controllers.main import rate_limiter
from ..models.customer_offboarding_case import TOKEN_SCOPE
from ..tools.rate_limit import RateLimiter
from .common import MANAGER_GROUPS


@tagged("post_install", "-at_install")
class TestCustomerPage(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.manager = new_test_user(
            cls.env, login="page_manager", groups=MANAGER_GROUPS
        )
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create(
            {
                "name": "Page Customer Ltd",
                "is_company": True,
                "email": "page@customer.example.com",
                "street": "1 Harbour Road",
                "city": "Ningbo",
                "company_id": cls.company.id,
                "offboarding_tier_override": "low",
            }
        )
        cls.contact = Partner.create(
            {
                "name": "Wei Contact",
                "parent_id": cls.customer.id,
                "email": "wei@customer.example.com",
            }
        )
        cls.other = Partner.create(
            {"name": "Other Customer", "is_company": True, "email": "o@example.com"}
        )
        cls.customer.message_post(
            body="Our order of last spring",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            author_id=cls.customer.id,
        )
        cls.customer.message_post(body="Internal: they pay late")
        (cls.customer | cls.other).with_user(cls.manager).offboarding_start("low_value")
        cls.case = cls.customer.with_company(cls.company).offboarding_case_id
        cls.other_case = cls.other.with_company(cls.company).offboarding_case_id

    def setUp(self):
        super().setUp()
        rate_limiter.reset()

    def _get(self, url, **kwargs):
        return self.url_open(url, allow_redirects=False, **kwargs)

    def _snapshot(self):
        """Everything the page could change."""
        self.env.invalidate_all()
        return (
            self.customer.with_company(self.company).offboarding_state,
            self.case.state,
            self.case.keep_in_touch,
            self.env["customer.reactivation.request"].search_count([]),
        )

    def _csrf(self, html):
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def test_valid_link_shows_the_notice_summary(self):
        before = self._snapshot()
        response = self._get(self.case._get_portal_url("view"))
        self.assertEqual(response.status_code, 200)
        html = response.text
        self.assertIn("Page Customer Ltd", html)
        self.assertIn(self.case.reason_id.customer_wording, html)
        self.assertIn("/offboarding/export/", html)
        self.assertIn("I want to stay", html)
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        self.assertEqual(self._snapshot(), before, "GET changes nothing")

    def test_bad_tokens_get_the_same_404_and_change_nothing(self):
        before = self._snapshot()
        url = self.case._get_portal_url("view")
        token = url.rsplit("/", 1)[1]
        tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
        wrong_partner = hash_sign(
            self.env(su=True),
            TOKEN_SCOPE,
            {"case": self.case.id, "partner": self.other.id, "purpose": "view"},
            expiration=timedelta(days=1),
        )
        export_token = self.case._get_portal_url("export").rsplit("/", 1)[1]
        urls = [
            f"/offboarding/view/{tampered}",
            "/offboarding/view/not-a-token",
            f"/offboarding/view/{wrong_partner}",
            f"/offboarding/view/{export_token}",  # another purpose
            f"/offboarding/export/{token}",
            f"/offboarding/export/{token}?format=json",
        ]
        with mute_logger("odoo.http"):
            for bad in urls:
                response = self._get(bad)
                self.assertEqual(response.status_code, 404, bad)
        self.assertEqual(self._snapshot(), before)

    def test_expired_link_gets_404(self):
        self.case.sudo().write(
            {"end_date": fields.Date.context_today(self.case) - timedelta(days=10)}
        )
        self.company.offboarding_link_days = 5
        url = self.case._get_portal_url("view")
        with mute_logger("odoo.http"):
            self.assertEqual(self._get(url).status_code, 404)
        self.company.offboarding_link_days = 90
        self.assertEqual(self._get(self.case._get_portal_url("view")).status_code, 200)

    def test_get_never_mutates_and_forms_need_post_with_csrf(self):
        """Mail scanners prefetch links: only a POST with CSRF changes anything."""
        before = self._snapshot()
        stay_url = self.case._get_portal_url("stay")
        keep_url = self.case._get_portal_url("keep_in_touch")
        with mute_logger("odoo.http"):
            self.assertEqual(self._get(stay_url).status_code, 405)
            self.assertEqual(self._get(keep_url).status_code, 405)
            self._get(self.case._get_portal_url("export"))
            no_csrf = self.url_open(
                stay_url, data={"message": "x"}, allow_redirects=False
            )
        self.assertEqual(no_csrf.status_code, 400)
        self.assertEqual(self._snapshot(), before)

    def test_i_want_to_stay_creates_one_request(self):
        page = self._get(self.case._get_portal_url("view"))
        csrf = self._csrf(page.text)
        stay_url = self.case._get_portal_url("stay")
        response = self.url_open(
            stay_url,
            data={"csrf_token": csrf, "message": "We are growing again!"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn("/offboarding/view/", response.headers["Location"])
        request = self.env["customer.reactivation.request"].search(
            [("case_id", "=", self.case.id)]
        )
        self.assertEqual(
            (request.source, request.state, request.message),
            ("customer", "submitted", "We are growing again!"),
        )
        self.assertEqual(request.requester_id, self.customer)
        # A second click adds nothing; the page says the request is reviewed.
        self.url_open(stay_url, data={"csrf_token": csrf}, allow_redirects=False)
        self.assertEqual(
            self.env["customer.reactivation.request"].search_count(
                [("case_id", "=", self.case.id)]
            ),
            1,
        )
        page = self._get(self.case._get_portal_url("view") + "?done=stay")
        self.assertIn("we received your request to stay", page.text)
        self.assertIn("is being reviewed", page.text)

    def test_keep_in_touch_opt_in_and_out(self):
        page = self._get(self.case._get_portal_url("view"))
        csrf = self._csrf(page.text)
        keep_url = self.case._get_portal_url("keep_in_touch")
        self.url_open(keep_url, data={"csrf_token": csrf, "keep": "1"})
        self.case.invalidate_recordset()
        self.assertTrue(self.case.keep_in_touch)
        self.url_open(keep_url, data={"csrf_token": csrf, "keep": "0"})
        self.case.invalidate_recordset()
        self.assertFalse(self.case.keep_in_touch)

    def test_download_my_data_reads_back(self):
        response = self._get(self.case._get_portal_url("export"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("spreadsheetml", response.headers["Content-Type"])
        self.assertIn("attachment", response.headers["Content-Disposition"])
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        self.assertEqual(
            book.sheetnames[:5],
            ["About this file", "Contact Details", "Addresses", "Contacts", "Messages"],
        )
        cover = {
            row[0]: row[1]
            for row in book["About this file"].iter_rows(values_only=True)
        }
        self.assertEqual(cover["Customer"], "Page Customer Ltd")
        self.assertIn("Contact Details", cover["What is included"])
        details = list(book["Contact Details"].iter_rows(values_only=True))
        self.assertEqual(details[0][:2], ("Name", "Email"))
        self.assertEqual(
            details[1][:2], ("Page Customer Ltd", "page@customer.example.com")
        )
        contacts = list(book["Contacts"].iter_rows(values_only=True))
        self.assertEqual([row[0] for row in contacts[1:]], ["Wei Contact"])
        addresses = list(book["Addresses"].iter_rows(values_only=True))
        self.assertIn("1 Harbour Road", addresses[1])
        messages = list(book["Messages"].iter_rows(values_only=True))
        bodies = [row[3] for row in messages[1:]]
        self.assertIn("Our order of last spring", bodies)
        self.assertNotIn("Internal: they pay late", bodies, "internal notes stay")

    def test_download_my_data_as_json_holds_the_same_data(self):
        """The JSON file holds the spreadsheet's sheets, columns and rows,
        machine-readable, with the name and version of its format."""
        url = self.case._get_portal_url("export")
        response = self._get(url + "?format=json")
        self.assertEqual(response.status_code, 200)
        self.assertIn("application/json", response.headers["Content-Type"])
        self.assertIn(".json", response.headers["Content-Disposition"])
        document = json.loads(response.content)
        self.assertEqual(
            (document["schema"], document["schema_version"]),
            ("customer_offboarding.data_export", 1),
        )
        book = openpyxl.load_workbook(io.BytesIO(self._get(url).content))
        sheets = {sheet["name"]: sheet for sheet in document["sheets"]}
        self.assertEqual(list(sheets), book.sheetnames[1:])
        for name, sheet in sheets.items():
            rows = list(book[name].iter_rows(values_only=True))
            self.assertEqual(
                tuple(column["name"] for column in sheet["columns"]), rows[0], name
            )
            self.assertEqual(len(sheet["rows"]), len(rows) - 1, name)
            for json_row, cells in zip(sheet["rows"], rows[1:], strict=True):
                for value, cell in zip(json_row.values(), cells, strict=True):
                    _assert_same_cell(self, value, cell)
        details = sheets["Contact Details"]["rows"][0]
        self.assertEqual(
            (details["Name"], details["Email"]),
            ("Page Customer Ltd", "page@customer.example.com"),
        )
        about = {line["label"]: line["value"] for line in document["about"]}
        self.assertEqual(about["Customer"], "Page Customer Ltd")
        self.assertEqual(
            about["Data disposal date"], fields.Date.to_string(self.case.disposal_date)
        )
        bodies = [row["Message"] for row in sheets["Messages"]["rows"]]
        self.assertIn("Our order of last spring", bodies)
        self.assertNotIn("Internal: they pay late", bodies)

    def test_requests_are_rate_limited_per_token(self):
        url = self.case._get_portal_url("export")
        codes = [self._get(url).status_code for _i in range(6)]
        self.assertEqual(codes, [200] * 5 + [429])
        # Another customer's link is not affected.
        self.assertEqual(
            self._get(self.other_case._get_portal_url("export")).status_code, 200
        )

    def test_page_speaks_the_customer_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["customer_offboarding"], ["zh_CN"], overwrite=True
        )
        self.customer.lang = "zh_CN"
        page = self._get(self.case._get_portal_url("view"))
        self.assertIn("下载我的数据", page.text)
        self.assertNotIn("Download my data", page.text)

    # ------------------------------------------------------------------
    # Trust: one canonical token, bounded limits, no framing, no error text
    # ------------------------------------------------------------------

    def test_only_the_canonical_token_opens_the_page(self):
        """Padding, junk characters, spare bits or the other base64 alphabet make
        another string: 404, and no limiter budget of their own."""
        token = self.case._get_portal_url("view").rsplit("/", 1)[1]
        last = token[-1]
        spare = "AQgw"[("AQgw".index(last) + 1) % 4] if last in "AQgw" else None
        variants = [
            token + "=",
            token + "==anything",
            token[:10] + "." + token[10:],
            "%00" + token,
            token + "%00",
        ]
        if "-" in token:
            variants.append(token.replace("-", "+", 1))
        if spare:
            variants.append(token[:-1] + spare)
        with mute_logger("odoo.http"):
            for variant in variants:
                with self.subTest(variant=variant):
                    response = self._get(f"/offboarding/view/{variant}")
                    self.assertEqual(response.status_code, 404)
        self.assertEqual(self._get(f"/offboarding/view/{token}").status_code, 200)

    def test_limits_hold_per_link_and_per_address(self):
        """The limit is the case's (however the link is spelled) and each client
        address has one over all links."""
        from .. import controllers

        url = self.case._get_portal_url("export")
        self.assertEqual([self._get(url).status_code for _i in range(5)], [200] * 5)
        # A link signed again for the same case shares its budget.
        self.assertEqual(
            self._get(self.case._get_portal_url("export")).status_code, 429
        )
        rate_limiter.reset()
        with patch.object(controllers.main, "RATE_LIMIT_PER_ADDRESS", 3):
            codes = [
                self._get(case._get_portal_url("view")).status_code
                for case in (self.case, self.other_case, self.case, self.other_case)
            ]
        self.assertEqual(codes, [200, 200, 200, 429])

    def test_the_limiter_forgets_the_least_recent_keys(self):
        """Whatever keys callers make up, the limiter keeps a bounded number."""
        limiter = RateLimiter(600, max_keys=100)
        for key in range(1000):
            self.assertTrue(limiter.allow(("view", key), 30, now=float(key)))
        self.assertEqual(len(limiter), 100)
        self.assertTrue(limiter.allow(("view", 0), 1, now=2000.0), "forgotten")

    def test_the_page_cannot_be_framed(self):
        """Odoo's own frame protection, as /web/login sends it."""
        for purpose in ("view", "export"):
            response = self._get(self.case._get_portal_url(purpose))
            self.assertEqual(response.headers["X-Frame-Options"], "SAMEORIGIN")
            self.assertIn(
                "frame-ancestors 'self'", response.headers["Content-Security-Policy"]
            )

    def test_alternatives_link_only_to_web_addresses(self):
        """javascript: and other schemes are refused on save and never rendered."""
        Alternative = self.env["customer.offboarding.alternative"]
        for url in ("javascript:alert(document.domain)", "data:text/html,x", "//x"):
            with self.subTest(url=url), self.assertRaises(ValidationError):
                Alternative.create({"name": "Bad", "website": url})
        good = Alternative.create(
            {"name": "Good Partner", "website": "https://partner.example.com"}
        )
        bad = Alternative.create({"name": "Old Bad Partner"})
        self.env.cr.execute(
            "UPDATE customer_offboarding_alternative SET website = %s WHERE id = %s",
            ["javascript:alert(1)", bad.id],
        )
        bad.invalidate_recordset()
        html = self._get(self.case._get_portal_url("view")).text
        self.assertIn('href="https://partner.example.com"', html)
        self.assertIn("Old Bad Partner", html)
        self.assertNotIn("javascript:", html)
        self.assertTrue(good.website_url)

    def test_a_visitor_never_sees_an_error_text(self):
        """A refusal behind "I want to stay" (auto-approval included) answers a
        general page and writes nothing; the request goes to a human."""
        page = self._get(self.case._get_portal_url("view"))
        csrf = self._csrf(page.text)
        stay = self.case._get_portal_url("stay")
        Request = type(self.env["customer.reactivation.request"])
        with (
            patch.object(Request, "_submit", side_effect=UserError("Secret detail")),
            mute_logger("odoo.addons.customer_offboarding.controllers.main"),
        ):
            response = self.url_open(stay, data={"csrf_token": csrf})
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("Secret detail", response.text)
        self.assertIn("We could not record your request", response.text)
        self.assertFalse(
            self.env["customer.reactivation.request"].search(
                [("case_id", "=", self.case.id)]
            )
        )
        self.company.offboarding_auto_approve = True
        with (
            patch.object(Request, "_approve", side_effect=UserError("Secret detail")),
            mute_logger(
                "odoo.addons.customer_offboarding.models.customer_reactivation_request"
            ),
        ):
            response = self.url_open(stay, data={"csrf_token": csrf})
        self.assertNotIn("Secret detail", response.text)
        request = self.env["customer.reactivation.request"].search(
            [("case_id", "=", self.case.id)]
        )
        self.assertEqual(request.state, "submitted")
        self.assertTrue(request.activity_ids, "a human reviews it")

    def test_links_stop_with_their_case(self):
        """A closed case's links, and those of an earlier cycle, answer 404; a
        link signed before the validity was lowered stops too."""
        view = self.case._get_portal_url("view")
        self.case.sudo().write(
            {"end_date": fields.Date.context_today(self.case) - timedelta(days=3)}
        )
        self.company.offboarding_link_days = 1
        with mute_logger("odoo.http"):
            self.assertEqual(self._get(view).status_code, 404)
        self.company.offboarding_link_days = 90
        self.assertEqual(self._get(view).status_code, 200)
        self.customer.with_user(self.manager).offboarding_cancel()
        with mute_logger("odoo.http"):
            self.assertEqual(self._get(view).status_code, 404)
        self.customer.with_user(self.manager).offboarding_flag("low_value")
        new_case = self.customer.with_company(self.company).offboarding_case_id
        with mute_logger("odoo.http"):
            # Flagged at risk: the customer was told nothing yet.
            self.assertEqual(
                self._get(new_case._get_portal_url("view")).status_code, 404
            )
            self.assertEqual(self._get(view).status_code, 404)

    def test_the_page_and_export_work_until_the_disposal_date(self):
        """Before the disposal date the page and both exports answer; on it
        (whether the scheduled action ran yet or not) and after the data is
        anonymized, every link of the customer answers 404."""
        urls = [
            self.case._get_portal_url("view"),
            self.case._get_portal_url("export"),
            self.case._get_portal_url("export") + "?format=json",
        ]
        self.customer.with_user(self.manager).offboarding_retire()
        today = fields.Date.context_today(self.case)
        self.company.offboarding_retention_days = 30
        self.case.sudo().write({"end_date": today - timedelta(days=29)})
        for url in urls:
            self.assertEqual(self._get(url).status_code, 200, url)
        self.case.sudo().write({"end_date": today - timedelta(days=30)})
        with mute_logger("odoo.http"):
            for url in urls:
                self.assertEqual(self._get(url).status_code, 404, url)
        self.env.cr.execute("UPDATE res_company SET offboarding_dispose_date = NULL")
        self.env["customer.offboarding.case"]._cron_dispose()
        self.assertEqual(self.case.state, "anonymized")
        self.company.offboarding_retention_days = 365
        with mute_logger("odoo.http"):
            for url in urls:
                self.assertEqual(self._get(url).status_code, 404, url)

    def test_the_export_holds_only_what_the_customer_may_see(self):
        """No internal note, nothing another company keeps (its staff's messages,
        messages on its records, its contacts), no other partner's data."""
        company_b = self.env["res.company"].create({"name": "Page Company B"})
        staff_b = new_test_user(
            self.env,
            login="page_staff_b",
            groups="base.group_user",
            company_id=company_b.id,
            company_ids=[company_b.id],
        )
        Message = self.env["mail.message"]
        family = self.customer | self.contact
        common = {"model": "res.partner", "res_id": self.customer.id}
        Message.create(
            [
                {
                    **common,
                    "body": "STAFF-A-TO-CUSTOMER",
                    "message_type": "comment",
                    "author_id": self.manager.partner_id.id,
                    "partner_ids": family.ids,
                    "subtype_id": self.env.ref("mail.mt_comment").id,
                },
                {
                    **common,
                    "body": "STAFF-B-TO-CUSTOMER",
                    "message_type": "comment",
                    "author_id": staff_b.partner_id.id,
                    "partner_ids": family.ids,
                    "subtype_id": self.env.ref("mail.mt_comment").id,
                },
                {
                    **common,
                    "body": "OUTGOING-LOGGED",
                    "message_type": "email_outgoing",
                    "author_id": self.manager.partner_id.id,
                },
                {
                    **common,
                    "body": "ON-A-B-RECORD",
                    "message_type": "email",
                    "author_id": self.customer.id,
                    "record_company_id": company_b.id,
                },
                {
                    "model": "res.partner",
                    "res_id": self.other.id,
                    "body": "ON-ANOTHER-CUSTOMER",
                    "message_type": "comment",
                    "author_id": self.customer.id,
                },
                {
                    **common,
                    "body": "INTERNAL-NO-SUBTYPE",
                    "message_type": "comment",
                    "author_id": self.customer.id,
                    "is_internal": True,
                },
            ]
        )
        self.env["res.partner"].create(
            {
                "name": "Company B Contact",
                "parent_id": self.customer.id,
                "company_id": company_b.id,
            }
        )
        response = self._get(self.case._get_portal_url("export"))
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        bodies = {
            row[3] for row in list(book["Messages"].iter_rows(values_only=True))[1:]
        }
        self.assertIn("STAFF-A-TO-CUSTOMER", bodies)
        self.assertIn("Our order of last spring", bodies)
        for hidden in (
            "STAFF-B-TO-CUSTOMER",
            "OUTGOING-LOGGED",
            "ON-A-B-RECORD",
            "ON-ANOTHER-CUSTOMER",
            "INTERNAL-NO-SUBTYPE",
        ):
            self.assertNotIn(hidden, bodies)
        contacts = [
            row[0] for row in list(book["Contacts"].iter_rows(values_only=True))[1:]
        ]
        self.assertEqual(contacts, ["Wei Contact"])

    def test_the_export_says_where_it_was_cut_short(self):
        """Beyond its message limit the file keeps the first ones and its cover
        says so."""
        self.customer.message_post(
            body="A second message",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            author_id=self.customer.id,
        )
        with patch(
            "odoo.addons.customer_offboarding.models.customer_offboarding_data_export"
            ".EXPORT_MAX_MESSAGES",
            1,
        ):
            content, _name = self.case.sudo()._offboarding_export_xlsx()
        book = openpyxl.load_workbook(io.BytesIO(content))
        self.assertEqual(book["Messages"].max_row, 2, "a header and one message")
        cover = {
            row[0]: row[1]
            for row in book["About this file"].iter_rows(values_only=True)
        }
        self.assertIn("Only the first 1 are included", cover["Messages"])


def _assert_same_cell(test, value, cell):
    """A JSON value holds what the spreadsheet's cell does (a spreadsheet keeps
    times as fractions of a day: to the second)."""
    if isinstance(cell, datetime.datetime):
        delta = datetime.datetime.fromisoformat(value) - cell
        test.assertLess(abs(delta.total_seconds()), 1, (value, cell))
    elif isinstance(cell, (int, float)) and not isinstance(cell, bool):
        test.assertEqual(value, float(cell))
    else:
        test.assertEqual(value, cell)
