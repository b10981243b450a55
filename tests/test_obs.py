"""The logs' backstop: whatever code logs, nothing shaped like an address leaves whole."""

from __future__ import annotations

import pytest

from dlpgate.config import Logging
from dlpgate.obs import configure, redact


@pytest.mark.parametrize("text, shown", [
    ("'sarah.khan@nhs.net' is not a domain name", "'*@nhs.net' is not a domain name"),
    # each went through whole: an international domain, accents, quotes, a domain literal
    ("'sarah.khan@nhs-tr\u00fcst.net' is not", "'*@nhs-tr\u00fcst.net' is not"),
    ("from m\u00e4rk.p\u00e4tel@example-council.gov.uk", "from *@example-council.gov.uk"),
    ('to "Sarah Khan"@nhs.net today', "to *@nhs.net today"),
    ("to sarah.khan@[192.0.2.1]", "to *@[192.0.2.1]"),
    ("a@b.org, c@d.co.uk.", "*@b.org, *@d.co.uk."),
    ("policy p.yaml:3:5 version 7c55", "policy p.yaml:3:5 version 7c55"),
    ("sent to sarah.o'brien@nhs.net", "sent to *@nhs.net"),  # the apostrophe kept "sarah.o'"
])
def test_anything_shaped_like_an_address_shows_its_domain_alone(text, shown):
    configure(Logging())
    assert redact(None, "info", {"event": "x", "detail": [text]})["detail"] == [shown]


def test_in_hashed_mode_only_the_hashes_made_here_are_left_as_they_are():
    # a local part of ten hex digits (an NHS number) passed the backstop as a hash
    from dlpgate.obs import log_address

    configure(Logging(addresses="hashed", hash_key="k"))
    made = log_address("bob@x.org")
    got = redact(None, "info", {"event": "x", "a": f"to {made}", "b": "4857773456@nhs.net"})
    assert got["a"] == f"to {made}" and got["b"] != "4857773456@nhs.net"
    assert got["b"].endswith("@nhs.net")
    configure(Logging())


def test_a_librarys_warning_is_one_json_line_masked_like_ours():
    # psycopg's pool wrote plain multi-line text to stderr, some run onto a JSON event's line
    import io
    import json
    import logging

    stream = io.StringIO()
    configure(Logging(), stream=stream)
    try:
        logging.getLogger("psycopg.pool").warning("error connecting in %r: failed for "
                                                  "sarah.khan@nhs.net\nDETAIL: more", "pool-1")
    finally:
        configure(Logging())
    [line] = stream.getvalue().splitlines()
    event = json.loads(line)
    assert (event["event"], event["logger"], event["level"]) == (
        "library", "psycopg.pool", "warning")
    assert event["message"] == "error connecting in 'pool-1': failed for *@nhs.net"


def test_logging_writes_to_standard_error_as_it_is_now_not_as_it_was_when_configured(
        monkeypatch):
    # a stream swapped in while logging was configured (a test's capture) and closed after
    # took every later log line down with it, the relay's start among them
    import io

    import structlog

    swapped, now = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stderr", swapped)
    configure(Logging())
    swapped.close()
    monkeypatch.setattr("sys.stderr", now)
    try:
        structlog.get_logger("t").warning("listening")
    finally:
        monkeypatch.undo()
        configure(Logging())
    assert '"event": "listening"' in now.getvalue()
