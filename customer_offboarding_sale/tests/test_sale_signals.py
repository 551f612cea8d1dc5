from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL


@tagged("post_install", "-at_install")
class TestSaleSignals(TransactionCase):
    def test_confirmed_orders_of_contacts_count_as_activity(self):
        """A confirmed order by a contact 10 days ago keeps its company active."""
        buyer_co, idle_co = self.env["res.partner"].create(
            [{"name": f"Ordering {n}", "is_company": True} for n in ("buyer", "idle")]
        )
        contact = self.env["res.partner"].create(
            {"name": "Ordering contact", "parent_id": buyer_co.id}
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET create_date = %s WHERE id = ANY(%s)",
                fields.Datetime.now() - timedelta(days=900),
                (buyer_co | idle_co).ids,
            )
        )
        product = self.env["product.product"].create(
            {"name": "Thing", "list_price": 10}
        )
        orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "order_line": [
                        (0, 0, {"product_id": product.id, "product_uom_qty": 1})
                    ],
                }
                for partner in (contact, idle_co)
            ]
        )
        orders.action_confirm()
        orders[0].date_order = fields.Datetime.now() - timedelta(days=10)
        orders[1].date_order = fields.Datetime.now() - timedelta(days=300)
        rule = self.env["customer.offboarding.rule"].create(
            {
                "name": "Sales inactivity",
                "criterion": "inactivity",
                "days": 180,
                "source_sale": True,
                "source_message": False,
                "source_activity": False,
                "reason_id": self.env.ref("customer_offboarding.reason_inactivity").id,
                "scope_domain": "[('name', 'like', 'Ordering ')]",
                "cooldown_days": 0,
                # Odoo counts a customer (customer_rank) once invoiced, not
                # when an order is confirmed: keep both in scope.
                "customers_only": False,
            }
        )
        matches = self.env["res.partner"].search(
            [("offboarding_rule_match_id", "=", rule.id)]
        )
        self.assertEqual(matches, idle_co)

    def test_buying_only_discontinued_categories_means_needs_changed(self):
        """Only discontinued categories bought lately matches; a mix does not."""
        old_line, new_line = self.env["product.category"].create(
            [{"name": "Old line"}, {"name": "New line"}]
        )
        old_p, new_p = self.env["product.product"].create(
            [
                {"name": "Old thing", "categ_id": old_line.id},
                {"name": "New thing", "categ_id": new_line.id},
            ]
        )
        stuck, mixed = self.env["res.partner"].create(
            [{"name": f"Buyer {n}", "is_company": True} for n in ("stuck", "mixed")]
        )
        orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": stuck.id,
                    "order_line": [(0, 0, {"product_id": old_p.id})],
                },
                {
                    "partner_id": mixed.id,
                    "order_line": [
                        (0, 0, {"product_id": old_p.id}),
                        (0, 0, {"product_id": new_p.id}),
                    ],
                },
            ]
        )
        orders.action_confirm()
        rule = self.env["customer.offboarding.rule"].create(
            {
                "name": "Discontinued",
                "criterion": "needs_changed",
                "days": 365,
                "product_category_ids": [(6, 0, old_line.ids)],
                "reason_id": self.env.ref(
                    "customer_offboarding.reason_needs_changed"
                ).id,
                "scope_domain": "[('name', 'like', 'Buyer ')]",
                "customers_only": False,
            }
        )
        matches = self.env["res.partner"].search(
            [("offboarding_rule_match_id", "=", rule.id)]
        )
        self.assertEqual(matches, stuck)
