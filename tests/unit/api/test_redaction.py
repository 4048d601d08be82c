"""Redaction of API keys in log records (issue 8 §4): the text rules and the record surgery."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antifraud.api.redaction import REDACTED, RedactingFilter, install_log_redaction, redact, redact_record

SECRET = "Zq0vXy3-k9LmN2pQrS5tUvWx8yZaBcDeFgHiJkLmNoP"
KEY = f"af_0123456789ab_{SECRET}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Authorization: Bearer {KEY}", f"Authorization: Bearer af_0123456789ab_{REDACTED}"),
        (f"GET /v1/pull/{KEY}/domains.rpz HTTP/1.1 junk", f"GET /v1/pull/{REDACTED}/domains.rpz HTTP/1.1 junk"),
        (f"b'GET /v1/pull/{KEY}/x\\x00 HTTP/1.1'", f"b'GET /v1/pull/{REDACTED}/x\\x00 HTTP/1.1'"),
        ("GET /v1/pull/not-a-key-but-a-secret/domains.rpz", f"GET /v1/pull/{REDACTED}/domains.rpz"),
        ("GET /V1/PULL/whatever", f"GET /V1/PULL/{REDACTED}"),
        ("GET /v1//pull//s3cret/x", f"GET /v1//pull//{REDACTED}/x"),
        ("GET /v1/pull%2Fs3cret%2Fx", f"GET /v1/pull%2F{REDACTED}"),
        (f"key={KEY}&x=1", f"key=af_0123456789ab_{REDACTED}&x=1"),
        (f"{KEY}{KEY}", f"af_0123456789ab_{REDACTED}"),
        ("af_ab_short", "af_ab_short"),  # not a key: no secret part worth the name
        ("GET /v1/blocklists/domains.rpz", "GET /v1/blocklists/domains.rpz"),
        ("nothing to hide", "nothing to hide"),
    ],
)
def test_keys_and_pull_segments_are_redacted(text, expected):
    assert redact(text) == expected


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=40), st.text(alphabet="abcdef0123456789", min_size=1))
def test_a_key_anywhere_in_text_never_survives(around, key_id):
    secret = SECRET[: 8 + len(around) % 36]
    text = f"{around}af_{key_id}_{secret}{around[::-1]}"
    assert f"_{secret}" not in redact(text)
    assert redact(redact(text)) == redact(text)


def _record(msg, args=(), exc_info=None, **extra):
    record = logging.LogRecord("aiohttp.server", logging.ERROR, __file__, 1, msg, args, exc_info)
    for name, value in extra.items():
        setattr(record, name, value)
    return record


def test_message_arguments_exception_and_extras_are_redacted():
    def fail() -> None:
        raise ValueError(f"Bad status line: b'GET /v1/pull/{KEY}/domains.rpz HTTP/1.1 junk'")

    try:
        fail()
    except ValueError as exc:
        args = (f"/v1/pull/{KEY}/x", "127.0.0.1")
        exc_info = (type(exc), exc, exc.__traceback__)
        record = _record(
            "Error handling %s from %s", args, exc_info, first_request_line=f"GET /v1/pull/{KEY}/x", status=400
        )
    record.stack_info = f"Stack (most recent call last):\n  token = {KEY!r}"
    redact_record(record)
    rendered = logging.Formatter("%(message)s %(first_request_line)s").format(record)
    assert SECRET not in rendered
    assert SECRET not in str(vars(record))
    assert "Error handling /v1/pull/[REDACTED]/x from 127.0.0.1" in rendered
    assert "ValueError: Bad status line" in rendered  # the traceback is still there, only the key is gone
    assert record.exc_info is None
    assert record.status == 400


def test_a_record_whose_arguments_do_not_fit_is_still_redacted():
    record = _record(f"key %s and %s {KEY}", (KEY,))
    redact_record(record)
    assert SECRET not in str(record.msg)
    assert SECRET not in str(record.args)


def test_the_filter_lets_every_record_through():
    record = _record(f"/v1/pull/{KEY}/x")
    assert RedactingFilter().filter(record) is True
    assert SECRET not in record.getMessage()


def test_installing_redacts_every_logger_and_handler_and_can_be_undone(caplog):
    caplog.set_level(logging.DEBUG)
    undo = install_log_redaction()
    try:
        again = install_log_redaction()  # idempotent: one wrapper, not two
        logging.getLogger("some.library.deep.inside").warning("token %s", KEY)
        logging.getLogger("aiohttp.server").error("Error handling request", exc_info=ValueError(f"/v1/pull/{KEY}/x"))
        again()
    finally:
        undo()
    logging.getLogger("after").warning("token %s", KEY)  # after undo: logged as it is (the control)
    first, second, control = caplog.records
    assert first.getMessage() == f"token af_0123456789ab_{REDACTED}"
    assert "ValueError: /v1/pull/[REDACTED]/x" in second.exc_text
    assert SECRET not in caplog.text.rsplit("\n", 2)[0]
    assert SECRET in control.getMessage()
