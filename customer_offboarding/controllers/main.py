import hashlib
import threading
import time
from collections import defaultdict, deque

from werkzeug.exceptions import TooManyRequests

from odoo import http
from odoo.http import request

# Requests allowed per token and window: the page, the export file and the
# forms. Kept per worker process; see README "Limits".
RATE_LIMITS = {"view": 30, "export": 5, "stay": 5, "keep_in_touch": 10}
RATE_WINDOW = 600  # seconds


class _RateLimiter:
    """A sliding window of hits per token, in memory, thread-safe."""

    def __init__(self):
        self._hits = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, purpose, token, now=None):
        now = time.monotonic() if now is None else now
        key = (purpose, hashlib.sha256(token.encode()).hexdigest())
        with self._lock:
            hits = self._hits[key]
            while hits and now - hits[0] > RATE_WINDOW:
                hits.popleft()
            if len(hits) >= RATE_LIMITS[purpose]:
                return False
            hits.append(now)
            if len(self._hits) > 10000:
                # Forget idle tokens so that memory stays bounded.
                for stale in [k for k, v in self._hits.items() if not v]:
                    del self._hits[stale]
            return True

    def reset(self):
        with self._lock:
            self._hits.clear()


rate_limiter = _RateLimiter()


class CustomerOffboardingPortal(http.Controller):
    """The customer's page: no login, a signed expiring link per purpose.

    GET only displays (mail scanners that prefetch links change nothing);
    every change is a POST with Odoo's CSRF token. An invalid, tampered,
    expired or foreign token gets the same 404 and changes nothing.
    """

    def _get_case(self, purpose, token):
        case = request.env["customer.offboarding.case"]._get_case_from_token(
            purpose, token
        )
        if not case:
            raise request.not_found()
        if not rate_limiter.allow(purpose, token):
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
            "customer_offboarding.customer_page",
            values,
            headers=[
                ("Cache-Control", "no-store"),
                ("X-Robots-Tag", "noindex, nofollow"),
                ("Referrer-Policy", "no-referrer"),
            ],
        )

    @http.route(
        "/offboarding/view/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
    )
    def page(self, token, **kwargs):
        case = self._get_case("view", token)
        return self._render_page(case, message=kwargs.get("done"))

    @http.route(
        "/offboarding/export/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
    )
    def export(self, token, **kwargs):
        case = self._get_case("export", token)
        content, filename = case._offboarding_export_xlsx()
        return request.make_response(
            content,
            headers=[
                (
                    "Content-Type",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                ("Content-Disposition", http.content_disposition(filename)),
                ("Cache-Control", "no-store"),
                ("X-Robots-Tag", "noindex, nofollow"),
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
        case._portal_request_stay(message)
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
        case._portal_set_keep_in_touch(keep == "1")
        done = "keep" if keep == "1" else "unkeep"
        return request.redirect(case._get_portal_url("view") + f"?done={done}")
