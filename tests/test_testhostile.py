"""Hostile messages through the real relay: each gets an answer, none crashes it, and the relay
goes on serving ordinary mail."""

from __future__ import annotations

import smtplib

from dlpgate import testhostile
from dlpgate.testing import make_message


def test_every_hostile_message_gets_an_smtp_answer_and_the_relay_keeps_serving(
        make_settings, relay_factory, sink):
    relay = relay_factory(make_settings(scan={"workers": 1}, relay={"scan_timeout": 60},
                                        notifications={"enabled": False}))
    answers = {}
    for name, raw in testhostile.corpus().items():
        with smtplib.SMTP("127.0.0.1", relay.port, timeout=120) as client:
            try:
                client.sendmail("a@example-council.gov.uk", ["x@example.org"], raw)
                answers[name] = 250
            except smtplib.SMTPResponseException as exc:
                answers[name] = exc.smtp_code
            except smtplib.SMTPRecipientsRefused as exc:
                answers[name] = next(iter(exc.recipients.values()))[0]
    # a line over relay's 64 KiB limit is refused as RFC 5321 says (500 Line too long)
    assert answers.pop("huge_line") == 500
    assert all(code in (250, 451, 550, 552) for code in answers.values()), answers
    # what cannot be read is held for a person, never passed on unread
    for name in ("zip_bomb", "zip_quine", "pdf_loop", "entity_expansion", "many_parts"):
        assert answers[name] == 250, name
    assert len(relay.store.held()) >= 5
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        client.sendmail("a@example-council.gov.uk", ["b@example-council.gov.uk"],
                        make_message(message_id="<after-the-storm@x>"))
    assert any(b"<after-the-storm@x>" in m.data for m in sink.delivered)
