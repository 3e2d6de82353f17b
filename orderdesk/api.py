"""Shared pieces of the machine-to-machine endpoints (phone system, accounting)."""

import hmac


def bearer_token_ok(request, token: str) -> bool:
    """``Authorization: Bearer <token>`` matches a configured, non-empty token."""
    scheme, _sep, given = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given, token)
