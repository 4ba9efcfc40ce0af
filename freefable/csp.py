"""The Content-Security-Policy header, built once per process.

django-csp builds the policy (and the report-only one) for every response. This site's policy
never varies: no nonces, no per-view overrides (nothing uses csp_update, csp_replace or
csp_exempt), so the header is a constant. Should a view ever use those decorators, the response
carries their attributes and django-csp's own code handles it.
"""

from functools import cached_property

from csp.constants import HEADER
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.conf import settings

PER_VIEW = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt", "_csp_config_ro", "_csp_update_ro")


class ConstantCSPMiddleware(CSPMiddleware):
    @cached_property
    def header(self) -> str:
        return build_policy()

    def process_request(self, request):
        """No nonce: the site has no inline script or style to allow."""

    def process_response(self, request, response):
        if any(hasattr(response, attr) for attr in PER_VIEW) or getattr(
            settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None
        ):
            super().process_request(request)
            return super().process_response(request, response)
        if response.status_code in (404, 500) and settings.DEBUG:
            return response  # Django's debug pages use inline styles
        if HEADER not in response:
            response[HEADER] = self.header
        return response
