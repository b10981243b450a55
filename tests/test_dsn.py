"""DSN requests (RFC 3461) through the relay: checked on the way in, passed on per recipient to a
next hop that offers DSN, left off (and the mail still delivered) at one that does not. Real
smtplib client, real relay, real aiosmtpd next hop, on loopback."""

from __future__ import annotations

import smtplib
import socket
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
    (["NOTIFY=\u017fuccess"], dsn.RCPT_PARAMETERS, "NOTIFY must be"),  # its capitals: SUCCESS
    (["RET=\ufb00"], dsn.MAIL_PARAMETERS, "RET must be"),
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


# Hostile parameters from a raw client: each line is answered by its own reply, the value (an
# ORCPT is an address) is in no reply and no log line, and mail goes on in the same session.
ZARA = "zara.hussain"  # the address hidden in the hostile ORCPTs and ENVIDs
MAIL = b"MAIL FROM:<alice.jones@example-council.gov.uk>"
RCPT = b"RCPT TO:<bob.smith@example-council.gov.uk>"
HOSTILE = [
    (MAIL + b" RET=HDRS\x00", "501 5.5.4"),
    (MAIL + b" ENVID=zara.hussain\xff", "501 5.5.4"),
    (MAIL + b" ENVID=zara.hussain\xc3\xa9", "501 5.5.4"),
    (MAIL + b" ENVID=zara\rhussain", "501 5.5.4"),            # was 555: the CR split it
    (MAIL + b" RET=HDRS\rENVID=zara.hussain", "501 5.5.4"),   # was 250, relayed
    (MAIL + b" RET=HDRS\tENVID=zara.hussain", "501 5.5.4"),   # was 250, relayed
    (MAIL + b" RET=HDRS\xc2\x85ENVID=zara.hussain", "501 5.5.4"),  # U+0085: was 250
    (MAIL + b" ENVID=zara.hussain+2", "501 5.5.4"),
    (MAIL + b" ENVID=zara.hussain+ZZ", "501 5.5.4"),
    (MAIL + b" ENVID=zara.hussain+2b", "501 5.5.4"),
    (MAIL + b" ENVID=zara+20hussain ENVID=zara", "501 5.5.4"),
    (MAIL + b" ENVID=", "501 5.5.4"),
    (MAIL + b" RET", "501 5.5.4"),
    (MAIL + b" env\xc4\xb1d=zara.hussain", "555 5.5.4"),      # a dotless i: was 250, taken
    (RCPT + b" NOTIFY=\xc5\xbfUCCESS", "501 5.5.4"),         # a long s: was 451 at every try
    (RCPT + b" NOT\xc4\xb1FY=SUCCESS", "555 5.5.4"),          # was 250, taken as NOTIFY
    (RCPT + b" NOTIFY=NEVER,SUCCESS", "501 5.5.4"),
    (RCPT + b" NOTIFY=SUCCESS\x00", "501 5.5.4"),
    (RCPT + b" NOTIFY\x00=SUCCESS", "501 5.5.4"),
    (RCPT + b" NOTIFY=SUCCESS\rORCPT=rfc822;zara.hussain@x.org", "501 5.5.4"),
    (RCPT + b" NOTIFY= ORCPT=", "501 5.5.4"),
    (RCPT + b" ORCPT=rfc822;zara.hussain@x\xff.org", "501 5.5.4"),
    (RCPT + b" ORCPT=rfc822;zara.hussain@x.org\x00", "501 5.5.4"),
    (RCPT + b" ORCPT=rfc822;zara.hussain@" + b"x" * 477 + b".org", "501 5.5.4"),  # 501 long
    (RCPT + b" ORCPT=rfc822;zara.hussain@" + b"x" * 5000 + b".org", "500 5.5.2"),
    (RCPT + b" ORCPT=rfc822;zara.hussain@x.org ORCPT=rfc822;zara@x.org", "501 5.5.4"),
    (RCPT + b" ORCPT=;zara.hussain@x.org", "501 5.5.4"),
    (RCPT + b" ORCPT=rfc\xff822;zara.hussain@x.org", "501 5.5.4"),
]


def replies(out: bytes) -> list[str]:
    """The code and enhanced status of each final reply line after EHLO's or HELO's."""
    return [line[:9] for line in out.decode(errors="replace").splitlines()
            if line[3:4] == " "][1:]


def talk(port: int, payload: bytes, until: bytes = b"221 ") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        s.recv(1024)  # greeting
        s.sendall(payload)
        out = b""
        while until not in out and (chunk := s.recv(65536)):
            out += chunk
        return out


def test_hostile_dsn_parameters_each_get_a_clear_reply_with_nothing_of_their_value_logged(
        make_settings, relay_factory, sink):
    settings = make_settings()
    good = make_message(to=("bob.smith@example-council.gov.uk",))
    with capture_logs(settings, forbidden=(ZARA, "zara", "hussain")) as logs:
        relay = relay_factory(settings)
        script = b"EHLO client.example\r\n"
        for line, _ in HOSTILE:
            script += (MAIL + b"\r\n" if line.startswith(b"RCPT") else b"") + line + b"\r\n"
            script += b"RSET\r\n"
        # well formed, in lower case, in the same session: taken and passed on as written
        script += (MAIL + b" ret=hdrs envid=Q1+2Bx\r\n" + RCPT +
                   b" notify=success,delay orcpt=rfc822;B+2Bx@y.org\r\nDATA\r\n" + good +
                   b".\r\nQUIT\r\n")
        out = talk(relay.port, script)
        with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:  # a new session
            assert client.sendmail(SENDER, [BOB], make_message(to=(BOB,), subject="Two"),
                                   rcpt_options=["NOTIFY=FAILURE"]) == {}
        relay.stop()
    got = replies(out)
    want: list[str] = []
    for line, reply in HOSTILE:
        want += (["250 2.1.0"] if line.startswith(b"RCPT") else []) + [reply, "250 2.0.0"]
    assert got[:len(want)] == want
    assert got[len(want):len(want) + 3] == ["250 2.1.0", "250 2.0.0", "354 End d"]
    assert got[-2:] == ["250 2.0.0", "221 2.0.0"]
    assert b"zara" not in out.lower() and b"hussain" not in out.lower()
    assert not [e for e in logs.events if e.get("event") == "smtp_exception"]
    first, second = sink.delivered
    assert first.mail_options[-2:] == ["RET=hdrs", "ENVID=Q1+2Bx"]
    assert first.rcpt_options == [["NOTIFY=success,delay", "ORCPT=rfc822;B+2Bx@y.org"]]
    assert second.rcpt_options == [["NOTIFY=FAILURE"]]


def _params():
    from hypothesis import strategies as st

    keyword = st.sampled_from(["RET", "ENVID", "NOTIFY", "ORCPT", "ret", "Notify", "orcpt",
                               "NOTıFY", "envıd", "SIZE", "BODY", "SMTPUTF8", ""])
    value = st.one_of(
        st.sampled_from(["FULL", "hdrs", "SUCCESS", "never", "success,delay,failure",
                         "ſuccess", "NEVER,SUCCESS", "rfc822;a+2Bb@x.org", "rfc822;",
                         "Q1+2", "Q1+zz", "x-local;" + "a" * 492]),
        st.text(max_size=40),
        st.text(st.characters(min_codepoint=0, max_codepoint=0x17F), max_size=600))
    param = st.builds(lambda k, eq, v: k + eq + v, keyword, st.sampled_from(["=", "", "=="]),
                      value)
    return st.lists(param, max_size=6)


def test_dsn_take_raises_nothing_but_bad_parameter_and_passes_on_what_it_takes_as_written():
    from hypothesis import given, settings

    @settings(max_examples=3000, deadline=None)
    @given(_params(), st_names())
    def check(params, names):
        try:
            taken, rest = dsn.take(params, names)
        except dsn.BadParameter:
            return
        written = {p.partition("=")[0].upper(): p.partition("=")[2] for p in params
                   if p.partition("=")[0].isascii()}
        for option in taken:
            name, _, value = option.partition("=")
            assert name in names and value == written[name]
            # the next hop gets it byte for byte: ASCII, printable, no space to split it on
            assert option.isascii() and option.isprintable() and " " not in option
            assert option.encode("ascii").decode("ascii") == option
        assert rest == [p for p in params if p.partition("=")[0].upper() not in names
                        or not p.partition("=")[0].isascii()]

    check()


def st_names():
    from hypothesis import strategies as st

    return st.sampled_from([dsn.MAIL_PARAMETERS, dsn.RCPT_PARAMETERS])


def test_two_thousand_pipelined_recipients_each_with_an_orcpt_keep_their_own_to_the_limit(
        make_settings, relay_factory, sink):
    settings = make_settings()
    rcpts = [f"r{i}@example-council.gov.uk" for i in range(2000)]
    script = b"EHLO client.example\r\n" + MAIL + b" RET=HDRS ENVID=Q1\r\n" + b"".join(
        f"RCPT TO:<{r}> NOTIFY=FAILURE ORCPT=rfc822;{r.upper()}\r\n".encode() for r in rcpts)
    script += b"DATA\r\n" + make_message(to=(BOB,)) + b".\r\nQUIT\r\n"
    with capture_logs(settings, forbidden=("r1999@", "r7@")):
        relay = relay_factory(settings)
        got = replies(talk(relay.port, script))
        relay.stop()
    # relay.max_recipients (1,000) taken, the rest told to try again in a later transaction
    assert got == ["250 2.1.0"] + ["250 2.0.0"] * 1000 + ["452 4.5.3"] * 1000 + [
        "354 End d", "250 2.0.0", "221 2.0.0"]
    [delivered] = sink.delivered
    assert delivered.rcpt_tos == rcpts[:1000]
    assert delivered.rcpt_options == [["NOTIFY=FAILURE", f"ORCPT=rfc822;{r.upper()}"]
                                      for r in rcpts[:1000]]


def test_a_command_one_byte_over_its_longer_dsn_limit_gets_500_and_the_session_goes_on(
        relay, sink):
    # after EHLO: MAIL may be 512 + 146 characters long, RCPT 512 + 500 (CRLF not counted)
    mail = MAIL + b" RET=HDRS ENVID=" + b"e" * 100 + b" XPAD="
    rcpt = RCPT + b" NOTIFY=SUCCESS ORCPT=rfc822;" + b"b" * 400 + b" XPAD="
    mail_at, rcpt_at = mail.ljust(658, b"m"), rcpt.ljust(1012, b"r")
    script = (b"EHLO client.example\r\n" + mail_at + b"\r\n" + mail_at + b"m\r\n" + MAIL +
              b"\r\n" + rcpt_at + b"\r\n" + rcpt_at + b"r\r\n" + RCPT + b"\r\nDATA\r\n" +
              make_message(to=(BOB,)) + b".\r\nQUIT\r\n")
    got = replies(talk(relay.port, script))
    # at the limit: read, and refused for the unknown XPAD (aiosmtpd's 555), not its length
    assert got == ["555 5.5.4", "500 5.5.2", "250 2.1.0", "555 5.5.4", "500 5.5.2",
                   "250 2.0.0", "354 End d", "250 2.0.0", "221 2.0.0"]
    assert len(sink.delivered) == 1


def test_a_helo_session_gets_501_for_any_dsn_parameter_and_no_longer_lines(relay, sink):
    orcpt = b" ORCPT=rfc822;zara.hussain@" + b"x" * 450 + b".org"  # 512 is HELO's limit
    out = talk(relay.port, b"HELO client.example\r\n" + MAIL + b" RET=HDRS\r\n" +
               MAIL + b" ENVID=zara.hussain\r\n" + MAIL + b"\r\n" + RCPT + b" NOTIFY=SUCCESS\r\n" +
               RCPT + orcpt + b"\r\n" + RCPT + b"\r\nDATA\r\n" + make_message(to=(BOB,)) +
               b".\r\nQUIT\r\n")
    assert replies(out) == ["501 5.5.4", "501 5.5.4", "250 2.1.0", "501 5.5.4", "500 5.5.2",
                            "250 2.0.0", "354 End d", "250 2.0.0", "221 2.0.0"]
    assert sink.delivered[0].rcpt_options == [[]]
