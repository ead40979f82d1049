"""The API's one request parser (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]): JSON through codecapsule.jsonparse."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding  # type: ignore[attr-defined]  # not in the stubs

from codecapsule import jsonparse


class BodyParseError(ParseError):
    """A request body the parser refused. `fields` maps the offending value's field path to the reason when there
    is a value to point at (a non-finite number, nesting too deep); codecapsule.errors.api_exception_handler puts
    them in the error shape's `fields`, as it does a ValidationFailed's."""

    def __init__(self, message: str, *, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.fields = dict(fields or {})


class StrictJSONParser(JSONParser):
    """DRF's JSONParser (same media type, same place in the schema) with the strict loader behind it.

    A refused body is a 400 `parse_error` in the one error shape, its `fields` naming the offending value's path
    when there is one: `{"config_data.test_cases[0].tolerance": "1e400 is out of range: ..."}`.

    DRF reads the body straight from the request stream, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE check on
    request.body; the same limit is applied here (a 413), so a body is never read into memory unbounded.
    """

    def parse(self, stream: IO[bytes], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        encoding = get_encoding(parser_context or {})  # refuses charsets that are not text encodings
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
        try:
            return jsonparse.loads(raw, encoding=encoding)
        except jsonparse.JSONInputError as exc:
            fields = {exc.path: exc.located_reason()} if exc.path else None
            raise BodyParseError(f"Invalid JSON: {exc}", fields=fields) from None
