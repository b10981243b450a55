"""DSN requests (RFC 3461) through the relay: checked on the way in, passed on per recipient to a
next hop that offers DSN, left off (and the mail still delivered) at one that does not. Real
smtplib client, real relay, real aiosmtpd next hop, on loopback."""

from __future__ import annotations

import smtplib
import time

import pytest

from dlpgate import dsn
from dlpgate.testing import Sink, capture_logs, make_message

SENDER = "alice.jones@example-council.gov.uk"
BOB = "bob.smith@example-council.gov.uk"
AMY = "amy.reid@nhs.net"
# as Postfix writes them: the original recipient in xtext, its case and "+2B" kept
BOB_ORCPT = "ORCPT=rfc822;Bob.Smith+2Bhousing@Example-Council.gov.uk"
AMY_ORCPT = "ORCPT=rfc822;amy.reid@nhs.net"


@pytest.mark.parametrize("params, names, taken", [
    (["NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;a+2Bb@x.org"], dsn.RCPT_PARAMETERS,
     ["NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;a+2Bb@x.org"]),
    (["notify=never"], dsn.RCPT_PARAMETERS, ["NOTIFY=never"]),
    (["NOTIFY=DELAY"], dsn.RCPT_PARAMETERS, ["NOTIFY=DELAY"]),
    (["SIZE=100", "RET=HDRS", "ENVID=QQ314159", "BODY=8BITMIME"], dsn.MAIL_PARAMETERS,
     ["RET=HDRS", "ENVID=QQ314159"]),
    (["RET=full"], dsn.MAIL_PARAMETERS, ["RET=full"]),
    (["ENVID=" + "x" * 100], dsn.MAIL_PARAMETERS, ["ENVID=" + "x" * 100]),
    (["ORCPT=x-local;" + "a" * 492], dsn.RCPT_PARAMETERS, ["ORCPT=x-local;" + "a" * 492]),
])
def test_well_formed_dsn_parameters_are_taken_as_they_were_written(params, names, taken):
    got, rest = dsn.take(params, names)
    assert got == taken
    assert rest == [p for p in params if dsn.named(p) not in names]


@pytest.mark.parametrize("params, names, why", [
    (["NOTIFY=SOMETIMES"], dsn.RCPT_PARAMETERS, "NOTIFY must be"),
    (["NOTIFY=NEVER,SUCCESS"], dsn.RCPT_PARAMETERS, "NOTIFY must be"),
    (["NOTIFY=SUCCESS,SUCCESS"], dsn.RCPT_PARAMETERS, "NOTIFY must be"),
    (["NOTIFY=SUCCESS,"], dsn.RCPT_PARAMETERS, "NOTIFY must be"),
    (["NOTIFY"], dsn.RCPT_PARAMETERS, "NOTIFY needs a value"),
    (["NOTIFY=FAILURE", "NOTIFY=SUCCESS"], dsn.RCPT_PARAMETERS, "NOTIFY given twice"),
    (["ORCPT=a@b.org"], dsn.RCPT_PARAMETERS, "ORCPT must be"),  # no addr-type
    (["ORCPT=rfc822;a=b@x.org"], dsn.RCPT_PARAMETERS, "ORCPT must be"),  # "=" is not xtext
    (["ORCPT=rfc822;a+2b@x.org"], dsn.RCPT_PARAMETERS, "ORCPT must be"),  # lower-case hex
    (["ORCPT=rfc822;"], dsn.RCPT_PARAMETERS, "ORCPT must be"),
    (["ORCPT=x-local;" + "a" * 493], dsn.RCPT_PARAMETERS, "ORCPT must be"),
    (["RET=BODY"], dsn.MAIL_PARAMETERS, "RET must be"),
    (["ENVID=" + "x" * 101], dsn.MAIL_PARAMETERS, "ENVID must be"),
    (["ENVID=a\u00e9"], dsn.MAIL_PARAMETERS, "ENVID must be"),
])
def test_a_dsn_parameter_against_rfc_3461s_syntax_is_refused_naming_its_keyword(params, names,
                                                                                 why):
    with pytest.raises(dsn.BadParameter) as err:
        dsn.take(params, names)
    assert str(err.value).startswith(why)


def send_with_dsn(port: int, rcpts: dict[str, list[str]], raw: bytes,
                  mail: list[str] = ()) -> tuple[int, bytes]:
    """One message, each recipient with its own RCPT options, as an MTA that speaks DSN."""
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        client.ehlo()
        assert client.has_extn("dsn")
        assert client.mail(SENDER, options=list(mail))[0] == 250
        for rcpt, options in rcpts.items():
            assert client.rcpt(rcpt, options=options)[0] == 250
        return client.data(raw)


def test_the_relay_offers_dsn(relay):
    with smtplib.SMTP("127.0.0.1", relay.port) as client:
        client.ehlo()
        assert client.has_extn("dsn")


def test_dsn_requests_reach_a_next_hop_offering_dsn_exactly_as_sent_per_recipient(
        make_settings, relay_factory, sink):
    settings = make_settings()
    with capture_logs(settings, forbidden=("Bob.Smith", "bob.smith@", "amy.reid@")) as logs:
        relay = relay_factory(settings)
        code, _ = send_with_dsn(
            relay.port,
            {BOB: ["NOTIFY=SUCCESS,FAILURE", BOB_ORCPT], AMY: ["NOTIFY=NEVER", AMY_ORCPT],
             "carol.white@example-council.gov.uk": []},
            make_message(to=(BOB, AMY)), mail=["RET=HDRS", "ENVID=QQ314159+2Bref"])
        relay.stop()
    assert code == 250
    [got] = sink.delivered
    assert got.rcpt_tos == [BOB, AMY, "carol.white@example-council.gov.uk"]
    assert got.rcpt_options == [["NOTIFY=SUCCESS,FAILURE", BOB_ORCPT],
                                ["NOTIFY=NEVER", AMY_ORCPT], []]
    assert "RET=HDRS" in got.mail_options and "ENVID=QQ314159+2Bref" in got.mail_options
    assert not [e for e in logs.events if e.get("event") == "next_hop_without_dsn"]


def test_a_next_hop_without_dsn_gets_no_dsn_parameter_and_the_mail_is_delivered(
        make_settings, relay_factory, sink):
    bob = {BOB: ["NOTIFY=SUCCESS", BOB_ORCPT]}
    settings = make_settings()
    with capture_logs(settings, forbidden=("Bob.Smith", "bob.smith@")) as logs:
        relay = relay_factory(settings)
        assert wait_until(lambda: relay.relay._greet_task.done())  # it greeted the first hop
        assert send_with_dsn(relay.port, bob, make_message(to=(BOB,)))[0] == 250
        # the next hop is replaced by one without DSN (a `postfix reload` that discards it):
        # the relay learns so only when a transaction opens there, after offering DSN
        port = sink.port
        sink.stop()
        with Sink(port=port, dsn=False) as hop:
            code, _ = send_with_dsn(relay.port, bob, make_message(to=(BOB,), subject="Two"),
                                    mail=["RET=FULL", "ENVID=Q1"])
            # from then on it offers none, so the MTA in front says "relayed" to a sender
            # who asked for a receipt (RFC 3461 5.2.2); one that asks anyway is not refused
            with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
                client.ehlo()
                offered = client.has_extn("dsn")
                assert client.sendmail(SENDER, [BOB], make_message(to=(BOB,), subject="Three"),
                                       rcpt_options=["NOTIFY=FAILURE"]) == {}
        relay.stop()
    assert code == 250 and not offered
    assert [m.rcpt_tos for m in hop.delivered] == [[BOB], [BOB]]  # a DSN parameter: 555
    assert all(m.rcpt_options == [[]] for m in hop.delivered)
    assert not any(dsn.named(o) in dsn.PARAMETERS for m in hop.delivered
                   for o in m.mail_options)
    said = [(e["stage"], e.get("left_off"), e.get("receipt")) for e in logs.events
            if e.get("event") == "next_hop_without_dsn"]
    assert said == [("MAIL", None, None), ("RCPT", ["NOTIFY", "ORCPT"], True),
                    ("RCPT", ["NOTIFY"], False)]


def wait_until(check, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)
    return check()


def test_a_relay_whose_next_hop_lacks_dsn_stops_offering_it_without_a_message_sent(
        make_settings, relay_factory):
    # it greets its next hop at start: the first clients were offered DSN, and their
    # requests dropped, until a message had gone through
    with Sink(dsn=False) as hop:
        relay = relay_factory(make_settings(relay={"next_hop": hop.address}))

        def offered() -> bool:
            with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
                client.ehlo()
                return client.has_extn("dsn")

        assert wait_until(lambda: not offered())
        assert hop.received == []


@pytest.mark.parametrize("command", [
    "RCPT TO:<bob.smith@example-council.gov.uk> NOTIFY=SOMETIMES",
    "RCPT TO:<bob.smith@example-council.gov.uk> NOTIFY=NEVER,FAILURE",
    "RCPT TO:<bob.smith@example-council.gov.uk> ORCPT=bob.smith@example-council.gov.uk",
    "MAIL FROM:<alice.jones@example-council.gov.uk> RET=ALL",
    "MAIL FROM:<alice.jones@example-council.gov.uk> ENVID=a=b",
])
def test_a_bad_dsn_parameter_gets_501_5_5_4_and_the_transaction_goes_on(relay, sink, command):
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        client.ehlo()
        if command.startswith("RCPT"):
            client.mail(SENDER)
        code, text = client.docmd(command)
        assert code == 501 and text.startswith(b"5.5.4 Invalid DSN parameter: ")
        assert b"bob.smith" not in text
        # nothing was taken: the client may go on as if it had not been said
        if command.startswith("MAIL"):
            client.mail(SENDER)
        assert client.rcpt(BOB, options=["NOTIFY=FAILURE"])[0] == 250
        assert client.data(make_message(to=(BOB,)))[0] == 250
    [got] = sink.delivered
    assert got.rcpt_options == [["NOTIFY=FAILURE"]]


def test_a_session_greeted_with_helo_may_give_no_dsn_parameter(relay, sink):
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        client.helo()
        client.mail(SENDER)
        code, _ = client.docmd(f"RCPT TO:<{BOB}> NOTIFY=SUCCESS")
    assert code == 501


def test_an_orcpt_as_long_as_rfc_3461_allows_fits_on_the_rcpt_line(relay, sink):
    orcpt = "ORCPT=rfc822;" + "a" * 240 + "@" + "b" * 240 + ".org"
    code, _ = send_with_dsn(relay.port, {BOB: ["NOTIFY=SUCCESS,FAILURE,DELAY", orcpt]},
                            make_message(to=(BOB,)), mail=["RET=HDRS", "ENVID=" + "e" * 100])
    assert code == 250
    assert sink.delivered[0].rcpt_options == [["NOTIFY=SUCCESS,FAILURE,DELAY", orcpt]]


def test_a_held_message_keeps_its_dsn_requests_with_it(relay, sink):
    code, _ = send_with_dsn(relay.port, {"jane.doe.family@gmail.com": ["NOTIFY=SUCCESS",
                                                                       "ORCPT=rfc822;J@x.org"]},
                            make_message(to=("jane.doe.family@gmail.com",),
                                         body="NHS number 943 476 5919, her assessment.\n"),
                            mail=["ENVID=Case+2B42"])
    assert code == 250 and sink.delivered == []
    [held] = relay.store.held(None)
    assert held.mail_dsn == ("ENVID=Case+2B42",)
    assert held.rcpt_dsn == (("NOTIFY=SUCCESS", "ORCPT=rfc822;J@x.org"),)
