import io
from unittest.mock import patch

import openpyxl

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestSaleOffboarding(TransactionCase):
    """A new order of an offboarded customer asks for its reactivation; the
    customer's data export lists its orders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.company.offboarding_auto_approve = False
        cls.product = cls.env["product.product"].create(
            {"name": "Offboarding thing", "list_price": 10, "taxes_id": False}
        )
        cls.retiring, cls.retired, cls.active, cls.at_risk = cls.env[
            "res.partner"
        ].create(
            [
                {"name": f"Ordering {name}", "is_company": True}
                for name in ("retiring", "retired", "active", "at_risk")
            ]
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Ordering buyer", "parent_id": cls.retiring.id}
        )
        cls.retiring.sudo().offboarding_start("low_value")
        cls.retired.sudo().offboarding_retire(reason_code="low_value")
        cls.at_risk.sudo().offboarding_flag("low_value")

    def _order(self, partner, qty=1, confirm=True):
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    (0, 0, {"product_id": self.product.id, "product_uom_qty": qty})
                ],
            }
        )
        if confirm:
            order.action_confirm()
        return order

    def _requests(self, partner):
        return self.env["customer.reactivation.request"].search(
            [("partner_id", "in", partner.ids)]
        )

    def _case(self, partner):
        return partner.with_company(self.company).offboarding_case_id

    def test_order_of_retiring_customer_opens_one_automatic_request(self):
        """An order placed by a contact of a retiring customer opens one request
        on the customer's case; a second order does not open another."""
        order = self._order(self.contact)
        request = self._requests(self.retiring)
        self.assertEqual(len(request), 1)
        self.assertEqual(
            (request.source, request.state, request.case_id),
            ("automatic", "submitted", self._case(self.retiring)),
        )
        self.assertEqual(request.trigger, f"Sales order {order.name}")
        self._order(self.retiring)
        self.assertEqual(self._requests(self.retiring), request)

    def test_order_of_retired_customer_opens_one_automatic_request(self):
        self._order(self.retired)
        request = self._requests(self.retired)
        self.assertEqual(len(request), 1)
        self.assertEqual((request.source, request.state), ("automatic", "submitted"))
        self._order(self.retired)
        self.assertEqual(len(self._requests(self.retired)), 1)

    def test_confirming_several_orders_names_them_per_customer(self):
        """One batch confirmation: each offboarded customer gets one request
        naming its own orders; active customers get none."""
        orders = (
            self._order(self.retired, confirm=False)
            | self._order(self.retired, qty=2, confirm=False)
            | self._order(self.active, confirm=False)
        )
        orders.action_confirm()
        request = self._requests(self.retired)
        self.assertEqual(len(request), 1)
        self.assertEqual(
            request.trigger, f"Sales orders {orders[0].name}, {orders[1].name}"
        )
        self.assertFalse(self._requests(self.active))

    def test_a_failing_request_never_fails_the_order(self):
        """An error while opening the automatic request is logged; the order is
        confirmed all the same."""
        Request = type(self.env["customer.reactivation.request"])
        with (
            patch.object(Request, "_submit", side_effect=UserError("broken")),
            mute_logger("odoo.addons.customer_offboarding.models.res_partner"),
        ):
            order = self._order(self.retired)
        self.assertEqual(order.state, "sale")
        self.assertFalse(self._requests(self.retired))

    def test_each_company_hears_of_its_own_orders(self):
        """An order of company B opens no request in company A's case."""
        company_b = self.env["res.company"].create({"name": "Ordering B"})
        order = (
            self.env["sale.order"]
            .with_company(company_b)
            .create(
                {
                    "partner_id": self.retired.id,
                    "company_id": company_b.id,
                    "order_line": [(0, 0, {"product_id": self.product.id})],
                }
            )
        )
        order.with_company(company_b).action_confirm()
        self.assertFalse(self._requests(self.retired))

    def test_active_and_at_risk_customers_get_no_request(self):
        self._order(self.active)
        self._order(self.at_risk)
        self.assertFalse(self._requests(self.active | self.at_risk))

    def test_export_lists_confirmed_orders(self):
        """The Orders sheet lists the confirmed orders of the customer and its
        contacts in this company, not quotations nor other customers' orders."""
        first = self._order(self.contact, qty=3)
        second = self._order(self.retiring)
        self._order(self.retiring, confirm=False)  # a quotation
        self._order(self.active)
        content, _filename = self._case(self.retiring)._offboarding_export_xlsx()
        book = openpyxl.load_workbook(io.BytesIO(content))
        self.assertIn("Orders", book.sheetnames)
        rows = [list(r) for r in book["Orders"].iter_rows(values_only=True)]
        self.assertEqual(
            rows[0],
            [
                "Order Number",
                "Order Date",
                "Status",
                "Untaxed Amount",
                "Total",
                "Currency",
            ],
        )
        currency = self.company.currency_id.name
        self.assertEqual(
            [row[:1] + row[2:] for row in rows[1:]],
            [
                [first.name, "Sales Order", 30, 30, currency],
                [second.name, "Sales Order", 10, 10, currency],
            ],
        )
        self.assertEqual(
            rows[1][1].replace(microsecond=0), first.date_order.replace(microsecond=0)
        )

    def test_confirmed_orders_are_last_activity(self):
        order = self._order(self.contact)
        activity = self.env["customer.offboarding.export"]._get_last_activity(
            self.retiring | self.active
        )
        self.assertEqual(activity.get(self.retiring.id), order.date_order)
        self.assertNotIn(self.active.id, activity)
