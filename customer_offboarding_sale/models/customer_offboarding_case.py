from odoo import models

from odoo.addons.customer_offboarding.models.customer_offboarding_export import (
    DATETIME,
    MONEY,
    TEXT,
)


class CustomerOffboardingCase(models.Model):
    _inherit = "customer.offboarding.case"

    def _offboarding_export_sheets(self):
        sheets = super()._offboarding_export_sheets()
        sheets.append(self._offboarding_export_orders_sheet())
        return sheets

    def _offboarding_export_orders_sheet(self):
        """The customer's confirmed sales orders of the case's company, placed by
        the customer or any of its contacts."""
        self.ensure_one()
        _ = self.env._
        Order = self.env["sale.order"].sudo()
        orders = Order.search(
            [
                ("partner_id", "in", self._offboarding_export_partners().ids),
                ("company_id", "=", self.company_id.id),
                ("state", "=", "sale"),
            ],
            order="date_order, id",
        )
        states = dict(Order._fields["state"]._description_selection(self.env))
        return {
            "name": _("Orders"),
            "columns": [
                (_("Order Number"), TEXT),
                (_("Order Date"), DATETIME),
                (_("Status"), TEXT),
                (_("Untaxed Amount"), MONEY),
                (_("Total"), MONEY),
                (_("Currency"), TEXT),
            ],
            "rows": [
                [
                    order.name,
                    order.date_order,
                    states.get(order.state, ""),
                    order.amount_untaxed,
                    order.amount_total,
                    order.currency_id.name,
                ]
                for order in orders
            ],
        }
