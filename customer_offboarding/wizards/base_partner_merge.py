from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..const import CASE_OPEN_STATES
from ..tools.guard import MERGE_KEY, internal


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    """Odoo's contact merge, with the ledger kept true.

    Merging is refused while a contact to be merged away is being offboarded
    (an open case, or a status other than Active, in any company): its case
    would have to become the destination's. Once those are closed, the merge
    moves their closed cases, events, notices and requests to the
    destination with Odoo's own foreign-key update, the destination keeps its
    own status, tier and override in every company, and the contacts it
    gains take its status.
    """

    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        partners = self.env["res.partner"].browse(partner_ids).exists()
        if len(partners) >= 2:
            if dst_partner and dst_partner in partners:
                sources = partners - dst_partner
            else:
                sources = self._get_ordered_partner(partners.ids)[:-1]
            self._offboarding_check_mergeable(sources)
        result = super()._merge(partner_ids, dst_partner, extra_checks)
        if dst_partner:
            dst_partner.exists()._offboarding_sync_from_commercial()
        else:
            partners.exists()._offboarding_sync_from_commercial()
        return result

    def _update_values(self, src_partners, dst_partner):
        return super()._update_values(src_partners, internal(dst_partner, MERGE_KEY))

    def _offboarding_check_mergeable(self, sources):
        self.env["res.partner"].flush_model(["offboarding_state"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT p.id
                  FROM res_partner p
                 WHERE p.id = ANY(%(ids)s)
                   AND (EXISTS (SELECT 1 FROM jsonb_each_text(p.offboarding_state) s
                                 WHERE s.value != 'active')
                        OR EXISTS (SELECT 1 FROM customer_offboarding_case c
                                    WHERE c.partner_id = p.id AND c.state IN %(open)s))
                """,
                ids=sources.ids,
                open=CASE_OPEN_STATES,
            )
        )
        if rows:
            names = ", ".join(
                self.env["res.partner"]
                .browse(r[0] for r in rows)
                .mapped("display_name")
            )
            raise UserError(
                self.env._(
                    "%(partners)s cannot be merged into another contact while "
                    "being offboarded: cancel or finish the offboarding (Cancel "
                    "Offboarding, Reactivate) first, or keep them as the "
                    "destination.",
                    partners=names,
                )
            )
