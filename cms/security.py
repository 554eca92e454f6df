"""Security headers the framework does not send by itself.

Django's SecurityMiddleware already sends X-Content-Type-Options: nosniff, Referrer-Policy
(same-origin) and Cross-Origin-Opener-Policy (same-origin), and XFrameOptionsMiddleware
X-Frame-Options: DENY; production adds HSTS and secure cookies. This middleware adds:

- a Content-Security-Policy on every HTML page. The public site, the portal and the
  directory run only the site's own scripts (no inline script, no other origin), load nothing
  from elsewhere, post forms only to the site and may not be framed. The Wagtail admin, whose
  own pages carry inline scripts, gets the parts of the policy it can live with: no plugins,
  no foreign <base>, forms only to the site, framed only by itself (its page previews).
- a policy on an SVG opened on its own (a plan drawing): it may run nothing and load nothing
  but images of the site;
- a Permissions-Policy switching off the browser features no page here uses.
"""

from __future__ import annotations

SITE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        # Plans colour their units with style attributes, and the directory dims the shops
        # a search leaves out with a small <style>: styles cannot run code.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "media-src 'self'",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
ADMIN_POLICY = "; ".join(
    (
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    )
)
# An SVG opened on its own is a document that could run script: ours never do, and may not.
SVG_POLICY = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "camera",
        "microphone",
        "geolocation",
        "payment",
        "usb",
    )
)


ADMIN_PREFIX = "/admin/"  # config.urls


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html"):
            policy = ADMIN_POLICY if request.path.startswith(ADMIN_PREFIX) else SITE_POLICY
            response.headers.setdefault("Content-Security-Policy", policy)
        elif content_type.startswith("image/svg+xml"):
            response.headers.setdefault("Content-Security-Policy", SVG_POLICY)
        return response
