"""Input that cannot crash a page: control characters are refused before any view runs.

PostgreSQL cannot store NUL in text (``DataError``) and no person types the other C0
control characters; tab, line feed and carriage return are ordinary text. The check
covers query strings and form fields (keys and values) of every request, and the JSON
bodies of the machine endpoints through :func:`read_json`.
"""

import json
import re

from django.http import HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def has_control_characters(text: str) -> bool:
    return bool(CONTROL_CHARACTERS.search(text))


def _querydict_is_clean(data) -> bool:
    for key, values in data.lists():
        if has_control_characters(key):
            return False
        for value in values:
            if isinstance(value, str) and has_control_characters(value):
                return False
    return True


def bad_input_message() -> str:
    return _("The request contains control characters (such as a NUL byte). Remove them.")


def bad_input_response(request):
    message = bad_input_message()
    if request.path.startswith("/api/"):
        return JsonResponse({"error": message}, status=400)
    html = render_to_string("orderdesk/bad_input.html", {"message": message}, request=request)
    return HttpResponseBadRequest(html)


class RefuseControlCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _querydict_is_clean(request.GET):
            return bad_input_response(request)
        if (
            request.method == "POST"
            and request.content_type in FORM_CONTENT_TYPES
            and not _querydict_is_clean(request.POST)
        ):
            return bad_input_response(request)
        return self.get_response(request)


class BadJSON(ValueError):
    """The body is not JSON, or its strings carry control characters; ``str()`` says which."""


class BodyTooLarge(ValueError):
    """The body is longer than the endpoint accepts."""


def _strings_are_clean(value) -> bool:
    # Iterative walk: a deeply nested body cannot exhaust the stack here.
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if has_control_characters(item):
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def read_body(request, *, max_bytes: int) -> bytes:
    """The body, up to ``max_bytes`` (an endpoint's own limit instead of the site-wide
    DATA_UPLOAD_MAX_MEMORY_SIZE); :class:`BodyTooLarge` past it."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > max_bytes:
        raise BodyTooLarge
    body = request.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise BodyTooLarge
    return body


def read_json(request, *, max_bytes: int | None = None):
    """The request body as JSON; :class:`BadJSON` if it is not, or if a string in it
    carries a control character (``"\\u0000"``). With ``max_bytes`` the body is read up
    to that size whatever DATA_UPLOAD_MAX_MEMORY_SIZE says (:class:`BodyTooLarge`)."""
    raw = request.body if max_bytes is None else read_body(request, max_bytes=max_bytes)
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise BadJSON("body must be JSON") from error
    if not _strings_are_clean(body):
        raise BadJSON(bad_input_message())
    return body
