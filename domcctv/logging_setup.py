"""Process logging: one format, and secrets redacted from every log record.

Camera push tokens travel in the URL path (``POST /ingest/isapi/<token>``), so uvicorn's access
log would otherwise write a credential per push; JWTs, Authorization headers, passwords and
connection-string passwords must never reach a log either. Redaction happens when the record is
*created* (a log-record factory), not in a handler filter: a filter only guards the handlers it
is attached to, while the factory also covers handlers added later (pytest's caplog, an error
tracker, uvicorn's own handlers that ``dictConfig`` rebuilds on each start).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

REDACTED = "[REDACTED]"

# (pattern, replacement) in order; each keeps the non-secret prefix so log lines stay useful.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # Device push tokens in the ingest path, also URL-encoded or inside a full URL.
    (re.compile(r"(/ingest/isapi/)[^\s/?#\"'<>]+"), rf"\g<1>{REDACTED}"),
    # Authorization headers, whatever the scheme, in header dumps, dict reprs or JSON.
    (
        re.compile(
            r"((?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?)(?:(?:bearer|basic|digest)\s+)?"
            r"[^\s\"',}]+",
            re.IGNORECASE,
        ),
        rf"\g<1>{REDACTED}",
    ),
    (re.compile(r"\b(bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE), rf"\g<1>{REDACTED}"),
    # JWTs (header.payload.signature, base64url, header starts with '{"' = "eyJ").
    (re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), REDACTED),
    # Passwords in connection strings: scheme://user:password@host.
    (re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/\s@]*:)[^@\s/]+(@)"), rf"\g<1>{REDACTED}\g<2>"),
    # key=value / "key": "value" pairs whose key names a secret (query strings, reprs, JSON).
    (
        re.compile(
            r"((?<![A-Za-z0-9])[\"']?[A-Za-z_]*(?:password|passwd|secret|token|api[_-]?key|sig)"
            # not a value redacted already: redacting twice must change nothing (a record's
            # arguments are redacted, then its rendered message is checked again)
            r"[\"']?\s*[:=]\s*[\"']?)(?!\[REDACTED\])[^\s\"'&,;}\]]+",
            re.IGNORECASE,
        ),
        rf"\g<1>{REDACTED}",
    ),
)


def redact(text: str) -> str:
    """``text`` with every secret this module knows about replaced by ``[REDACTED]``."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def _redact_arg(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Redact a record in place: message, arguments, formatted traceback and stack."""
    args = record.args
    if not args and isinstance(record.msg, str):
        record.msg = redact(record.msg)
    elif isinstance(args, tuple):
        record.args = tuple(_redact_arg(a) for a in args)
    elif isinstance(args, Mapping):
        record.args = {k: _redact_arg(v) for k, v in args.items()}
    # With arguments, the template is left alone (a rule could eat a "%s") and string
    # arguments are redacted one by one, which keeps each argument's type for formatters that
    # unpack them (uvicorn's access formatter). A secret can still appear only once formatted
    # (template "/ingest/isapi/%s" + token) or hide in a non-string argument (a dict, an
    # exception): then the message is stored rendered and redacted, without arguments.
    try:
        message = record.getMessage()
    except (TypeError, ValueError, KeyError):
        message = None  # a broken format string: logging reports it when it formats the record
    if message is not None:
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


class _RedactingFactory:
    """Log-record factory wrapping the previous one; marked so installing twice is a no-op."""

    def __init__(self, inner: Callable[..., logging.LogRecord]) -> None:
        self.inner = inner

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(self.inner(*args, **kwargs))


def install_log_redaction() -> None:
    """Redact secrets from every log record this process creates, from now on (idempotent)."""
    current = logging.getLogRecordFactory()
    if not isinstance(current, _RedactingFactory):
        logging.setLogRecordFactory(_RedactingFactory(current))


class RedactionFilter(logging.Filter):
    """The same redaction as a handler filter, for logging configs that name filters."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str) -> None:
    """Root logging for ``domcctv serve`` and ``domcctv worker``, with redaction installed."""
    install_log_redaction()
    logging.basicConfig(level=level, format=LOG_FORMAT)
