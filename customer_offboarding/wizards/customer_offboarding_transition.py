from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..const import OPERATION_SELECTION, OPERATIONS


class CustomerOffboardingTransition(models.TransientModel):
    _name = "customer.offboarding.transition"
    _description = "Change Customers' Offboarding Status"

    operation = fields.Selection(OPERATION_SELECTION, required=True)
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        required=True,
        context={"active_test": False},
    )
    partner_count = fields.Integer(compute="_compute_partner_count")
    needs_reason = fields.Boolean(compute="_compute_needs_reason")
    reason_id = fields.Many2one(
        "customer.offboarding.reason",
        domain="[('company_id', 'in', [False, company_id])]",
        help="Why these customers are offboarded. It is recorded on the case and "
        "explained to the customer in notices. Required to flag; starting or "
        "retiring without one keeps the reason of the customer's case.",
    )
    end_date = fields.Date(
        string="Service End Date",
        default=lambda self: (
            fields.Date.context_today(self)
            + timedelta(days=self.env.company.offboarding_notice_days)
        ),
        help="The last day of service announced to the customer. Defaults to "
        "today plus the notice period set in Settings.",
    )
    note = fields.Text(help="Recorded on the event and in the chatter.")
    company_id = fields.Many2one(
        "res.company",
        default=lambda self: self.env.company,
        readonly=True,
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "partner_ids" in fields_list and not values.get("partner_ids"):
            if self.env.context.get("active_model") == "res.partner":
                # The companies of the selected contacts (a contact's status is
                # its company's), as x2many commands: the web client reads
                # them with its field spec.
                active_ids = self.env.context.get("active_ids") or []
                partners = (
                    self.env["res.partner"]
                    .with_context(active_test=False)
                    .browse(i for i in active_ids if isinstance(i, int))
                    .exists()
                )
                values["partner_ids"] = [
                    fields.Command.set(partners.commercial_partner_id.ids)
                ]
        return values

    @api.depends("partner_ids")
    def _compute_partner_count(self):
        for wizard in self:
            wizard.partner_count = len(wizard.partner_ids)

    @api.depends("operation")
    def _compute_needs_reason(self):
        for wizard in self:
            operation = OPERATIONS.get(wizard.operation)
            wizard.needs_reason = bool(operation and operation.reason)

    def action_confirm(self):
        """Apply the chosen transition through the partners' public methods."""
        self.ensure_one()
        partners = self.partner_ids
        if not partners:
            raise UserError(self.env._("Select the customers to change."))
        operation = OPERATIONS[self.operation]
        kwargs = {"note": self.note or None}
        if operation.reason:
            kwargs["reason_code"] = self.reason_id.code or None
        if operation.takes_end_date:
            kwargs["end_date"] = self.end_date
        getattr(partners, f"offboarding_{operation.name}")(**kwargs)
        return {"type": "ir.actions.act_window_close"}
