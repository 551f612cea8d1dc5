from collections import defaultdict

from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def action_confirm(self):
        res = super().action_confirm()
        self._offboarding_request_reactivation()
        return res

    def _offboarding_request_reactivation(self):
        """A confirmed order of a retiring, retired or archived customer opens
        an automatic reactivation request naming the orders.

        One query finds the few customers being offboarded; the others cost
        nothing more.
        """
        orders = self.sudo().with_context(active_test=False)
        commercial = orders.partner_id.commercial_partner_id
        if not commercial:
            return
        cases = (
            self.env["customer.offboarding.case"]
            .sudo()
            .search_fetch(
                [("partner_id", "in", commercial.ids), ("is_open", "=", True)],
                ["partner_id"],
            )
        )
        if not cases:
            return
        offboarded = set(cases.partner_id.ids)
        names = defaultdict(list)
        for order in orders:
            partner = order.partner_id.commercial_partner_id
            if partner.id in offboarded:
                # Each company hears of its own orders only.
                names[(partner, order.company_id)].append(order.name)
        for (partner, company), order_names in names.items():
            if len(order_names) == 1:
                trigger = self.env._("Sales order %(order)s", order=order_names[0])
            else:
                trigger = self.env._(
                    "Sales orders %(orders)s", orders=", ".join(order_names)
                )
            self.env["customer.reactivation.request"]._submit_for_activity(
                partner, trigger, companies=company
            )
