"""DRF throttles keyed on the one client address (``core.clients.client_address``).

Use these instead of DRF's own classes. (``REST_FRAMEWORK["NUM_PROXIES"]`` is set from
``TRUSTED_PROXY_COUNT`` too, so a stock DRF throttle reads ``X-Forwarded-For`` by the same rule.)
"""

from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

from core.clients import client_address


class ClientAddressIdentMixin:
    def get_ident(self, request) -> str:
        return client_address(getattr(request, "_request", request))


class ClientScopedRateThrottle(ClientAddressIdentMixin, ScopedRateThrottle):
    pass


class ClientAnonRateThrottle(ClientAddressIdentMixin, AnonRateThrottle):
    pass


class ClientUserRateThrottle(ClientAddressIdentMixin, UserRateThrottle):
    pass
