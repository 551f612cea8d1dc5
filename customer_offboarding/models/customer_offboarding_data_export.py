import json

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.xlsx import DATE, DATETIME, MONEY, NUMBER, TEXT, plain, write_workbook

# The export holds at most this many messages; the cover sheet says so.
EXPORT_MAX_MESSAGES = 5000
# The machine-readable file: its format's name and version (a new version when
# a key is renamed or removed; added keys keep it).
JSON_SCHEMA = "customer_offboarding.data_export"
JSON_SCHEMA_VERSION = 1


class CustomerOffboardingDataExport(models.AbstractModel):
    """The file of a customer's own data, downloaded from their page: a cover
    saying what it holds, then one sheet per kind of data. Each sheet is a
    dict {"name", "columns": [(header, type)], "rows", "cut_short"?}; bridge
    modules add theirs (orders, invoices, payments) in ``_sheets``.

    Called as superuser by the customer's page once its link is verified:
    everything here is scoped to the case's customer and company.
    """

    _name = "customer.offboarding.data.export"
    _description = "Customer Offboarding Data Export"

    @api.model
    def _xlsx(self, case):
        """(bytes, file name) of the customer's data, in the current language."""
        sheets = self._sheets(case)
        content = write_workbook(sheets, cover=self._cover(case, sheets))
        name = (case.partner_id.name or "data").replace("/", "-")
        return content, self.env._("%(name)s - my data.xlsx", name=name)

    @api.model
    def _json(self, case):
        """(bytes, file name) of the same data as ``_xlsx``, machine-readable
        (GDPR art. 20): the cover's lines and every sheet, each row an object
        keyed by its column headers, dates in ISO 8601."""
        sheets = self._sheets(case)
        _title, cover = self._cover(case, sheets)
        document = {
            "schema": JSON_SCHEMA,
            "schema_version": JSON_SCHEMA_VERSION,
            "about": [{"label": label, "value": value} for label, value in cover],
            "sheets": [self._json_sheet(sheet) for sheet in sheets],
        }
        content = json.dumps(document, ensure_ascii=False, indent=1).encode()
        name = (case.partner_id.name or "data").replace("/", "-")
        return content, self.env._("%(name)s - my data.json", name=name)

    @api.model
    def _json_sheet(self, sheet):
        columns = sheet["columns"]
        return {
            "name": sheet["name"],
            "columns": [{"name": title, "type": kind} for title, kind in columns],
            "rows": [
                {
                    title: _json_value(kind, value)
                    for (title, kind), value in zip(columns, row, strict=True)
                }
                for row in sheet["rows"]
            ],
        }

    @api.model
    def _cover(self, case, sheets):
        """(title, [(label, value)]) of the cover sheet."""
        _ = self.env._
        now = fields.Datetime.context_timestamp(case, fields.Datetime.now())
        return (
            _("About this file"),
            [
                (_("Customer"), case.partner_id.display_name),
                (_("Produced by"), case.company_id.name),
                (_("Produced on"), now.strftime("%Y-%m-%d %H:%M %Z")),
                (
                    _("What is included"),
                    ", ".join(sheet["name"] for sheet in sheets),
                ),
                (
                    _("Not included"),
                    _(
                        "Internal notes of our staff, data about other customers "
                        "and what other companies keep about you."
                    ),
                ),
                *self._limits(sheets),
                (_("Data disposal date"), fields.Date.to_string(case.disposal_date)),
                (
                    _("Data disposal plan"),
                    case.company_id._offboarding_retention_text(),
                ),
            ],
        )

    @api.model
    def _limits(self, sheets):
        """Cover lines saying which sheets were cut short (a sheet says so with
        ``cut_short``: the number of rows it kept)."""
        return [
            (
                sheet["name"],
                self.env._(
                    "Only the first %(count)s are included; write to us for the "
                    "others.",
                    count=sheet["cut_short"],
                ),
            )
            for sheet in sheets
            if sheet.get("cut_short")
        ]

    @api.model
    def _sheets(self, case):
        """One dict per sheet; bridge modules append orders, invoices, payments."""
        family = self._partners(case)
        return [
            self._contact_sheet(case.partner_id),
            self._addresses_sheet(case.partner_id, family),
            self._contacts_sheet(family - case.partner_id),
            self._messages_sheet(case, family),
        ]

    @api.model
    def _partners(self, case):
        """The customer and its contacts (archived ones too), but the contacts
        another company keeps."""
        return (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search(
                [
                    ("commercial_partner_id", "=", case.partner_id.id),
                    ("company_id", "in", (False, case.company_id.id)),
                ],
                order="id",
            )
        )

    # ------------------------------------------------------------------
    # The sheets
    # ------------------------------------------------------------------

    @api.model
    def _contact_columns(self):
        _ = self.env._
        return [
            (_("Name"), TEXT),
            (_("Email"), TEXT),
            (_("Phone"), TEXT),
            (_("Mobile"), TEXT),
            (_("Job Position"), TEXT),
            (_("Website"), TEXT),
            (_("Tax ID"), TEXT),
            (_("Language"), TEXT),
            (_("Created On"), DATETIME),
        ]

    @api.model
    def _contact_row(self, partner):
        return [
            partner.name,
            partner.email,
            partner.phone,
            partner.mobile,
            partner.function,
            partner.website,
            partner.vat,
            partner.lang,
            partner.create_date,
        ]

    @api.model
    def _contact_sheet(self, partner):
        return {
            "name": self.env._("Contact Details"),
            "columns": self._contact_columns(),
            "rows": [self._contact_row(partner)],
        }

    @api.model
    def _contacts_sheet(self, contacts):
        return {
            "name": self.env._("Contacts"),
            "columns": self._contact_columns(),
            "rows": [self._contact_row(contact) for contact in contacts],
        }

    @api.model
    def _addresses_sheet(self, partner, family):
        _ = self.env._
        types = dict(partner._fields["type"]._description_selection(self.env))
        return {
            "name": _("Addresses"),
            "columns": [
                (_("Name"), TEXT),
                (_("Type"), TEXT),
                (_("Street"), TEXT),
                (_("Street 2"), TEXT),
                (_("ZIP"), TEXT),
                (_("City"), TEXT),
                (_("State"), TEXT),
                (_("Country"), TEXT),
            ],
            "rows": [
                [
                    p.name or partner.name,
                    types.get(p.type, ""),
                    p.street,
                    p.street2,
                    p.zip,
                    p.city,
                    p.state_id.name,
                    p.country_id.name,
                ]
                for p in family
                if p.street or p.city or p.zip or p.country_id
            ],
        }

    @api.model
    def _messages_sheet(self, case, family):
        _ = self.env._
        messages = self._messages(case, family)
        return {
            "name": _("Messages"),
            # The query reads one message more than the file keeps.
            "cut_short": len(messages) > EXPORT_MAX_MESSAGES and EXPORT_MAX_MESSAGES,
            "columns": [
                (_("Date"), DATETIME),
                (_("From"), TEXT),
                (_("Subject"), TEXT),
                (_("Message"), TEXT),
            ],
            "rows": [
                [
                    m.date,
                    m.author_id.display_name or m.email_from,
                    m.subject,
                    plain(m.body),
                ]
                for m in messages[:EXPORT_MAX_MESSAGES]
            ],
        }

    @api.model
    def _messages(self, case, family):
        """The messages the customer's people wrote, or that the case's company
        sent them, and that they could read: no internal note, nothing on
        another company's records or on another partner's record."""
        self.env.flush_all()
        staff = (
            self.env["res.users"]
            .sudo()
            .search([("share", "=", False), ("company_ids", "in", case.company_id.id)])
            .partner_id
            | case.company_id.partner_id
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT m.id
                  FROM mail_message m
                  LEFT JOIN mail_message_subtype st ON st.id = m.subtype_id
                 WHERE m.message_type IN ('email', 'comment', 'email_outgoing')
                   AND NOT COALESCE(m.is_internal, FALSE)
                   AND NOT COALESCE(st.internal, FALSE)
                   AND (m.record_company_id IS NULL
                        OR m.record_company_id = %(company)s)
                   AND (m.model IS DISTINCT FROM 'res.partner'
                        OR m.res_id = ANY(%(family)s))
                   AND (m.author_id = ANY(%(family)s)
                        OR (m.author_id = ANY(%(staff)s)
                            AND %(addressed)s))
                 ORDER BY m.date, m.id
                 LIMIT %(limit)s
                """,
                company=case.company_id.id,
                family=family.ids,
                staff=staff.ids,
                addressed=self._addressed_to_sql(family),
                limit=EXPORT_MAX_MESSAGES + 1,
            )
        )
        return self.env["mail.message"].browse(row[0] for row in rows)

    @api.model
    def _addressed_to_sql(self, family):
        """The message ``m`` was addressed to one of ``family``."""
        return SQL(
            """
            (EXISTS (SELECT 1 FROM mail_message_res_partner_rel r
                      WHERE r.mail_message_id = m.id
                        AND r.res_partner_id = ANY(%(family)s))
             OR EXISTS (SELECT 1 FROM mail_notification n
                         WHERE n.mail_message_id = m.id
                           AND n.res_partner_id = ANY(%(family)s)))
            """,
            family=family.ids,
        )


def _json_value(kind, value):
    """A cell as JSON: null when empty, numbers as numbers, dates in ISO 8601."""
    if value is None or value is False or value == "":
        return None
    if kind in (NUMBER, MONEY):
        return float(value)
    if kind == DATE:
        return fields.Date.to_string(fields.Date.to_date(value))
    if kind == DATETIME:
        return fields.Datetime.to_datetime(value).replace(microsecond=0).isoformat()
    return str(value)
