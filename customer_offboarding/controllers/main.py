import logging

from werkzeug.exceptions import TooManyRequests

from odoo import http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request

from ..tools.rate_limit import RateLimiter

_logger = logging.getLogger(__name__)

# Requests allowed per link (case and purpose) and window: the page, the
# export file and the forms; and per client address, all links together.
# Kept per worker process; see README "Limits".
RATE_LIMITS = {"view": 30, "export": 5, "stay": 5, "keep_in_touch": 10}
RATE_LIMIT_PER_ADDRESS = 120
RATE_WINDOW = 600  # seconds

rate_limiter = RateLimiter(RATE_WINDOW)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Odoo's own frame protection (as /web/login sends it): the page's one-click
# forms cannot be clicked through another site's frame.
PAGE_HEADERS = [
    ("Cache-Control", "no-store"),
    ("X-Robots-Tag", "noindex, nofollow"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("Content-Security-Policy", "frame-ancestors 'self'"),
]


class CustomerOffboardingPortal(http.Controller):
    """The customer's page: no login, a signed expiring link per purpose.

    GET only displays (mail scanners that prefetch links change nothing);
    every change is a POST with Odoo's CSRF token. An invalid, tampered,
    expired, revoked or foreign token gets the same 404 and changes nothing;
    an anonymous visitor never sees a server error's text.
    """

    def _get_case(self, purpose, token):
        case = request.env["customer.offboarding.case"]._get_case_from_token(
            purpose, token
        )
        if not case:
            raise request.not_found()
        address = request.httprequest.remote_addr or ""
        if not (
            rate_limiter.allow(("address", address), RATE_LIMIT_PER_ADDRESS)
            and rate_limiter.allow((purpose, case.id), RATE_LIMITS[purpose])
        ):
            raise TooManyRequests()
        lang = case.partner_id.lang
        if lang and lang in dict(request.env["res.lang"].get_installed()):
            request.update_context(lang=lang)
            case = case.with_context(lang=lang)
        return case.with_company(case.company_id)

    def _render_page(self, case, message=None):
        values = case._get_portal_values()
        values["message"] = message
        return request.render(
            "customer_offboarding.customer_page", values, headers=PAGE_HEADERS
        )

    def _change(self, case, method, *args):
        """Run a change the customer asked for; on a refusal, nothing is
        written and the page says so in general terms (the reason is logged)."""
        try:
            with request.env.cr.savepoint():
                getattr(case, method)(*args)
        except (AccessError, UserError, ValidationError):
            _logger.warning(
                "Customer offboarding page: %s refused for case %s",
                method,
                case.id,
                exc_info=True,
            )
            return False
        return True

    @http.route(
        "/offboarding/view/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
    )
    def page(self, token, **kwargs):
        case = self._get_case("view", token)
        done = kwargs.get("done")
        return self._render_page(
            case, message=done if done in ("stay", "keep", "unkeep") else None
        )

    @http.route(
        "/offboarding/export/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
    )
    def export(self, token, **kwargs):
        """The customer's data: a spreadsheet, or with ``?format=json`` the same
        data machine-readable."""
        case = self._get_case("export", token)
        if kwargs.get("format") == "json":
            content, filename = case._offboarding_export_json()
            content_type = "application/json; charset=utf-8"
        else:
            content, filename = case._offboarding_export_xlsx()
            content_type = XLSX_TYPE
        return request.make_response(
            content,
            headers=[
                ("Content-Type", content_type),
                ("Content-Disposition", http.content_disposition(filename)),
                *PAGE_HEADERS,
            ],
        )

    @http.route(
        "/offboarding/stay/<string:token>",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
    )
    def stay(self, token, message=None, **kwargs):
        case = self._get_case("stay", token)
        if not self._change(case, "_portal_request_stay", message):
            return self._render_page(case, message="error")
        if not case.is_open:
            # Approved at once (auto-approval): the case is closed and its
            # links no longer open; this answer is the last page.
            return self._render_page(case, message="stay")
        return request.redirect(case._get_portal_url("view") + "?done=stay")

    @http.route(
        "/offboarding/keep_in_touch/<string:token>",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
    )
    def keep_in_touch(self, token, keep=None, **kwargs):
        case = self._get_case("keep_in_touch", token)
        if not self._change(case, "_portal_set_keep_in_touch", keep == "1"):
            return self._render_page(case, message="error")
        done = "keep" if keep == "1" else "unkeep"
        return request.redirect(case._get_portal_url("view") + f"?done={done}")
