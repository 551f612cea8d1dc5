from odoo import fields, models


class CustomerReactivationRequestWizard(models.TransientModel):
    """Salespeople: ask for offboarded customers to be reactivated."""

    _name = "customer.reactivation.request.wizard"
    _description = "Ask to Reactivate Customers"

    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        required=True,
        context={"active_test": False},
    )
    message = fields.Text(
        help="Why the customer should stay: the approver reads this.",
    )

    def action_submit(self):
        self.ensure_one()
        requests = self.env["customer.reactivation.request"]._request_from_partners(
            self.partner_ids.ids, message=self.message
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_offboarding.customer_reactivation_request_action"
        )
        action["domain"] = [("id", "in", requests.ids)]
        return action
