"""Request signatures of the three open platforms.

All three sign the request's parameters sorted by name, concatenated as name+value with
no separators, and wrapped in the app secret:

- Taobao TOP (open.taobao.com/doc.htm?docId=101617, "API调用方法详解" section 签名算法):
  sign_method=md5: MD5(secret + k1v1k2v2... + secret); sign_method=hmac: HMAC-MD5 keyed
  with the secret over k1v1k2v2...; hex, upper case; `sign` itself is not signed.
- JD JOS / JD Union (jos.jd.com, "签名算法"): MD5(secret + k1v1... + secret), upper case;
  the business parameters travel as one JSON string in `360buy_param_json`.
- Pinduoduo POP (open.pinduoduo.com, "接入指南" 签名): MD5(secret + k1v1... + secret),
  upper case, over every parameter including `type`, `client_id` and `timestamp`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping


def _joined(params: Mapping[str, str]) -> str:
    return "".join(f"{k}{v}" for k, v in sorted(params.items()) if k != "sign" and v != "")


def md5_wrapped(params: Mapping[str, str], secret: str) -> str:
    text = f"{secret}{_joined(params)}{secret}"
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()


def hmac_md5(params: Mapping[str, str], secret: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), _joined(params).encode("utf-8"), hashlib.md5)
    return digest.hexdigest().upper()


def top_sign(params: Mapping[str, str], secret: str) -> str:
    """Taobao: the sign_method parameter picks md5 (default) or hmac."""
    if params.get("sign_method", "md5") == "hmac":
        return hmac_md5(params, secret)
    return md5_wrapped(params, secret)


def verify(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.upper(), given.upper())
