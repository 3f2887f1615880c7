"""Logs an operator can read: one line per request, one per error with its traceback.

Every record leaves through one handler on stderr, as a JSON object per line (for log shippers)
or as plain text (for a person at a terminal): `BURT_LOG_FORMAT=json|text|auto`, where `auto`
picks text when stderr is a terminal. Records logged while a request runs carry its request id,
so an error's traceback can be found from the request line, and vice versa.

What is logged about a request is fixed here (`request_line`): method, path without the query,
status, duration, operationId, tenant and request id. Headers and bodies never are, so neither
is an API key or a webhook secret.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from contextvars import ContextVar
from typing import Any

import msgspec

REQUEST_ID: ContextVar[str | None] = ContextVar("burt_request_id", default=None)

access = logging.getLogger("burt.access")

# Fields of a request line, in the order text output shows them after the message.
_REQUEST_FIELDS = ("operation", "tenant", "request_id")
# A request line's message already says these; text output does not repeat them.
_SHOWN_IN_MESSAGE = {"method", "path", "status", "duration_ms"}
# Attributes every record has, and uvicorn's ANSI-coloured copy of its message: not fields.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}
# What text output escapes in a message or a field (C0, DEL, C1, the Unicode line separators):
# a request path with `%0A` in it would otherwise start a line of its own.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


# The request path costs one log line per request: its parts are kept cheap. The second's text
# is formatted once per second, request lines carry their fields in one attribute (no scan of
# the record), and msgspec encodes the JSON.
_second: list[Any] = [None, ""]
_encoder = msgspec.json.Encoder(enc_hook=str)


def _timestamp(record: logging.LogRecord) -> str:
    whole = int(record.created)
    if _second[0] != whole:
        _second[:] = [whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))]
    return f"{_second[1]}.{int(record.msecs):03d}Z"


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    line: dict[str, Any] | None = getattr(record, "fields", None)
    if line is not None:  # a request line
        return line
    fields = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
    request_id = REQUEST_ID.get()
    if request_id is not None:
        fields.setdefault("request_id", request_id)
    return fields


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", ...extra fields, "traceback"?}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_extras(record),
        }
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return _encoder.encode(line).decode()


def _escaped(value: object) -> str:
    """`value` as text with its control characters written as Python escapes (`\\n`, `\\x1b`)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), str(value))


class TextFormatter(logging.Formatter):
    """`time LEVEL message key=value ...`, then the traceback, for a person reading along.

    The message and every field are one line each: their control characters are escaped."""

    def format(self, record: logging.LogRecord) -> str:
        fields = _extras(record)
        ordered = [k for k in _REQUEST_FIELDS if k in fields] + sorted(
            k for k in fields if k not in _REQUEST_FIELDS and k not in _SHOWN_IN_MESSAGE
        )
        tail = " ".join(
            f"{_escaped(k)}={_escaped(fields[k])}" for k in ordered if fields[k] is not None
        )
        message = _escaped(record.getMessage())
        text = f"{_timestamp(record)} {record.levelname:<7} {message} {tail}".rstrip()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def formatter_for(log_format: str, stream: Any = None) -> logging.Formatter:
    """The formatter `BURT_LOG_FORMAT` asks for; `auto` is text on a terminal, JSON otherwise."""
    if log_format == "auto":
        stream = sys.stderr if stream is None else stream
        log_format = "text" if stream.isatty() else "json"
    return TextFormatter() if log_format == "text" else JsonFormatter()


def configure_logging(log_format: str, level: str) -> None:
    """Route burt's, uvicorn's and connexion's records through one formatted stderr handler.

    uvicorn's own access log is switched off: `burt.access` writes the request lines, so
    connexion's notes on the 4xx it answers are too (its errors are not).
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter_for(log_format))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # connexion logs each 4xx it answers (a warning) and why (info): the request line says it.
    logging.getLogger("connexion").setLevel(logging.ERROR)
    uvicorn_access = logging.getLogger("uvicorn.access")
    uvicorn_access.handlers.clear()
    uvicorn_access.propagate = False
    uvicorn_access.disabled = True


def request_line(
    method: str,
    path: str,
    status: int,
    seconds: float,
    operation: str | None,
    tenant: str | None,
    request_id: bytes,
) -> None:
    """Log one finished request (at INFO; 5xx at ERROR so they stand out).

    The record is made and handled directly (`Logger.log` would also walk the stack for the
    caller's file and line, which no request line shows).
    """
    level = logging.ERROR if status >= 500 else logging.INFO
    if not access.isEnabledFor(level):
        return
    duration_ms = round(seconds * 1000, 2)
    record = access.makeRecord(
        access.name,
        level,
        __file__,
        0,
        "%s %s %d %.1fms",
        (method, path, status, duration_ms),
        None,
    )
    record.fields = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": duration_ms,
        "operation": operation,
        "tenant": tenant,
        "request_id": request_id.decode(),
    }
    access.handle(record)
