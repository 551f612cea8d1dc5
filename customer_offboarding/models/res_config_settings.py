from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..const import MANAGER_GROUP, MAX_RUN_WORKERS
from ..tools.guard import require_group


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    offboarding_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Offboarding Currency"
    )
    offboarding_notice_days = fields.Integer(
        related="company_id.offboarding_notice_days", readonly=False
    )
    offboarding_tier_months = fields.Integer(
        related="company_id.offboarding_tier_months", readonly=False
    )
    offboarding_tier_high_amount = fields.Monetary(
        related="company_id.offboarding_tier_high_amount",
        readonly=False,
        currency_field="offboarding_currency_id",
    )
    offboarding_tier_mid_amount = fields.Monetary(
        related="company_id.offboarding_tier_mid_amount",
        readonly=False,
        currency_field="offboarding_currency_id",
    )
    offboarding_mode_high = fields.Selection(
        related="company_id.offboarding_mode_high", readonly=False
    )
    offboarding_mode_mid = fields.Selection(
        related="company_id.offboarding_mode_mid", readonly=False
    )
    offboarding_mode_low = fields.Selection(
        related="company_id.offboarding_mode_low", readonly=False
    )
    offboarding_call_days = fields.Integer(
        related="company_id.offboarding_call_days", readonly=False
    )
    offboarding_manager_id = fields.Many2one(
        related="company_id.offboarding_manager_id", readonly=False
    )
    offboarding_contact_id = fields.Many2one(
        related="company_id.offboarding_contact_id", readonly=False
    )
    offboarding_reminder_days = fields.Integer(
        related="company_id.offboarding_reminder_days", readonly=False
    )
    offboarding_retention_days = fields.Integer(
        related="company_id.offboarding_retention_days", readonly=False
    )
    offboarding_retention_policy = fields.Text(
        related="company_id.offboarding_retention_policy", readonly=False
    )
    offboarding_link_days = fields.Integer(
        related="company_id.offboarding_link_days", readonly=False
    )
    offboarding_auto_approve = fields.Boolean(
        related="company_id.offboarding_auto_approve", readonly=False
    )
    offboarding_cooldown_days = fields.Integer(
        related="company_id.offboarding_cooldown_days", readonly=False
    )
    offboarding_run_workers = fields.Integer(
        string="Rule run workers",
        config_parameter="customer_offboarding.run_workers",
        help="How many workers evaluate the rules at the same time, each on its "
        "share of the customers with its own database connection (1: one after "
        "the other; 0: one per processor of this server, at most four). Applies "
        "to the runs started afterwards.",
    )

    offboarding_tiers_computable = fields.Boolean(
        compute="_compute_offboarding_tiers_computable",
        help="Technical: an installed app records the revenue tiers are computed from.",
    )

    def _compute_offboarding_tiers_computable(self):
        computable = (
            self.env["customer.offboarding.tier"]._revenue_sql(
                self.env.company, fields.Date.context_today(self), 0, 1
            )
            is not None
        )
        self.offboarding_tiers_computable = computable

    @api.constrains("offboarding_run_workers")
    def _check_offboarding_run_workers(self):
        for settings in self:
            if not 0 <= settings.offboarding_run_workers <= MAX_RUN_WORKERS:
                raise ValidationError(
                    self.env._(
                        "Rule run workers must be between 0 (automatic) and %(max)s.",
                        max=MAX_RUN_WORKERS,
                    )
                )

    def action_offboarding_compute_tiers(self):
        """Queue a recomputation of the current company's value tiers (the
        scheduled action runs it in the background). Offboarding managers."""
        require_group(
            self.env,
            MANAGER_GROUP,
            self.env._("Only offboarding managers can recompute value tiers."),
        )
        company = self.env.company
        company.sudo()._offboarding_set_tier_cursor(0, False)
        self.env.execute_query(
            SQL(
                "UPDATE res_company SET offboarding_tier_date = NULL WHERE id = %s",
                company.id,
            )
        )
        company.invalidate_recordset(["offboarding_tier_date"])
        self.env.ref("customer_offboarding.ir_cron_compute_tiers").sudo()._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._(
                    "Value tiers are being recomputed in the background."
                ),
            },
        }
