from odoo import api, models
from odoo.exceptions import AccessError, UserError

from ..tools.guard import check_integer_values, is_internal


class CustomerOffboardingGuard(models.AbstractModel):
    """The one guard every write of the addon's records goes through.

    ACLs grant write on a whole model, and ``readonly`` is a promise of the
    views only: over RPC, any field of a writable model can be written. The
    records of the addon carry a state machine and a ledger, so only the
    fields people edit on purpose are writable by them; the others are
    written by the models' own methods, as superuser after their own checks.
    The company (and the customer, the case) a record belongs to is fixed
    once it exists: Odoo checks record rules on a record before a write, not
    on the company it is moved to.
    """

    _name = "customer.offboarding.guard"
    _description = "Customer Offboarding Write Guard"

    # Fields people may write (forms, RPC); None: every field but the
    # system-written ones of _offboarding_system_fields.
    _offboarding_user_fields = ()
    _offboarding_system_fields = ()
    # Fields set at creation, never changed afterwards.
    _offboarding_fixed_fields = ("company_id",)
    # Fields people may give at creation; None: any.
    _offboarding_create_fields = None

    @api.model_create_multi
    def create(self, vals_list):
        own = self.env.su or is_internal(self.env)
        for vals in vals_list:
            check_integer_values(self, vals)
            if own:
                continue
            if self._offboarding_create_fields is not None:
                allowed = set(self._offboarding_create_fields)
                self._offboarding_refuse(set(vals) - allowed)
            self._offboarding_check_company_value(vals)
        return super().create(vals_list)

    def _offboarding_check_company_value(self, vals):
        """A record is created in one of the user's companies: refused before
        anything is written (Odoo's record rules check it after the insert)."""
        company_id = vals.get("company_id")
        if not company_id or "company_id" not in self._fields:
            return
        if company_id not in self.env.user.company_ids.ids:
            raise AccessError(
                self.env._(
                    "%(model)s: you cannot create records in a company that is "
                    "not yours.",
                    model=self._offboarding_model_label(),
                )
            )

    def write(self, vals):
        check_integer_values(self, vals)
        self._offboarding_check_fixed(vals)
        if not (self.env.su or is_internal(self.env)):
            self._offboarding_check_user_fields(vals)
        return super().write(vals)

    def _offboarding_writable_fields(self):
        if self._offboarding_user_fields is None:
            return set(self._fields) - set(self._offboarding_system_fields)
        return set(self._offboarding_user_fields)

    def _offboarding_check_user_fields(self, vals):
        self._offboarding_refuse(set(vals) - self._offboarding_writable_fields())

    def _offboarding_model_label(self):
        return self.env["ir.model"]._get(self._name).name

    def _offboarding_refuse(self, names):
        """Refuse writing the fields ``names``, naming them."""
        refused = sorted(names)
        if refused:
            raise AccessError(
                self.env._(
                    "%(model)s: %(fields)s cannot be changed by hand; the "
                    "offboarding actions set them, so that every change is "
                    "recorded.",
                    model=self._offboarding_model_label(),
                    fields=", ".join(
                        self._fields[name]._description_string(self.env)
                        if name in self._fields
                        else name
                        for name in refused
                    ),
                )
            )

    def _offboarding_check_fixed(self, vals):
        for name in self._offboarding_fixed_fields:
            if name not in vals:
                continue
            field = self._fields[name]
            new = field.convert_to_record(
                field.convert_to_cache(vals[name], self), self
            )
            if any(record[name] != new for record in self):
                raise UserError(
                    self.env._(
                        "%(model)s: the %(field)s of a record cannot be changed "
                        "once it exists.",
                        model=self._offboarding_model_label(),
                        field=field._description_string(self.env),
                    )
                )
