from odoo import api, models
from odoo.tools import SQL


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def _offboarding_last_activity_sql(self, partner_ids):
        """Confirmed sales orders are activity too, whichever contact placed them."""
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        self.env["sale.order"].flush_model(["partner_id", "state", "date_order"])
        return SQL(
            """
            (%(super)s)
            UNION ALL
            (SELECT buyer.commercial_partner_id, so.date_order
               FROM unnest(%(ids)s::int[]) AS c(id)
               JOIN res_partner buyer ON buyer.commercial_partner_id = c.id
               JOIN sale_order so ON so.partner_id = buyer.id
              WHERE so.state = 'sale')
            """,
            super=super()._offboarding_last_activity_sql(partner_ids),
            ids=list(partner_ids),
        )
