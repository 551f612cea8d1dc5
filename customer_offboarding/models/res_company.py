from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..const import NOTICE_MODES
from ..tools.guard import check_integer_values, check_range

# Upper bounds of the day counts of Settings.
OFFBOARDING_DAY_BOUNDS = {
    "offboarding_notice_days": 3650,
    "offboarding_call_days": 365,
    "offboarding_reminder_days": 365,
    "offboarding_retention_days": 36500,
    "offboarding_link_days": 3650,
    "offboarding_cooldown_days": 3650,
}


class ResCompany(models.Model):
    _inherit = "res.company"

    offboarding_notice_days = fields.Integer(
        string="Offboarding Notice Period (days)",
        default=30,
        help="Days between the start of a customer's offboarding notice and "
        "the end of service, when no end date is given.",
    )
    # Value tiers
    offboarding_tier_months = fields.Integer(
        string="Tier Revenue Period (months)",
        default=12,
        help="Value tiers compare the revenue of the last this many months "
        "with the thresholds.",
    )
    offboarding_tier_high_amount = fields.Monetary(
        string="High Tier From",
        currency_field="currency_id",
        default=10000.0,
        help="Customers whose revenue over the period reaches this amount "
        "(company currency) are in the high tier.",
    )
    offboarding_tier_mid_amount = fields.Monetary(
        string="Mid Tier From",
        currency_field="currency_id",
        default=1000.0,
        help="Customers whose revenue over the period reaches this amount, but "
        "not the high tier's, are in the mid tier; the others are low.",
    )
    offboarding_mode_high = fields.Selection(
        NOTICE_MODES,
        string="High Tier Notices",
        default="personal",
        required=True,
    )
    offboarding_mode_mid = fields.Selection(
        NOTICE_MODES,
        string="Mid Tier Notices",
        default="standard",
        required=True,
    )
    offboarding_mode_low = fields.Selection(
        NOTICE_MODES,
        string="Low Tier Notices",
        default="automated",
        required=True,
    )
    offboarding_call_days = fields.Integer(
        string="Personal Call Deadline (days)",
        default=5,
        help="Personal notices: days the owner has to call the customer; the "
        "notice waits for a manager's approval.",
    )
    offboarding_manager_id = fields.Many2one(
        "res.users",
        help="Owner of the personal call and sender of personal notices for "
        "customers without a salesperson; approver of personal notices.",
    )
    offboarding_contact_id = fields.Many2one(
        "res.partner",
        string="Support Contact",
        help="The human contact named in standard notices when the customer "
        "has no salesperson. Defaults to the company itself.",
    )
    offboarding_reminder_days = fields.Integer(
        string="Service-End Reminder (days before)",
        default=7,
        help="Send the service-end reminder this many days before the end date "
        "(0: no reminder).",
    )
    offboarding_retention_days = fields.Integer(
        string="Data Retention (days after service end)",
        default=365,
        help="Personal data of a retired customer is anonymized this many days "
        "after the end of service; notices announce this date.",
    )
    offboarding_retention_policy = fields.Text(
        string="Data Disposal Plan",
        translate=True,
        help="What is kept and what is anonymized, as told to the customer. "
        "Leave empty for the standard wording (invoices and accounting records "
        "kept as the law requires, with their tax ID, bank account and audit "
        "trail; name, contact details, addresses, images, the contact record's "
        "notes and tags, other bank accounts and the customer's messages "
        "anonymized, portal account closed, a do-not-email entry kept), which "
        "is translated into the customer's language.",
    )
    offboarding_link_days = fields.Integer(
        string="Customer Link Validity (days after service end)",
        default=90,
        help="The links in notices stop working this many days after the end "
        "of service.",
    )
    offboarding_auto_approve = fields.Boolean(
        string="Auto-approve Mid and Low Tier Requests",
        help="Reactivation requests of mid and low tier customers are approved "
        "as soon as they are submitted. High tier requests always need a "
        "manager.",
    )
    offboarding_cooldown_days = fields.Integer(
        string="Reactivation Cooldown (days)",
        default=90,
        help="After a reactivation, no rule flags the customer again for this "
        "many days.",
    )

    # The value-tier scheduled action's progress (written in SQL: a write of
    # res.company may clear every worker's caches).
    offboarding_tier_cursor = fields.Integer(
        string="Value Tier Cursor",
        readonly=True,
        default=0,
        help="Technical: the next partner id the value-tier scheduled action "
        "computes in this company.",
    )
    offboarding_tier_date = fields.Date(
        string="Value Tiers Computed On",
        readonly=True,
        help="The day the scheduled action last computed every value tier of "
        "this company.",
    )
    offboarding_dispose_cursor = fields.Integer(
        string="Data Disposal Cursor",
        readonly=True,
        default=0,
        help="Technical: the last customer id the data-disposal scheduled action "
        "went through in this company today.",
    )
    offboarding_dispose_date = fields.Date(
        string="Data Disposal Done On",
        readonly=True,
        help="The day the data-disposal scheduled action last went through every "
        "customer due in this company.",
    )

    _sql_constraints = [
        (
            "offboarding_notice_days_positive",
            "CHECK(offboarding_notice_days >= 0)",
            "The offboarding notice period cannot be negative.",
        ),
        (
            "offboarding_tier_months_positive",
            "CHECK(offboarding_tier_months > 0)",
            "The tier revenue period must be at least one month.",
        ),
        (
            "offboarding_tier_thresholds",
            "CHECK(offboarding_tier_mid_amount >= 0"
            " AND offboarding_tier_high_amount >= offboarding_tier_mid_amount)",
            "The tier thresholds cannot be negative, and the high tier threshold "
            "cannot be below the mid tier's.",
        ),
        (
            "offboarding_days_positive",
            "CHECK(offboarding_call_days >= 0 AND offboarding_reminder_days >= 0"
            " AND offboarding_retention_days >= 0 AND offboarding_link_days >= 0"
            " AND offboarding_cooldown_days >= 0)",
            "Offboarding day counts cannot be negative.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_integer_values(self, vals)
        return super().create(vals_list)

    def write(self, vals):
        check_integer_values(self, vals)
        return super().write(vals)

    @api.constrains(*OFFBOARDING_DAY_BOUNDS)
    def _check_offboarding_days(self):
        """Day counts whose dates stay in the calendar (notices compute end of
        service + retention and + link validity)."""
        for company in self:
            for name, high in OFFBOARDING_DAY_BOUNDS.items():
                check_range(company, name, 0, high)

    @api.constrains("offboarding_tier_months")
    def _check_offboarding_tier_months(self):
        for company in self:
            check_range(company, "offboarding_tier_months", 1, 1200)

    @api.constrains("offboarding_manager_id", "offboarding_contact_id")
    def _check_offboarding_people(self):
        for company in self:
            manager = company.offboarding_manager_id
            if manager and company not in manager.sudo().company_ids:
                raise ValidationError(
                    self.env._(
                        "The Offboarding Manager %(user)s does not work for "
                        "%(company)s.",
                        user=manager.name,
                        company=company.name,
                    )
                )
            contact = company.offboarding_contact_id
            if contact.company_id and contact.company_id != company:
                raise ValidationError(
                    self.env._(
                        "The Support Contact %(contact)s belongs to another company.",
                        contact=contact.name,
                    )
                )

    def _offboarding_set_cursor(self, job, cursor, done_on):
        """Move the cursor of a batch scheduled action (``job``: ``tier`` or
        ``dispose``) and, when given, the day it went through the company.
        Written in SQL: no ORM write (and its checks and caches) per batch."""
        self.ensure_one()
        cursor_field = f"offboarding_{job}_cursor"
        date_field = f"offboarding_{job}_date"
        self.env.execute_query(
            SQL(
                "UPDATE res_company SET %s = %s, %s = COALESCE(%s, %s) WHERE id = %s",
                SQL.identifier(cursor_field),
                cursor,
                SQL.identifier(date_field),
                done_on or None,
                SQL.identifier(date_field),
                self.id,
            )
        )
        self.invalidate_recordset([cursor_field, date_field])

    def _offboarding_set_tier_cursor(self, cursor, computed_on):
        self._offboarding_set_cursor("tier", cursor, computed_on)

    def _offboarding_set_dispose_cursor(self, cursor, done_on):
        self._offboarding_set_cursor("dispose", cursor, done_on)

    def _offboarding_retention_text(self):
        """What is kept and what is anonymized, in the current language."""
        self.ensure_one()
        return self.offboarding_retention_policy or self.env._(
            "We keep the invoices and accounting records the law requires us to "
            "keep, with the tax ID and bank account they show and their audit "
            "trail. We anonymize your name, contact details, addresses, images, "
            "the notes and tags of your contact record, your other bank accounts, "
            "the messages you wrote us and those on your contact record, and "
            "close your portal account. If you asked us not to email you, your "
            "address stays on our do-not-email list, so that we never email it "
            "again."
        )

    def _offboarding_responsible(self):
        """Who gets offboarding work nobody else owns: the Offboarding Manager of
        Settings, else the user at work (not the scheduler's superuser), else
        the administrator."""
        self.ensure_one()
        if self.offboarding_manager_id:
            return self.offboarding_manager_id
        user = self.env.user
        if not user._is_superuser() and not user.share:
            return user
        return self.env.ref("base.user_admin", raise_if_not_found=False) or user

    def _offboarding_mode(self, tier):
        """How customers of ``tier`` are told (an unset tier counts as mid)."""
        self.ensure_one()
        return self[f"offboarding_mode_{tier or 'mid'}"]
