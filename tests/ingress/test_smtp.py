"""The relay, through a real SMTP client, to a real next-hop sink, on loopback."""

from __future__ import annotations

import hashlib
import hmac
import re
import smtplib
import socket
import time

import pytest

from dlpgate import testarchives, testdata
from dlpgate.testing import (
    RunningRelay,
    Sink,
    build_settings,
    capture_logs,
    free_port,
    make_message,
)

SENDER = "alice.jones@example-council.gov.uk"


def send(relay: RunningRelay, raw: bytes, rcpts: list[str], sender: str = SENDER) -> dict:
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        return client.sendmail(sender, rcpts, raw)


def data_reply(relay: RunningRelay, raw: bytes, rcpt: str) -> tuple[int, bytes]:
    """The relay's reply at the end of DATA, one recipient, written out step by step."""
    with smtplib.SMTP("127.0.0.1", relay.port) as client:
        client.ehlo()
        client.mail(SENDER)
        client.rcpt(rcpt)
        return client.data(raw)


def held_for(relay, rule: str, recipient: str) -> str:
    """The one held message's reason about `recipient` from `rule`, after checking `rule`
    held it (other rules may give reasons about the same recipient)."""
    [held] = relay.store.held()
    assert rule in held.rules
    [why] = [r for m in held.matches if m["rule"] == rule for r in m.get("reasons", ())
             if r.startswith(recipient)]
    return why


def test_a_message_arrives_at_the_next_hop_byte_for_byte_with_its_whole_envelope(relay, sink):
    raw = make_message(to=("bob.smith@example-council.gov.uk",), body="Caf\u00e9 notes.\n")
    rcpts = ["bob.smith@example-council.gov.uk", "hidden.bcc@nhs.net"]

    refused = send(relay, raw, rcpts)

    assert refused == {}
    [got] = sink.delivered
    assert got.mail_from == SENDER
    assert got.rcpt_tos == rcpts  # the Bcc-only recipient is relayed too
    header_block, _, original = got.data.partition(b"X-DLP-Verdict: allow\r\n")
    assert header_block.startswith(b"X-DLP-Scan-Id: ")
    assert original == raw


def test_a_null_sender_bounce_is_relayed_with_a_null_sender(relay, sink):
    send(relay, make_message(), ["bob.smith@example-council.gov.uk"], sender="")
    assert sink.handler.commands[0] == "MAIL <>"  # aiosmtpd spells the null path "<>"


def test_each_mail_and_rcpt_address_is_read_once(relay, sink, monkeypatch):
    # aiosmtpd's reading of an address (the email package's parser) is the relay's own
    # largest cost beside the dialogue: the DSN parameters are taken off after reading it,
    # and aiosmtpd's MAIL and RCPT read the same text again
    from aiosmtpd.smtp import SMTP

    from dlpgate.ingress.smtp import GatewaySMTP

    read = []
    getaddr = SMTP._getaddr

    def counted(self, arg):
        if isinstance(self, GatewaySMTP):  # not the sink's
            read.append(arg)
        return getaddr(self, arg)

    monkeypatch.setattr(SMTP, "_getaddr", counted)
    bob, amy = "bob.smith@example-council.gov.uk", "amy.reid@example-council.gov.uk"
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        client.ehlo()
        assert client.mail(SENDER, options=["SIZE=300", "BODY=8BITMIME"])[0] == 250
        assert client.rcpt(bob)[0] == 250
        assert client.rcpt(amy, options=["NOTIFY=NEVER"])[0] == 250
        assert client.data(make_message(to=(bob, amy)))[0] == 250
    # with a DSN parameter taken off, aiosmtpd is given other text, read again
    assert read == [f"<{SENDER}> SIZE=300 BODY=8BITMIME", f"<{bob}>", f"<{amy}> NOTIFY=NEVER",
                    f"<{amy}>"]
    [got] = sink.delivered
    assert got.mail_from == SENDER and got.rcpt_tos == [bob, amy]
    assert got.rcpt_options == [[], ["NOTIFY=NEVER"]]


def test_the_relay_advertises_the_extensions_mtas_rely_on(relay):
    with smtplib.SMTP("127.0.0.1", relay.port) as client:
        client.ehlo()
        for ext in ("8bitmime", "smtputf8", "pipelining", "size", "enhancedstatuscodes"):
            assert client.has_extn(ext), ext
        assert client.esmtp_features["size"] == str(50 * 1024 * 1024)


def test_next_hop_down_means_451_and_nothing_is_delivered(make_settings, relay_factory, sink):
    sink.stop()
    relay = relay_factory(make_settings())
    with pytest.raises(smtplib.SMTPRecipientsRefused) as err:
        send(relay, make_message(), ["bob.smith@example-council.gov.uk"])
    [(code, text)] = err.value.recipients.values()
    assert code == 451 and b"4.4.1" in text
    assert sink.delivered == []


def test_a_recipient_the_next_hop_refuses_is_refused_on_that_recipient_only(relay, sink):
    sink.handler.refuse["nobody@example-council.gov.uk"] = "550 5.1.1 No such user"
    rcpts = ["bob.smith@example-council.gov.uk", "nobody@example-council.gov.uk"]

    refused = send(relay, make_message(), rcpts)

    assert refused == {"nobody@example-council.gov.uk": (550, b"5.1.1 No such user")}
    assert sink.delivered[0].rcpt_tos == ["bob.smith@example-council.gov.uk"]


def test_a_recipient_the_next_hop_defers_is_deferred_by_its_codes_alone(relay, sink):
    # its text may say anything, and the client's MTA writes our reply to its log
    sink.handler.refuse["amy@example-council.gov.uk"] = "450 4.2.1 Amy Jones is on leave"
    refused = send(relay, make_message(), ["bob.smith@example-council.gov.uk",
                                           "amy@example-council.gov.uk"])
    assert refused == {"amy@example-council.gov.uk": (
        450, b"4.2.1 Next hop deferred this, try again later")}


def test_next_hop_refusing_the_data_with_5xx_is_passed_back(relay, sink):
    sink.handler.data_reply = "554 5.7.1 Content refused downstream"
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(relay, make_message(), ["bob.smith@example-council.gov.uk"])
    assert err.value.smtp_code == 554
    assert b"Content refused downstream" in err.value.smtp_error


def test_next_hop_deferring_the_data_with_4xx_becomes_451_with_its_codes_alone(relay, sink):
    # its text may quote the message, and the client's MTA writes our reply to its mail log
    sink.handler.data_reply = "452 4.3.1 Insufficient storage for Amy Jones"
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(relay, make_message(), ["bob.smith@example-council.gov.uk"])
    assert err.value.smtp_code == 451
    assert err.value.smtp_error == b"4.4.0 Next hop deferred: 452 4.3.1"
    assert sink.delivered == []


def test_a_message_over_the_size_limit_gets_552_5_3_4(make_settings, relay_factory, sink):
    # aiosmtpd's own "552 Error: Too much mail data" carried no enhanced code, and an
    # Exchange NDR showed a bare 552 with nothing to look up
    relay = relay_factory(make_settings(relay={"max_message_size": "64KB"}))
    big = make_message(body="x" * 70 + "\n" * 1 + ("y" * 99 + "\n") * 800)
    with smtplib.SMTP("127.0.0.1", relay.port) as client:
        client.ehlo()
        code, _ = client.mail(SENDER)
        client.rcpt("bob.smith@example-council.gov.uk")
        code, msg = client.data(big)
        assert (code, msg) == (552, b"5.3.4 Message size exceeds fixed maximum message size")
        # declared too big in MAIL FROM ... SIZE=: refused before the data, the same way
        client.rset()
        code, msg = client.mail(SENDER, options=[f"SIZE={64 * 1024 + 1}"])
        assert (code, msg) == (552, b"5.3.4 Message size exceeds fixed maximum message size")
    assert sink.delivered == []


_CODED = re.compile(rb"^\d{3}[ -]([245])\.\d{1,3}\.\d{1,3} ")


def test_every_reply_carries_an_enhanced_status_code_once_it_is_offered(relay, sink):
    # RFC 2034: with ENHANCEDSTATUSCODES offered, every reply but the greeting, EHLO's and
    # DATA's 354 carries one. aiosmtpd's own replies carried none, nor a next hop's bare ones
    sink.handler.refuse["nobody@example-council.gov.uk"] = "550 No such user"
    with socket.create_connection(("127.0.0.1", relay.port), timeout=30) as s:
        f = s.makefile("rb")

        def say(line: str) -> list[bytes]:
            s.sendall(line.encode() + b"\r\n")
            lines = [f.readline()]
            while lines[-1][3:4] == b"-":
                lines.append(f.readline())
            return lines

        assert f.readline().startswith(b"220 ")  # the greeting: none
        ehlo = say("EHLO client.example-council.gov.uk")
        assert b"250-ENHANCEDSTATUSCODES\r\n" in ehlo
        replies = [
            say("NOOP"), say("FROB"), say("RCPT TO:<bob.smith@example-council.gov.uk>"),
            say("DATA"), say("MAIL FROM:<alice.jones@example-council.gov.uk> FROB=1"),
            say("MAIL FROM:<alice.jones@example-council.gov.uk> SIZE=999999999999"),
            say("MAIL FROM:<alice.jones@example-council.gov.uk>"),
            say("MAIL FROM:<alice.jones@example-council.gov.uk>"),  # nested
            say("RCPT TO:<nobody@example-council.gov.uk>"),  # the next hop's bare 550
            say("RCPT TO:<bob.smith@example-council.gov.uk>"),
            say("VRFY bob"), say("RSET"), say("QUIT"),
        ]
    for reply in replies:
        for line in reply:
            found = _CODED.match(line)
            assert found and found.group(1) == line[:1], line
    assert replies[8] == [b"550 5.0.0 No such user\r\n"]


def test_a_client_outside_allowed_clients_gets_554(make_settings, relay_factory):
    relay = relay_factory(make_settings(relay={"allowed_clients": ["10.9.0.0/16"]}))
    with socket.create_connection(("127.0.0.1", relay.port), timeout=10) as s:
        greeting = s.recv(1024)
    assert greeting.startswith(b"554 5.7.1")


def test_sessions_beyond_the_limit_get_421(make_settings, relay_factory):
    relay = relay_factory(make_settings(relay={"max_sessions": 1}))
    with socket.create_connection(("127.0.0.1", relay.port), timeout=10) as first:
        assert first.recv(1024).startswith(b"220")
        with socket.create_connection(("127.0.0.1", relay.port), timeout=10) as second:
            assert second.recv(1024).startswith(b"421 4.3.2")


@pytest.mark.parametrize(
    "raw",
    [
        b"From: a@example-council.gov.uk\r\nTo: b@example.org\r\nContent-Type: multipart/mixed; "
        b'boundary="XX"\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nno closing boundary\r\n',
        b"From: a@example-council.gov.uk\r\nTo: b@example.org\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nSGVsbG8gd29yb\r\n",
        b"\x00\xff garbage that is not a message at all\r\n",
    ],
    ids=["unclosed-multipart", "truncated-base64", "not-a-message"],
)
def test_malformed_mime_still_gets_a_verdict_and_is_relayed(relay, sink, raw):
    send(relay, raw, ["b@example.org"])
    [got] = sink.delivered
    assert b"X-DLP-Verdict: " in got.data.split(b"\r\n\r\n")[0]


@pytest.mark.parametrize(
    "name, data, entity",
    [
        ("bomb.zip", testdata.make_zip_bomb(), "UNSCANNABLE"),
        ("locked.zip", testdata.make_encrypted_zip({"pupils.csv": b"x"}), "ENCRYPTED_ATTACHMENT"),
    ],
)
def test_an_unreadable_archive_leaving_the_council_is_held_not_sent(relay, sink, name, data,
                                                                      entity):
    raw = make_message(to=("someone@example.org",),
                       attachments=((name, "application/zip", data),))
    code, text = data_reply(relay, raw, "someone@example.org")

    assert code == 250 and b"held" in text
    assert sink.delivered == []
    [held] = relay.store.held()
    assert held.raw == raw
    assert held.rcpt_tos == ("someone@example.org",)
    assert held.rules == ("unreadable-attachment-leaving",)
    assert [f["entity"] for f in held.findings] == [entity]
    assert "RSET" in sink.handler.commands


@pytest.mark.parametrize("body, attachments, part", [
    # hiding places a red team found going out unread (2026-12): an NHS number kept on one
    # line with no-break spaces, a Word letter's document variables, a zip of case folders
    # named after each child
    ("Amy Reid, NHS number 943\u00a0476\u00a05919, DOB 12/03/2015.\n", (), "body"),
    ("Letter attached.\n", (("letter.docx", "application/octet-stream", testdata.with_members(
        testdata.make_docx(["Dear parent"]), testdata.word_variables(
            ChildName="Amy Reid", NHSNumber="943 476 5919"))),), "letter.docx"),
    ("Files attached.\n", (("cases.zip", "application/zip", testdata.make_zip({
        "Reid, Amy (NHS 943 476 5919)/letter.txt": "Dear parent"})),), "attachment names"),
])
def test_an_nhs_number_in_a_place_read_since_the_third_red_team_is_held_not_sent(
        relay, sink, body, attachments, part):
    raw = make_message(to=("carol.jones@gmail.com",), body=body, attachments=attachments)
    code, text = data_reply(relay, raw, "carol.jones@gmail.com")
    assert code == 250 and b"held" in text
    assert sink.delivered == []
    [held] = relay.store.held(state=None)  # for the sender to confirm, a new webmail address
    assert held.raw == raw and held.state == "awaiting-sender"
    assert ("UK_NHS", part) in {(f["entity"], f["part"]) for f in held.findings}


def test_a_tar_gz_and_a_7z_of_case_notes_are_read_held_for_a_new_webmail_and_sent_to_a_partner(
        relay, sink):
    # each was an "unrecognised binary format": held whatever it held, and never read
    notes = {"Reid, Amy/notes.txt": "Amy Reid, NHS number 943 476 5919, seen at home.\n"}
    raw = make_message(to=("carol.jones@gmail.com",), body="Case notes attached.\n",
                       attachments=(
                           ("notes.tar.gz", "application/gzip",
                            testarchives.make_tar(notes, "gz")),
                           ("notes.7z", "application/x-7z-compressed",
                            testarchives.make_7z(notes))))
    code, text = data_reply(relay, raw, "carol.jones@gmail.com")
    assert code == 250 and b"held" in text
    assert sink.delivered == []
    [held] = relay.store.held(state=None)
    assert held.raw == raw and held.state == "awaiting-sender"
    found = {(f["entity"], f["part"]) for f in held.findings}
    assert {("UK_NHS", "notes.tar.gz/Reid, Amy/notes.txt"),
            ("UK_NHS", "notes.7z/Reid, Amy/notes.txt")} <= found
    assert "UNSCANNABLE" not in {f["entity"] for f in held.findings}
    # the minutes of a meeting, as a .7z to a partner: read, nothing in them, sent
    minutes = testarchives.make_7z({"Minutes/2026-12-01.txt": "Minutes of the partnership "
                                    "board. Actions: review the transport budget.\n"})
    harmless = make_message(to=("board@nhs.net",), attachments=(
        ("minutes.7z", "application/x-7z-compressed", minutes),))
    send(relay, harmless, ["board@nhs.net"])
    [got] = sink.delivered
    assert got.rcpt_tos == ["board@nhs.net"]
    assert b"X-DLP-Verdict: allow" in got.data.split(b"\r\n\r\n")[0]


def test_a_tar_zst_and_an_iso_of_case_notes_are_read_held_for_a_new_webmail_and_sent_to_a_partner(
        relay, sink):
    # each was an "unrecognised binary format": held whatever it held, and never read
    notes = {"Reid, Amy/notes.txt": "Amy Reid, NHS number 943 476 5919, seen at home.\n"}
    attachments = (("notes.tar.zst", "application/zstd",
                    testarchives.make_zstd(testarchives.make_tar(notes))),
                   ("notes.iso", "application/x-iso9660-image", testarchives.make_iso(notes)))
    raw = make_message(to=("carol.jones@gmail.com",), body="Case notes attached.\n",
                       attachments=attachments)
    code, text = data_reply(relay, raw, "carol.jones@gmail.com")
    assert code == 250 and b"held" in text
    assert sink.delivered == []
    [held] = relay.store.held(state=None)
    assert held.raw == raw and held.state == "awaiting-sender"
    found = {(f["entity"], f["part"]) for f in held.findings}
    assert {("UK_NHS", "notes.tar.zst/Reid, Amy/notes.txt"),
            ("UK_NHS", "notes.iso/Reid, Amy/notes.txt")} <= found
    assert "UNSCANNABLE" not in {f["entity"] for f in held.findings}
    # the same notes to the child's GP practice, a partner: read, and sent
    to_partner = make_message(to=("gp.practice@nhs.net",), body="Case notes attached.\n",
                              attachments=attachments)
    send(relay, to_partner, ["gp.practice@nhs.net"])
    [got] = sink.delivered
    assert got.rcpt_tos == ["gp.practice@nhs.net"] and got.data.endswith(to_partner)
    assert b"X-DLP-Verdict: hold" not in got.data.split(b"\r\n\r\n")[0]


def test_the_same_archive_sent_inside_the_council_is_relayed_and_logged(relay, sink):
    raw = make_message(attachments=(("bomb.zip", "application/zip", testdata.make_zip_bomb()),))
    send(relay, raw, ["bob.smith@example-council.gov.uk"])
    assert b"X-DLP-Verdict: log" in sink.delivered[0].data


def test_every_decision_is_recorded_without_content(relay, sink):
    send(relay, make_message(), ["bob.smith@example-council.gov.uk", "x@nhs.net"])
    relay.call(relay.relay.gateway.decisions.flush())
    [record] = relay.store.decisions()
    assert record.verdict == "allow" and record.outcome == "relayed" and record.reply_code == 250
    assert record.rcpt_domains == ("example-council.gov.uk", "nhs.net")
    assert set(record.timings) == {"parse", "detect", "decide"}


def test_the_log_line_per_message_carries_no_personal_data(make_settings, relay_factory, sink):
    settings = make_settings()
    body = "Re: Callum Smith, NHS number 943 476 5919, lives at 12 Acacia Avenue."
    with capture_logs(settings, forbidden=("alice.jones", "bob.smith", "Callum", "943 476",
                                           "Acacia", "Meeting notes")) as logs:
        relay = relay_factory(settings)
        send(relay, make_message(body=body), ["bob.smith@example-council.gov.uk"])
        relay.stop()
    [line] = [e for e in logs.events if e.get("event") == "message"]
    assert line["to"] == ["*@example-council.gov.uk"]
    assert line["outcome"] == "relayed" and line["reply"] == 250


def test_hashed_addresses_are_keyed_per_installation_and_hashed_once(make_settings,
                                                                     relay_factory, sink):
    # under the built-in key anyone could hash a list of likely names and read the log; and
    # the backstop hashed the hash again, so no one could match a log line to an address
    settings = make_settings(logging={"addresses": "hashed"})
    with capture_logs(settings, forbidden=("bob.smith",)) as logs:
        relay = relay_factory(settings)
        send(relay, make_message(), ["bob.smith@example-council.gov.uk"])
        key = hmac.new(relay.store.profile_key(), b"dlpgate log addresses",
                       hashlib.sha256).digest()
        relay.stop()
    [line] = [e for e in logs.events if e.get("event") == "message"]
    public = hmac.new(b"dlpgate", b"bob.smith", hashlib.sha256).hexdigest()[:10]
    ours = hmac.new(key, b"bob.smith", hashlib.sha256).hexdigest()[:10]
    assert line["to"] == [f"{ours}@example-council.gov.uk"] and ours != public


def test_a_scan_that_fails_is_451_and_nothing_is_sent(relay, sink, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("detector bug")

    monkeypatch.setattr(relay.relay.scanner.scanner, "scan", explode)
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(relay, make_message(), ["bob.smith@example-council.gov.uk"])
    assert err.value.smtp_code == 451
    assert sink.delivered == []
    assert sink.handler.commands[-1] == "RSET"


def test_on_error_pass_relays_unscanned_mail_and_marks_it(make_settings, relay_factory, sink,
                                                          monkeypatch):
    relay = relay_factory(make_settings(relay={"on_error": "pass"}))

    def explode(*args, **kwargs):
        raise RuntimeError("detector bug")

    monkeypatch.setattr(relay.relay.scanner.scanner, "scan", explode)
    send(relay, make_message(), ["bob.smith@example-council.gov.uk"])
    assert b"X-DLP-Verdict: unscanned" in sink.delivered[0].data
    # it went, so the next message to the same person is not to a stranger: who wrote to
    # whom is learned, what it said (unread) is not
    relay.call(relay.relay.gateway.history.flush())
    [known] = relay.store.correspondence(SENDER, ["bob.smith@example-council.gov.uk"]).values()
    assert known.count == 1
    assert relay.store.held_about("bob.smith@example-council.gov.uk").profile_rows == 0


def test_a_pooled_next_hop_connection_is_reused_across_messages(relay, sink):
    for i in range(3):
        send(relay, make_message(message_id=f"<m{i}@x>"), ["bob.smith@example-council.gov.uk"])
    assert len(sink.delivered) == 3
    assert len(relay.relay.hop._idle) == 1


def test_a_pooled_connection_in_steady_use_is_still_renewed(relay, sink, monkeypatch):
    # docs/postfix.md: after a `postfix reload` the pool reaches the old 10026 processes for
    # up to 20 seconds. Only idle time was counted, so a connection in steady use was kept
    # for ever, on the old listener and its old restrictions.
    import dlpgate.act.relay as hop_module

    monkeypatch.setattr(hop_module, "_POOL_MAX_AGE_SECONDS", 0.6, raising=False)
    send(relay, make_message(message_id="<a@x>"), ["bob.smith@example-council.gov.uk"])
    [(_, first)] = relay.relay.hop._idle
    for i in range(4):  # never idle as long as the idle limit, older than the age limit
        time.sleep(0.2)
        send(relay, make_message(message_id=f"<b{i}@x>"), ["bob.smith@example-council.gov.uk"])
    assert len(sink.delivered) == 5
    [(_, last)] = relay.relay.hop._idle
    assert last is not first


def test_a_next_hop_restarted_between_messages_is_reconnected(make_settings, relay_factory):
    with Sink() as first:
        relay = relay_factory(make_settings(relay={"next_hop": first.address}))
        send(relay, make_message(), ["bob.smith@example-council.gov.uk"])
        port = first.port
    with Sink(port=port) as second:
        send(relay, make_message(), ["bob.smith@example-council.gov.uk"])
        assert len(second.received) == 1


def test_starttls_is_offered_and_mail_flows_over_it(make_settings, relay_factory, sink, tmp_path):
    import ssl
    import subprocess

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    relay = relay_factory(make_settings(relay={"tls": {"cert": str(cert), "key": str(key),
                                                       "required": True}}))
    ctx = ssl.create_default_context(cafile=str(cert))
    ctx.check_hostname = False
    with smtplib.SMTP("127.0.0.1", relay.port) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        assert client.mail(SENDER)[0] == 530  # required: nothing before STARTTLS
        client.starttls(context=ctx)
        client.ehlo()
        # no accounts to check: AUTH was offered over TLS, and a connector set to use it got 535
        assert not client.has_extn("auth")
        assert client.docmd("AUTH", "PLAIN AGFsaWNlAHNlY3JldA==")[0] == 502
        client.sendmail(SENDER, ["bob.smith@example-council.gov.uk"], make_message())
    assert len(sink.delivered) == 1


def test_an_idle_client_is_disconnected(make_settings, relay_factory):
    relay = relay_factory(make_settings(relay={"idle_timeout": 0.5}))
    with socket.create_connection(("127.0.0.1", relay.port), timeout=10) as s:
        assert s.recv(1024).startswith(b"220")
        s.settimeout(10)
        assert s.recv(1024) == b""  # closed by the server


def test_recipients_beyond_the_limit_get_452(make_settings, relay_factory, sink):
    relay = relay_factory(make_settings(relay={"max_recipients": 2}))
    rcpts = [f"u{i}@example-council.gov.uk" for i in range(3)]
    refused = send(relay, make_message(), rcpts)
    assert refused == {"u2@example-council.gov.uk": (452, b"4.5.3 Too many recipients")}
    assert sink.delivered[0].rcpt_tos == rcpts[:2]


def test_a_slow_scan_on_one_connection_does_not_delay_another_client(make_settings,
                                                                     relay_factory, sink):
    import threading

    relay = relay_factory(make_settings(
        scan={"workers": 1},
        detection={"lazy": False, "ner_max_chars": 400_000},
    ))
    slow_body = "Callum Reid met Aisha Khan at the library on Tuesday. " * 6000  # ~330 KB
    replies: list[str] = []

    def slow_client() -> None:
        with smtplib.SMTP("127.0.0.1", relay.port, timeout=120) as c:
            c.sendmail(SENDER, ["x@example.org"], make_message(body=slow_body))
            replies.append("slow message answered")

    t = threading.Thread(target=slow_client)
    t.start()
    while not relay.relay.gateway.inflight:  # wait until the slow message is being scanned
        time.sleep(0.01)
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=30) as other:
        assert other.noop()[0] == 250
        replies.append("noop answered")
    t.join(180)
    assert replies == ["noop answered", "slow message answered"]


def test_relayed_mail_teaches_history_and_held_mail_does_not(relay, sink):
    send(relay, make_message(to=("carer@example.org",)), ["carer@example.org"])
    held = make_message(to=("other@example.org",), attachments=(
        ("locked.zip", "application/zip", testdata.make_encrypted_zip({"a": b"b"})),))
    send(relay, held, ["other@example.org"])
    relay.call(relay.relay.gateway.history.flush())
    known = relay.store.correspondence(SENDER, ["carer@example.org", "other@example.org"])
    assert list(known) == ["carer@example.org"]


def test_an_nhs_number_only_in_the_html_alternative_is_held(relay, sink):
    # "See attached." in the plain part, the referral in the HTML one: it went out
    raw = make_message(to=("p5@gmail.com",), subject="Strategy", body="See attached.\n",
                       html="<p>NHS number 943 476 5919, date of birth 04/05/2016.</p>")
    assert send(relay, raw, ["p5@gmail.com"]) == {}  # accepted, and kept
    assert sink.delivered == []
    [item] = relay.store.held(state=None)
    assert item.state in ("held", "awaiting-sender")
    assert any(f["entity"] == "UK_NHS" and f["part"] == "body-html" for f in item.findings)


def test_a_next_hop_that_only_knows_helo_still_takes_mail(make_settings, relay_factory):
    # greeting a fresh connection with EHLO alone made every message 451 at such a hop
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    class HeloOnly(SMTP):
        async def smtp_EHLO(self, hostname):
            await self.push("502 5.5.1 EHLO not implemented")

    got = []

    class Take:
        async def handle_DATA(self, server, session, envelope):
            got.append(envelope.rcpt_tos)
            return "250 OK"

    port = free_port()
    class HeloOnlyController(Controller):
        def factory(self):
            return HeloOnly(self.handler)

    hop = HeloOnlyController(Take(), hostname="127.0.0.1", port=port)
    hop.start()
    try:
        relay = relay_factory(make_settings(relay={"next_hop": f"127.0.0.1:{port}"}))
        send(relay, make_message(), ["bob.smith@example-council.gov.uk"])
    finally:
        hop.stop()
    assert got == [["bob.smith@example-council.gov.uk"]]


def test_smtputf8_and_8bitmime_are_passed_on_from_the_first_message(relay, sink):
    # on a fresh next-hop connection no EHLO had been said, so no option was passed on, and
    # BODY=8BITMIME never was (its extension is 8BITMIME): a UTF-8 sender went without SMTPUTF8
    sender = "zo\u00eb.n\u00fa\u00f1ez@example-council.gov.uk"
    raw = make_message(sender=sender, to=("bob.smith@example-council.gov.uk",),
                       body="Caf\u00e9 at ten.\n")
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        client.ehlo()
        client.mail(sender, options=["SMTPUTF8", "BODY=8BITMIME"])
        client.rcpt("bob.smith@example-council.gov.uk")
        assert client.data(raw)[0] == 250
    [got] = sink.delivered
    assert got.mail_from == sender
    assert "SMTPUTF8" in got.mail_options and "BODY=8BITMIME" in got.mail_options


def test_full_dlp_headers_carry_the_rules_that_matched(make_settings, relay_factory, sink):
    relay = relay_factory(make_settings(relay={"dlp_headers": "full"}))
    send(relay, make_message(to=("carer@gmial.com",)), ["carer@gmial.com"])
    [went] = sink.delivered
    assert b"X-DLP-Verdict: log\r\nX-DLP-Rules: lookalike-address\r\n" in went.data


def test_what_went_to_a_lookalike_address_is_no_content_profile_of_it(relay, sink):
    # a case sent to referrals@nhs.com under a `log` rule made the real nhs.net address
    # "not the one this has gone to" on the next message
    raw = make_message(to=("carer@example.org", "carer@gmial.com"),
                       subject="Panel dates", body="The panel meets on Thursday at ten.\n")
    send(relay, raw, ["carer@example.org", "carer@gmial.com"])
    [went] = sink.delivered
    assert b"X-DLP-Verdict: log" in went.data  # let go, the sender told to check
    assert b"X-DLP-Rules" not in went.data  # which would tell the look-alike it was noticed
    gw = relay.relay.gateway
    for batcher in (gw.history, gw.profiles):
        relay.call(batcher.flush())
    known = relay.store.correspondence(SENDER, ["carer@example.org", "carer@gmial.com"])
    assert sorted(known) == ["carer@example.org", "carer@gmial.com"]  # it did go there
    assert relay.store.held_about("carer@example.org").profile_rows > 0
    assert relay.store.held_about("carer@gmial.com").profile_rows == 0


def test_mail_from_outside_teaches_only_that_its_sender_wrote_in(relay, sink):
    from dlpgate.cli import result_json
    from dlpgate.pipeline import Scanner
    from dlpgate.testing import make_envelope

    resident, housing = "k.reid.home@gmail.com", "housing@example-council.gov.uk"
    send(relay, make_message(sender=resident, to=(housing,), subject="My son"), [housing],
         sender=resident)
    # passing through from outside to outside is no one's correspondence here
    send(relay, make_message(sender=resident, to=("school@example.org",)),
         ["school@example.org"], sender=resident)
    gw = relay.relay.gateway
    relay.call(gw.replies.flush())
    relay.call(gw.history.flush())
    assert [m.rcpt_tos for m in sink.delivered] == [[housing], ["school@example.org"]]
    assert relay.store.correspondence(resident, [housing, "school@example.org"]) == {}
    assert relay.store.contacts(resident) == []
    assert relay.store.wrote_in([resident, "school@example.org"]) == {resident}
    # the officer who answers her, carrying her message, is answering someone who wrote in
    answer = make_message(to=(resident,), subject="RE: My son", body=(
        "Dear Ms Reid, the duty team will call you.\n\nFrom: Karen Reid <k.reid.home@gmail.com>"
        "\nSent: 02 December 2026 09:10\nTo: housing@example-council.gov.uk\n"
        "Subject: My son\n"))
    [rcpt] = result_json("-", Scanner(relay.settings, store=relay.store).scan(
        answer, make_envelope(answer)), False)["recipients"]
    assert "wrote-to-us" in rcpt["signals"]


OUT_OF_OFFICE = (
    "Thank you for your email. I am on leave until Monday 7 December.\n\n"
    "If you have a safeguarding concern about a child, please call the MASH on 0161 496 0001."
    "\nFor fostering enquiries please contact Sarah Khan, Team Manager, on 0161 496 0003.\n\n"
    "Alice Jones\nSupervising Social Worker\nFostering Team\n")


def test_an_out_of_office_goes_to_whoever_wrote_and_teaches_only_that_they_wrote_in(relay,
                                                                                      sink):
    """Its signposting ("a safeguarding concern", "the MASH", a manager's name) held every
    social worker's out-of-office to a resident's gmail address until they were back."""
    resident = "sam.r1975@gmail.com"
    oof = b"Auto-Submitted: auto-replied\n" + make_message(
        to=(resident,), subject="Automatic reply: Tuesday", body=OUT_OF_OFFICE)
    send(relay, oof, [resident])
    [went] = sink.delivered
    assert went.rcpt_tos == [resident]
    gw = relay.relay.gateway
    relay.call(gw.replies.flush())
    relay.call(gw.history.flush())
    # no correspondence of hers: a slip to this address later still looks new
    assert [c.count for c in relay.store.correspondence(SENDER, [resident]).values()] == [0]
    assert relay.store.wrote_in([resident]) == {resident}


def test_the_second_message_to_a_new_contact_is_no_longer_new(relay, sink):
    from dlpgate.cli import result_json
    from dlpgate.pipeline import Scanner
    from dlpgate.testing import make_envelope

    for _ in range(2):
        send(relay, make_message(to=("carer@example.org",)), ["carer@example.org"])
    relay.call(relay.relay.gateway.history.flush())
    scanner = Scanner(relay.settings, store=relay.store)
    raw = make_message(to=("carer@example.org",))
    [rcpt] = result_json("-", scanner.scan(raw, make_envelope(raw)), False)["recipients"]
    assert rcpt["signals"] == ["known-correspondent"]


def test_mail_sent_as_one_address_with_another_in_the_envelope_is_learned_as_its_from(
        relay, sink):
    # an application or list sends as housing@ with a bounce address in the envelope: the
    # history is asked under the From, so it must be learned under it too; a recipient
    # given twice (by case) is one message to one mailbox
    housing = "housing@example-council.gov.uk"
    for _ in range(2):
        raw = make_message(sender=f"Housing Team <{housing}>", to=("Tenant@Example.org",))
        send(relay, raw, ["Tenant@Example.org", "tenant@example.org"],
             sender="bounces+u123@example-council.gov.uk")
    relay.call(relay.relay.gateway.history.flush())
    [known] = relay.store.correspondence(housing, ["tenant@example.org"]).values()
    assert (known.count, known.smallest) == (2, 1)
    assert relay.store.correspondence("bounces@example-council.gov.uk",
                                      ["tenant@example.org"]) == {}


def test_the_relay_learns_whom_the_sender_copies_into_conversations(relay, sink):
    quoted = ("Noted.\n\n-----Original Message-----\nFrom: Sarah Khan\nTo: Alice Jones\n"
              "Sent: Monday\nSubject: visit\n")
    pa = "dee.patel@example-council.gov.uk"
    for _ in range(2):
        send(relay, make_message(to=("sarah.khan@nhs.net", pa), subject="RE: visit",
                                 body=quoted), ["sarah.khan@nhs.net", pa])
    relay.call(relay.relay.gateway.history.flush())
    known = relay.store.correspondence(SENDER, ["sarah.khan@nhs.net", pa])
    assert (known[pa].joined, known["sarah.khan@nhs.net"].joined) == (2, 0)
    from dlpgate.cli import result_json
    from dlpgate.pipeline import Scanner
    from dlpgate.testing import make_envelope
    raw = make_message(to=("sarah.khan@nhs.net", pa), subject="RE: visit", body=quoted)
    got = result_json("-", Scanner(relay.settings, store=relay.store).scan(
        raw, make_envelope(raw)), False)["recipients"]
    assert [r["signals"] for r in got if r["address"] == pa] == [["internal", "often-copied-in"]]


def test_a_slip_of_a_colleagues_contact_is_held_though_the_sender_never_wrote_to_them(relay,
                                                                                   sink):
    colleague = "bob.smith@example-council.gov.uk"
    send(relay, make_message(sender=colleague, to=("kinship.carer@example.org",)),
         ["kinship.carer@example.org"], sender=colleague)
    relay.call(relay.relay.gateway.history.flush())
    report = make_message(to=("kinship.caerr@example.org",),
                          body="Callum Reid, NHS number 943 476 5919, review on Friday.\n")
    send(relay, report, ["kinship.caerr@example.org"])
    assert [m.rcpt_tos for m in sink.delivered] == [["kinship.carer@example.org"]]
    why = held_for(relay, "misdirected-lookalike-address", "kinship.caerr@example.org")
    assert "typing slip from kinship.carer@example.org" in why


def test_a_reply_to_another_sarah_than_the_one_who_wrote_is_held_and_says_why(relay, sink):
    khan, patel = "sarah.khan@carefirst.example.org", "sarah.patel@fostering.example.org"
    for to in (khan, patel):
        send(relay, make_message(to=(to,), subject="Visit"), [to])
    relay.call(relay.relay.gateway.history.flush())
    quoted = ("-----Original Message-----\nFrom: Khan, Sarah [mailto:" + khan + "]\n"
              "Sent: Monday\nTo: Jones, Alice\nSubject: Placement\n\nCan you confirm it?\n")
    reply = make_message(to=(patel,), subject="RE: Placement",
                         body="Yes: NHS number 943 476 5919.\n\n" + quoted)
    with capture_logs(relay.settings, forbidden=("sarah.patel", "Sarah Khan", "943 476 5919")):
        send(relay, reply, [patel])
    assert [m.rcpt_tos for m in sink.delivered] == [[khan], [patel]]  # the two visits only
    why = held_for(relay, "identifiers-to-confusable-contact", patel)
    assert "this replies to S•••• K•••'s message, and S•••• K••• is not a recipient" in why
    deadline = time.monotonic() + 20  # the notice goes out after the 250
    while not sink.notices and time.monotonic() < deadline:
        time.sleep(0.05)
    [notice] = sink.notices  # the sender is told why, in the same words
    assert "S•••• K••• is not a recipient".encode() in notice.data.replace(b"\r\n ", b" ")


def test_a_report_to_last_springs_sarah_when_this_months_is_another_is_held(relay, sink,
                                                                            tmp_path):
    """History imported from the council's old system (CSV, with dates), then live mail."""
    from datetime import UTC, datetime, timedelta

    from dlpgate.cli import main

    def ago(days: int) -> str:
        return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S")

    patel, khan = "sarah.patel@fostering.example.org", "sarah.khan@carefirst.example.org"
    (tmp_path / "history.csv").write_text(
        f"sender,recipient,count,last_seen\n{SENDER},{patel},4,{ago(200)}\n"
        f"{SENDER},{khan},5,{ago(6)}\n")
    (tmp_path / "history.yaml").write_text(f"storage:\n  url: {relay.settings.storage.url}\n")
    assert main(["history", "import", "--config", str(tmp_path / "history.yaml"),
                 str(tmp_path / "history.csv")]) == 0
    report = make_message(to=(patel,), subject="Visit",
                          body="Hi Sarah, NHS number 943 476 5919 for the GP form.\n")
    send(relay, report, [patel])
    assert sink.delivered == []
    why = held_for(relay, "identifiers-to-confusable-contact", patel)
    assert f"you last wrote to {patel} 200 days ago, and to {khan}, whose name is like it, " \
           "6 days ago" in why


def test_a_report_to_the_karen_met_on_a_circular_through_the_relay_is_held(relay, sink):
    """The relay learns how many each message went to: a circular to 25 carers, Karen Myer
    among them, and notes to Karen Owens alone; then a child's details to Karen Myer."""
    myer, owens = "karen.myer@fostering.example.org", "karen.owens@carefirst.example.org"
    carers = [f"carer{i}@fostering.example.org" for i in range(24)] + [myer]
    send(relay, make_message(to=tuple(carers), subject="Training dates"), carers)
    for _ in range(3):
        send(relay, make_message(to=(owens,), subject="Visit"), [owens])
    relay.call(relay.relay.gateway.history.flush())
    assert relay.store.correspondence(SENDER, [myer])[myer].smallest == 25
    report = make_message(to=(myer,), subject="Visit",
                          body="Hi Karen, NHS number 943 476 5919 for the GP form.\n")
    with capture_logs(relay.settings, forbidden=("karen.myer", "943 476 5919")):
        send(relay, report, [myer])
    assert len(sink.delivered) == 4  # the circular and the three visits
    why = held_for(relay, "identifiers-to-confusable-contact", myer)
    assert f"you have written to {myer} once, on a circular (never to fewer than 25 " \
           "people), and this message goes to them alone" in why


def test_relayed_mail_leaves_a_content_profile_of_hashes_not_words(relay, sink):
    import sqlite3

    send(relay, make_message(to=("carer@example.org",), subject="Kinship assessment",
                             body="The kinship placement review is on Friday."),
         ["carer@example.org"])
    relay.call(relay.relay.gateway.profiles.flush())
    db = sqlite3.connect(relay.settings.storage.url.removeprefix("sqlite:///"))
    rows = db.execute("SELECT sender, recipient, token FROM profiles").fetchall()
    assert rows and {r[1] for r in rows} == {"carer@example.org"}
    assert all(isinstance(r[2], int) for r in rows)
    dump = "\n".join(db.iterdump()).lower()
    assert "kinship" not in dump and "placement" not in dump


def test_a_next_hop_slower_than_its_timeout_gets_451(make_settings, relay_factory, sink):
    sink.handler.data_delay = 3.0
    relay = relay_factory(make_settings(relay={"next_hop_timeout": 1}))
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(relay, make_message(), ["bob.smith@example-council.gov.uk"])
    assert err.value.smtp_code == 451 and b"4.4.2" in err.value.smtp_error


def test_a_recipient_a_reviewer_released_mail_to_is_no_longer_new(relay, sink):
    import asyncio

    from dlpgate.act.quarantine import release

    def note(subject: str, body: str) -> bytes:
        return make_message(to=("jane.family@gmail.com",), subject=subject,
                            body=f"Amelia Reid, NHS number 943 476 5919, {body}\n")

    with capture_logs(relay.settings, forbidden=("jane.family", "Amelia", "943 476")):
        send(relay, note("Assessment", "was diagnosed with epilepsy in March."),
             ["jane.family@gmail.com"])
        [first] = relay.store.held()
        assert "identifiers-to-new-webmail" in first.rules
        done = asyncio.run(release(relay.store, relay.settings, first.id, "web:ann",
                                   "confirmed with the sender", "web"))
        assert done.ok and len(sink.delivered) == 1
        send(relay, note("Review", "was seen again for epilepsy in May."),
             ["jane.family@gmail.com"])
    [second] = relay.store.held()
    [jane] = second.recipients
    assert "rare-correspondent" in jane["signals"] and "new-to-organisation" not in jane["signals"]
    assert "identifiers-to-new-webmail" not in second.rules  # the policy's other rules still ask


def test_what_went_to_the_other_sarah_under_a_log_rule_is_no_content_profile_of_her(
        relay, sink):
    # what had only gone to sarah.khan, let go to sarah.jones, made the next notice say it
    # "has gone to sarah.jones@nhs.net before"
    from dlpgate.record import learn_sent

    key = relay.store.profile_key()
    case = "Callum moved to the Ashdown placement; his Ashdown review with Whitfield is Thursday."
    for i in range(6):
        learn_sent(relay.store, make_message(sender=SENDER, to=("sarah.khan@nhs.net",),
                                             subject=f"Callum {i}", body=case), key)
    learn_sent(relay.store, make_message(sender=SENDER, to=("sarah.jones@nhs.net",),
                                         subject="Training", body="Dates for next term."), key)
    before = relay.store.held_about("sarah.jones@nhs.net").profile_rows
    send(relay, make_message(to=("sarah.jones@nhs.net",), subject="Callum", body=case),
         ["sarah.jones@nhs.net"])
    assert len(sink.delivered) == 1
    gw = relay.relay.gateway
    for batcher in (gw.history, gw.profiles):
        relay.call(batcher.flush())
    assert relay.store.correspondence(SENDER, ["sarah.jones@nhs.net"])[
        "sarah.jones@nhs.net"].count == 2  # it did go to her
    assert relay.store.held_about("sarah.jones@nhs.net").profile_rows == before


def test_a_next_hop_with_an_internal_certificate_is_trusted_by_next_hop_ca(
        make_settings, relay_factory, tmp_path):
    # without a way to name the Edge server's CA every message got 451, and the log said only
    # "next_hop_refused stage=MAIL code=451"
    from dlpgate.testing import edge_tls

    cert, served = edge_tls(tmp_path)
    with Sink(tls_context=served) as edge:
        untrusting = make_settings(relay={"next_hop": edge.address, "next_hop_tls": "starttls"})
        with capture_logs(untrusting) as logs:
            relay = relay_factory(untrusting)
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                send(relay, make_message(), ["bob.smith@example-council.gov.uk"])
            relay.stop()
        assert {c for c, _ in refused.value.recipients.values()} == {451}
        [why] = [e for e in logs.events if e.get("event") == "next_hop_unreachable"]
        assert why["error"] == "certificate not trusted"
        trusting = make_settings(relay={"next_hop": edge.address, "next_hop_tls": "starttls",
                                        "next_hop_ca": str(cert)})
        send(relay_factory(trusting), make_message(), ["bob.smith@example-council.gov.uk"])
        assert len(edge.delivered) == 1


def test_a_scanned_referral_leaving_the_council_is_held_for_the_nhs_number_on_its_page(
        make_settings, relay_factory, sink, ocr_installed):
    relay = relay_factory(make_settings(detection={"ner": False}))
    scan = testdata.make_scanned_pdf(["Referral: Jane Doe\nNHS number: 943 476 5919\n"
                                      "Date of birth: 12/03/2015\nChild protection plan."])
    raw = make_message(to=("someone@example.org",), body="Please see the attached.\n",
                       attachments=(("scan0001.pdf", "application/pdf", scan),))
    with capture_logs(relay.settings, ("943 476 5919", "9434765919", "Jane Doe")) as logs:
        assert send(relay, raw, ["someone@example.org"]) == {}

    assert logs.text  # the hold was logged, without the page's words
    assert sink.delivered == []
    [held] = relay.store.held(state=None)
    assert held.raw == raw
    found = {(f["entity"], f["part"]) for f in held.findings}
    assert ("UK_NHS", "scan0001.pdf") in found


def test_a_screenshot_pasted_into_the_body_to_gmail_is_held_for_what_it_shows(
        make_settings, relay_factory, sink, ocr_installed):
    # a case list pasted from the screen into the message went out unread
    relay = relay_factory(make_settings(detection={"ner": False}))
    shot = testdata.screenshot_of([("Name", "Date of birth", "NHS number"),
                                   ("Jane Doe", "12/03/2015", "943 476 5919"),
                                   ("Sam Doe", "04/05/2016", "401 023 2137"),
                                   *[("", "", "")] * 6])
    raw = make_message(to=("someone@gmail.com",), body="The two children, as discussed:\n",
                       pasted=(("image001.png", "image/png", shot),))
    with capture_logs(relay.settings, ("943 476 5919", "9434765919", "12/03/2015",
                                       "Jane Doe")) as logs:
        assert send(relay, raw, ["someone@gmail.com"]) == {}

    assert logs.text  # the hold was logged, without the picture's words
    assert sink.delivered == []
    [held] = relay.store.held(state=None)
    assert held.raw == raw
    assert "identifiers-to-new-webmail" in held.rules
    nhs = [f for f in held.findings if f["entity"] == "UK_NHS"]
    assert len(nhs) == 2 and {f["part"] for f in nhs} == {"body picture 1"}


def test_a_scanned_page_not_read_is_said_and_held_when_ocr_is_off(make_settings, relay_factory,
                                                                 sink):
    from tests.parse.test_ocr import SCAN_WITHOUT_POPPLER

    relay = relay_factory(make_settings(detection={"ner": False},
                                        scan={"ocr": {"enabled": False}}))

    raw = make_message(to=("someone@example.org",), body="Please see the attached.\n",
                       attachments=(("scan0001.pdf", "application/pdf", SCAN_WITHOUT_POPPLER),))
    assert send(relay, raw, ["someone@example.org"]) == {}
    assert sink.delivered == []
    [held] = relay.store.held(state=None)
    assert held.rules == ("unreadable-attachment-leaving",)
    assert [f["explanation"] for f in held.findings if f["entity"] == "UNSCANNABLE"] == [
        "scan0001.pdf: 1 page (1) scanned, and not read: OCR is off"]


def _declared(got) -> int:
    [size] = [o for o in got.mail_options if o.startswith("SIZE=")]
    return int(size.partition("=")[2])


@pytest.mark.parametrize("headers", ["minimal", "full"])
def test_the_size_declared_to_the_next_hop_counts_the_headers_the_relay_adds(
        make_settings, relay_factory, sink, headers):
    # SIZE= was the client's figure, passed on, and the X-DLP- headers went on top of it: a
    # next hop that holds a message to its declared size (RFC 1870) refused or cut it
    relay = relay_factory(make_settings(relay={"dlp_headers": headers}))
    raw = make_message(to=("carer@gmial.com",))
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        client.ehlo()
        client.mail(SENDER, options=[f"SIZE={len(raw)}"])
        client.rcpt("carer@gmial.com")
        assert client.data(raw)[0] == 250
    [got] = sink.delivered
    assert len(got.data) > len(raw)  # the headers went on
    assert len(got.data) <= _declared(got) <= len(got.data) + 1100


def test_a_message_declared_bigger_than_the_next_hop_takes_is_refused_before_its_mail(
        tmp_path, relay_factory):
    # the next hop's own 552 at MAIL was passed back at the first RCPT ("5.0.0 Error:
    # message size exceeds fixed maximum message size" from aiosmtpd); it is still a 552
    # there, X.3.4 in our words with both figures, said without asking the next hop
    with Sink(size=10_000) as small:
        relay = relay_factory(build_settings(tmp_path, small.address))
        with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
            client.ehlo()
            client.mail(SENDER, options=["SIZE=20000"])
            code, text = client.rcpt("carer@gmial.com")
    assert code == 552 and text.decode().startswith(
        "5.3.4 Message size exceeds the next hop's fixed maximum message size: ")
    assert text.decode().endswith(" octets, over its 10000")


def test_full_dlp_headers_stay_within_one_header_line_and_the_room_declared():
    from dlpgate.ingress.smtp import dlp_headers, header_room
    from dlpgate.pipeline import new_scan_id

    rules = tuple(f"site-rule-number-{i:03d}" for i in range(200))
    added = dlp_headers(new_scan_id(), "unscanned", rules, full=True)
    assert len(added) <= header_room(True)
    assert max(len(line) for line in added.split(b"\r\n")) <= 998
    assert added.endswith(b", ...\r\n")
    assert len(dlp_headers(new_scan_id(), "unscanned", rules)) <= header_room(False)


def test_mail_that_needs_smtputf8_is_refused_permanently_by_a_next_hop_without_it(
        make_settings, relay_factory):
    # RFC 6531 §3.5: no downgrade, and no passing on what the next hop may not be sent; its
    # bare "500 Error: strict ASCII mode" came back, and UTF-8 headers went on regardless
    zoe = "zo\u00eb.n\u00fa\u00f1ez@example-council.gov.uk"
    bob = "bob.smith@example-council.gov.uk"
    plain = make_message(to=(bob,))
    utf8_head = (f"From: {SENDER}\r\nTo: {bob}\r\nSubject: R\u00e9union\r\n\r\nAt ten.\r\n"
                 ).encode()
    with Sink(smtputf8=False) as hop:
        settings = make_settings(relay={"next_hop": hop.address})
        with capture_logs(settings, forbidden=("zo\u00eb", "R\u00e9union")) as logs:
            relay = relay_factory(settings)
            with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
                # an address that needs it: refused on that recipient, the rest delivered
                assert client.sendmail(SENDER, [zoe, bob], plain, mail_options=["SMTPUTF8"]) \
                    == {zoe: (553, b"5.6.7 Next hop does not support SMTPUTF8, which this "
                                   b"recipient's address needs")}
                # a sender that needs it: every recipient refused, nothing sent
                with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                    client.sendmail(zoe, [bob], plain, mail_options=["SMTPUTF8"])
                assert refused.value.recipients == {bob: (
                    553, b"5.6.7 Next hop does not support SMTPUTF8, which the sender's "
                         b"address needs")}
                # headers that need it: refused after the data, permanently, before a scan
                with pytest.raises(smtplib.SMTPDataError) as err:
                    client.sendmail(SENDER, [bob], utf8_head, mail_options=["SMTPUTF8"])
                assert (err.value.smtp_code, err.value.smtp_error) == (
                    554, b"5.6.9 Next hop does not support SMTPUTF8, which this message's "
                         b"headers need")
                # asked for, but all ASCII: nothing needs it, and it goes without
                client.sendmail(SENDER, [bob], make_message(to=(bob,), subject="Later"),
                                mail_options=["SMTPUTF8"])
            relay.stop()
    assert [m.rcpt_tos for m in hop.delivered] == [[bob], [bob]]
    assert all("SMTPUTF8" not in m.mail_options for m in hop.delivered)
    said = [(e["stage"], e["code"]) for e in logs.events
            if e.get("event") == "next_hop_without_smtputf8"]
    assert said == [("RCPT", 553), ("MAIL", 553), ("DATA", 554)]
    [rejected] = [e for e in logs.events if e.get("event") == "message"
                  and e["outcome"] == "rejected"]
    assert rejected["reply"] == 554 and rejected["error"] == "next hop lacks SMTPUTF8"


def _opaque_signed(to: str, subject: str, text: str) -> bytes:
    """A message as `openssl smime -sign -nodetach` writes it (and Outlook's opaque signing):
    one application/x-pkcs7-mime part, smime.p7m, the signed message inside it."""
    entity = f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n".encode()
    return (f"From: Alice Jones <{SENDER}>\r\nTo: {to}\r\nSubject: {subject}\r\n"
            "Message-ID: <signed.1@example-council.gov.uk>\r\n").encode() + \
        testdata.make_signed(entity).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


_NEEDS_OPENSSL = pytest.mark.skipif(not testdata.openssl_available(),
                                    reason="the openssl program is not installed (Debian's "
                                    "openssl package): the test signs with it")


@_NEEDS_OPENSSL
def test_an_opaque_signed_message_leaving_with_an_nhs_number_is_held_for_the_nhs_number(
        relay, sink):
    # it was held as an "unrecognised binary format" whatever it said, the number unseen
    raw = _opaque_signed("jane.doe.family@gmail.com", "Assessment", "NHS number 943 476 5919 "
                         "- she was diagnosed with epilepsy last year.")
    assert send(relay, raw, ["jane.doe.family@gmail.com"]) == {}

    assert sink.delivered == []
    [held] = relay.store.held()
    assert held.raw == raw
    assert "special-category-to-unexpected-recipient" in held.rules
    assert "unreadable-attachment-leaving" not in held.rules
    found = {(f["entity"], f["part"]) for f in held.findings}
    assert ("UK_NHS", "body") in found and ("SPECIAL_CATEGORY", "body") in found
    assert not {f["entity"] for f in held.findings} & {"UNSCANNABLE", "ENCRYPTED_ATTACHMENT"}


@_NEEDS_OPENSSL
def test_a_harmless_opaque_signed_message_to_a_colleague_is_relayed_byte_for_byte(relay, sink):
    raw = _opaque_signed("bob.smith@example-council.gov.uk", "Team meeting",
                         "The team meeting has moved to Thursday at ten.")
    assert send(relay, raw, ["bob.smith@example-council.gov.uk"]) == {}

    [got] = sink.delivered
    header_block, _, original = got.data.partition(b"X-DLP-Verdict: allow\r\n")
    assert header_block.startswith(b"X-DLP-Scan-Id: ")
    assert original == raw  # the signature still checks at the far end


def test_the_log_line_says_what_the_scan_left_unread_without_its_content(
        make_settings, relay_factory, sink, ocr_installed):
    # an operator sees how often pictures go unread only if the log says so
    settings = make_settings(scan={"workers": 0, "ocr": {"max_pages": 2}})
    logos = [testdata.banner_of(f"Partner {n} Trust", 160, 60, scale=1) for n in range(3)]
    raw = make_message(body="Callum Smith, NHS number 943 476 5919.", pasted=tuple(
        (f"image00{n}.png", "image/png", logo) for n, logo in enumerate(logos)))
    with capture_logs(settings, forbidden=("Callum", "943 476", "Partner")) as logs:
        relay = relay_factory(settings)
        send(relay, raw, ["bob.smith@example-council.gov.uk"])
        relay.stop()
    [line] = [e for e in logs.events if e.get("event") == "message"]
    assert line["unread"] == [
        "2 small picture(s) not read (logos, or crops of a screen under scan.ocr.min_pixels): "
        "half the message's OCR is kept for larger ones, or OCR could not read them"]
    assert line["outcome"] == "relayed"


def test_a_hold_the_full_store_cannot_take_is_451_and_its_log_line_says_the_disk_is_full(
        make_settings, relay_factory, sink):
    # `store_failed stage=hold` alone: a full disk, a lock held by a backup and a database
    # outage looked the same, and the operator read the code to tell them apart
    settings = make_settings()
    relay = relay_factory(settings)
    store = relay.store
    [(pages,)] = store._read("PRAGMA page_count", ())
    store._db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own SQLITE_FULL
    raw = make_message(to=("someone@example.org",), attachments=(
        ("locked.zip", "application/zip",
         testdata.make_encrypted_zip({"a": bytes(range(256)) * 4096})),))

    from dlpgate.metrics import REGISTRY

    def failures() -> float:
        return REGISTRY.get_sample_value("dlpgate_store_errors_total", {"stage": "hold"}) or 0

    before = failures()
    with capture_logs(settings, forbidden=("alice.jones", "someone@")) as logs:
        code, text = data_reply(relay, raw, "someone@example.org")

    assert (code, text) == (451, b"4.3.0 Could not store message safely, try again later")
    # (the batched writers may fail for the same reason, each with its own line)
    [failed] = [e for e in logs.events if e["event"] == "store_failed" and e["stage"] == "hold"]
    assert failed["error"] == "store write failed: OperationalError: database or disk is full"
    assert sink.received == []
    assert failures() == before + 1  # for an alert: /readyz only reads, and a full disk reads


def test_a_welsh_only_child_protection_conference_to_a_new_gmail_is_held_and_bin_day_is_sent(
        relay, sink):
    # the same letter in English was held; in Welsh alone it went out
    to = "rhiant.pritchard@gmail.com"
    case = make_message(to=(to,), subject="Cynhadledd", body=(
        "Annwyl Mrs Pritchard,\n\nBydd y gynhadledd amddiffyn plant ar gyfer Cai Pritchard yn "
        "cael ei chynnal ddydd Llun am 10 y bore yn Swyddfa'r Cyngor. Mae croeso i chi ddod â "
        "rhywun gyda chi.\n\nCofion cynnes,\nAlice Jones\nGweithiwr Cymdeithasol\n"))
    everyday = make_message(to=(to,), subject="Casglu biniau / Bin collection", body=(
        "Annwyl Mrs Pritchard,\n\nBydd eich biniau ailgylchu'n cael eu casglu ddydd Mawrth yr "
        "wythnos hon oherwydd gŵyl y banc. Mae Bwrdd Iechyd Prifysgol Betsi Cadwaladr yn "
        "cynnal clinig ffliw yn y ganolfan hamdden.\n\nCofion cynnes,\nAlice Jones\n\n"
        "Cyflogwr Hyderus o ran Anabledd | Disability Confident Employer\n"
        "Os ydych chi'n profi cam-drin domestig, ffoniwch Byw Heb Ofn ar 0808 80 10 800.\n"))

    with capture_logs(relay.settings, forbidden=("Cai Pritchard", "rhiant.pritchard")):
        assert send(relay, case, [to]) == {}  # accepted, and kept
    assert sink.delivered == []
    [item] = relay.store.held(state=None)
    assert item.state in ("held", "awaiting-sender")
    assert any(f["entity"] == "SPECIAL_CATEGORY" and "gynhadledd amddiffyn plant" in str(f)
               for f in item.findings), item.findings

    assert send(relay, everyday, [to]) == {}
    [got] = sink.delivered
    assert got.rcpt_tos == [to] and b"X-DLP-Verdict: allow" in got.data
