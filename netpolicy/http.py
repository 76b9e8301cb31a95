"""httpx transport that checks every request (redirects included) and connects to the
checked address: the URL's host is replaced by the pinned IP, the Host header and the TLS
server name stay the original name, so certificates are still verified against it.
"""

from __future__ import annotations

import httpx

from netpolicy import AddressPolicy, BlockedAddress


class PolicyError(httpx.TransportError):
    """A request the policy refused; `blocked` carries the target and the reason."""

    def __init__(self, blocked: BlockedAddress, request: httpx.Request) -> None:
        super().__init__(str(blocked), request=request)
        self.blocked = blocked


class PinnedTransport(httpx.BaseTransport):
    def __init__(self, policy: AddressPolicy, inner: httpx.BaseTransport | None = None) -> None:
        self.policy = policy
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            pinned = self.policy.pin_url(str(request.url))
        except BlockedAddress as exc:
            raise PolicyError(exc, request) from None
        request.url = request.url.copy_with(host=pinned.address)
        # httpx set Host from the URL when the request was built; keep the name there.
        request.headers.setdefault("Host", _host_header(request, pinned.host))
        if request.url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": pinned.host}
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def _host_header(request: httpx.Request, host: str) -> str:
    default = 443 if request.url.scheme == "https" else 80
    port = request.url.port
    name = f"[{host}]" if ":" in host else host
    return name if port in (None, default) else f"{name}:{port}"


def pinned_client(policy: AddressPolicy, **kwargs: object) -> httpx.Client:
    """An httpx.Client whose every connection goes through the policy."""
    inner = kwargs.pop("transport", None)
    return httpx.Client(transport=PinnedTransport(policy, inner), **kwargs)  # type: ignore[arg-type]
