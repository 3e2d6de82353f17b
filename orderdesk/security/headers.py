"""Security headers Django's SecurityMiddleware does not send: Content-Security-Policy and
Permissions-Policy (Referrer-Policy and Cross-Origin-Opener-Policy come from Django's
SECURE_REFERRER_POLICY and SECURE_CROSS_ORIGIN_OPENER_POLICY settings).

No script runs inline: every script is a static file, htmx's indicator styles live in
orderdesk.css (``htmx-config`` meta in base.html), and htmx trigger filters that would
need ``eval`` are custom events sent by static/js/orderdesk.js.
"""

from django.conf import settings


def policy_header(directives: dict[str, list[str]]) -> str:
    return "; ".join(
        " ".join([name, *values]) if values else name for name, values in directives.items()
    )


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = policy_header(settings.CONTENT_SECURITY_POLICY)
        self.csp_header = (
            "Content-Security-Policy-Report-Only"
            if settings.CONTENT_SECURITY_POLICY_REPORT_ONLY
            else "Content-Security-Policy"
        )
        self.permissions = ", ".join(
            f"{feature}=({' '.join(allow)})"
            for feature, allow in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(self.csp_header, self.csp)
        response.headers.setdefault("Permissions-Policy", self.permissions)
        return response
