"""Fetch a listing image over http(s) with a byte cap, for `markwatch detect`.

Detectors are pure and never touch the network; this is the composition root's
side of image analysis. Every failure is an `ImageFetchError` whose message can go
straight into a Finding's errors.
"""

from __future__ import annotations

import httpx

from netpolicy import AddressPolicy
from netpolicy.http import PinnedTransport, PolicyError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_TIMEOUT = 15.0


class ImageFetchError(RuntimeError):
    """The image could not be fetched (network, status, size or scheme)."""


def is_url(name: str) -> bool:
    return name.startswith(("http://", "https://"))


def fetch_image(
    url: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
    client: httpx.Client | None = None,
    policy: AddressPolicy | None = None,
) -> bytes:
    """The body of `url`, refusing anything over `max_bytes` without reading it all.

    Every request, redirects included, must pass `policy` (no internal addresses), and the
    connection goes to the address that was checked.
    """
    if not is_url(url):
        raise ImageFetchError(f"not an http(s) URL: {url}")
    owned = client is None
    http = client or httpx.Client(
        timeout=timeout,
        follow_redirects=True,
        headers={"User-Agent": "MarkWatch image fetch"},
        transport=PinnedTransport(policy or AddressPolicy()),
    )
    try:
        with http.stream("GET", url) as response:
            if response.status_code != 200:
                raise ImageFetchError(f"HTTP {response.status_code} for {url}")
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise ImageFetchError(f"image too large: {declared} bytes > limit {max_bytes}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > max_bytes:  # a lying or absent Content-Length
                    raise ImageFetchError(f"image too large: over the {max_bytes} byte limit")
            return bytes(body)
    except PolicyError as exc:
        raise ImageFetchError(str(exc.blocked)) from None
    except httpx.HTTPError as exc:
        raise ImageFetchError(f"cannot fetch {url}: {exc}") from None
    finally:
        if owned:
            http.close()
