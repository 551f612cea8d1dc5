from odoo import api, models

from odoo.addons.customer_offboarding.tools.xlsx import DATETIME, MONEY, TEXT


class CustomerOffboardingDataExport(models.AbstractModel):
    _inherit = "customer.offboarding.data.export"

    @api.model
    def _sheets(self, case):
        sheets = super()._sheets(case)
        sheets.append(self._orders_sheet(case, self._partners(case)))
        return sheets

    @api.model
    def _orders_sheet(self, case, family):
        """The customer's confirmed sales orders of the case's company, placed by
        the customer or any of its contacts."""
        _ = self.env._
        Order = self.env["sale.order"].sudo()
        orders = Order.search(
            [
                ("partner_id", "in", family.ids),
                ("company_id", "=", case.company_id.id),
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
