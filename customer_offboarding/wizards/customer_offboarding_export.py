import base64

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..const import MANAGER_GROUP
from ..tools.guard import require_group
from ..tools.xlsx import DATE, DATETIME, MONEY, TEXT, write_workbook

MAX_ROWS = 100000


class CustomerOffboardingExport(models.TransientModel):
    """Managers' XLSX export of the offboarding columns of selected partners."""

    _name = "customer.offboarding.export"
    _description = "Export Customers' Offboarding Data"

    file = fields.Binary(readonly=True, attachment=False)
    filename = fields.Char(readonly=True)

    @api.model
    def _check_manager(self):
        require_group(
            self.env,
            MANAGER_GROUP,
            self.env._("Only offboarding managers can export offboarding data."),
        )

    @api.model
    def action_export_partners(self, partner_ids):
        """Export ``partner_ids`` (their companies) to XLSX and download it."""
        self._check_manager()
        if not isinstance(partner_ids, list) or not all(
            isinstance(pid, int) for pid in partner_ids
        ):
            raise UserError(self.env._("Select the customers to export."))
        partners = self.env["res.partner"].browse(partner_ids).exists()
        if not partners:
            raise UserError(self.env._("Select the customers to export."))
        if len(partners) > MAX_ROWS:
            raise UserError(
                self.env._(
                    "Export at most %(count)s customers at a time.", count=MAX_ROWS
                )
            )
        partners.check_access("read")
        commercial = partners.with_context(active_test=False).commercial_partner_id
        return self._download(commercial)

    @api.model
    def action_export_cases(self, case_ids):
        """Export the customers of ``case_ids`` to XLSX and download it."""
        self._check_manager()
        if not isinstance(case_ids, list) or not all(
            isinstance(cid, int) for cid in case_ids
        ):
            raise UserError(self.env._("Select the cases to export."))
        cases = self.env["customer.offboarding.case"].browse(case_ids).exists()
        if not cases:
            raise UserError(self.env._("Select the cases to export."))
        cases.check_access("read")
        return self._download(cases.partner_id)

    @api.model
    def _download(self, partners):
        content = self._build(partners)
        today = fields.Date.to_string(fields.Date.context_today(self))
        wizard = self.create(
            {
                "file": base64.b64encode(content),
                "filename": self.env._("offboarding-%(date)s.xlsx", date=today),
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": (
                f"/web/content/{self._name}/{wizard.id}/file/"
                f"{wizard.filename}?download=true"
            ),
            "target": "download",
        }

    @api.model
    def _build(self, partners):
        """The XLSX bytes: one row per customer with its open (or last) case."""
        company = self.env.company
        partners = partners.with_context(active_test=False).sudo()
        cases = (
            self.env["customer.offboarding.case"]
            .sudo()
            .search(
                [("partner_id", "in", partners.ids), ("company_id", "=", company.id)],
                order="id",
            )
        )
        last_case = {case.partner_id.id: case for case in cases}
        revenue = self._get_revenue(partners, company)
        last_activity = self._get_last_activity(partners)
        labels = {
            name: dict(partners._fields[name]._description_selection(self.env))
            for name in ("offboarding_state", "offboarding_tier")
        }
        rows = [
            self._row(partner, last_case.get(partner.id), labels)
            + [revenue.get(partner.id), last_activity.get(partner.id)]
            for partner in partners.with_company(company)
        ]
        return write_workbook(
            [
                {
                    "name": self.env._("Customers"),
                    "columns": self._columns(company),
                    "rows": rows,
                }
            ]
        )

    @api.model
    def _columns(self, company):
        _ = self.env._
        return [
            (_("Customer"), TEXT),
            (_("Email"), TEXT),
            (_("Offboarding Status"), TEXT),
            (_("Reason"), TEXT),
            (_("Value Tier"), TEXT),
            (_("Opened On"), DATETIME),
            (_("Notice Date"), DATE),
            (_("Service End Date"), DATE),
            (_("Retired On"), DATE),
            (_("Archived On"), DATE),
            (_("Owner"), TEXT),
            (
                _(
                    "Revenue (%(months)s months)",
                    months=company.offboarding_tier_months,
                ),
                MONEY,
            ),
            (_("Last Activity"), DATETIME),
        ]

    @api.model
    def _row(self, partner, case, labels):
        """The customer's columns up to the owner (``case``: its last case)."""
        return [
            partner.display_name,
            partner.email,
            labels["offboarding_state"].get(partner.offboarding_state, ""),
            case.reason_id.name if case else "",
            labels["offboarding_tier"].get(partner.offboarding_tier, ""),
            case.flag_date if case else None,
            case.notice_date if case else None,
            case.end_date if case else None,
            case.retired_date if case else None,
            case.archived_date if case else None,
            (case.user_id if case else partner.user_id).name,
        ]

    @api.model
    def _get_revenue(self, partners, company):
        if not partners:
            return {}
        date_from = fields.Date.context_today(self) - relativedelta(
            months=company.offboarding_tier_months
        )
        ids = partners.ids
        self.env.flush_all()
        revenue = self.env["customer.offboarding.tier"]._revenue_sql(
            company, date_from, min(ids), max(ids) + 1
        )
        if revenue is None:
            return {}
        rows = self.env.execute_query(
            SQL(
                "SELECT r.partner_id, r.revenue FROM (%s) r"
                " WHERE r.partner_id = ANY(%s)",
                revenue,
                ids,
            )
        )
        return dict(rows)

    @api.model
    def _get_last_activity(self, partners):
        self.env.flush_all()
        sql = self.env["customer.offboarding.criteria"]._last_activity_sql(partners.ids)
        rows = self.env.execute_query(
            SQL(
                "SELECT a.partner_id, MAX(a.date) FROM (%s) a(partner_id, date)"
                " GROUP BY a.partner_id",
                sql,
            )
        )
        return dict(rows)
