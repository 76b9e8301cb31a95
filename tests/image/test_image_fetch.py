"""markwatch.image_fetch: byte caps and clear errors for http(s) listing images."""

from __future__ import annotations

import httpx
import pytest

from markwatch.image_fetch import ImageFetchError, fetch_image


def _client(handler: object) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))  # type: ignore[arg-type]


def test_fetches_the_body() -> None:
    client = _client(lambda request: httpx.Response(200, content=b"\xff\xd8jpeg"))
    assert fetch_image("https://img.example/a.jpg", client=client) == b"\xff\xd8jpeg"


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(404), "HTTP 404"),
        (httpx.Response(200, content=b"x" * 5000), "too large"),
        (httpx.Response(200, headers={"content-length": "999999999"}, content=b"x"), "too large"),
    ],
)
def test_refusals(response: httpx.Response, message: str) -> None:
    client = _client(lambda request: response)
    with pytest.raises(ImageFetchError, match=message):
        fetch_image("https://img.example/a.jpg", max_bytes=1000, client=client)


def test_network_errors_are_typed() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(ImageFetchError, match="cannot fetch"):
        fetch_image("https://img.example/a.jpg", client=_client(fail))


def test_only_http_urls() -> None:
    with pytest.raises(ImageFetchError, match="not an http"):
        fetch_image("file:///etc/passwd")
