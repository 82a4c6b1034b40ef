"""The guards of the pages' forms, the app's only writes: a token only this server's pages
carry (CSRF), and the request's own origin."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from flask import current_app, request

from ..errors import Forbidden


def csrf_token() -> str:
    """A token only this server's pages carry (a per-process secret unless one is set)."""
    secret = current_app.config.get("SECRET_KEY")
    if not secret:
        secret = current_app.config.setdefault("SEARCHAPP_CSRF_SECRET", secrets.token_hex(32))
    return hmac.new(str(secret).encode(), b"searchapp forms", hashlib.sha256).hexdigest()


def check_form() -> None:
    """Forbidden unless the POST comes from this site's own page, with its token."""
    same_origin()
    if not hmac.compare_digest(request.form.get("token", ""), csrf_token()):
        raise Forbidden("The form has expired or came from another site; reload the page.")


def same_origin() -> None:
    """Writes come only from this site's own pages."""
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if origin is None:
        return  # a form posted by a browser that sends neither: the token still guards it
    parts = urlsplit(origin)
    if parts.netloc != request.host:
        raise Forbidden("Changes come only from this site's own pages.")
