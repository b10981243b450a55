"""SMTP abuse: slow, out-of-order, over-pipelined and smuggling clients, each answered per
RFC 5321 while the relay goes on serving everyone else."""

from __future__ import annotations

import smtplib
import socket
import threading
import time

from dlpgate.testing import make_message


def talk(port: int, payload: bytes, wait: float = 3.0) -> bytes:
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.recv(1024)  # greeting
    s.sendall(payload)
    s.settimeout(wait)
    out = b""
    try:
        while chunk := s.recv(65536):
            out += chunk
            if b"221" in out:
                break
    except TimeoutError:
        pass
    s.close()
    return out


def test_a_client_sending_one_byte_at_a_time_does_not_hold_up_others(relay, sink):
    stop = threading.Event()

    def dribble() -> None:
        s = socket.create_connection(("127.0.0.1", relay.port), timeout=30)
        for byte in b"EHLO slow.example\r\nMAIL FROM:<a@example-council.gov.uk>\r\n":
            if stop.is_set():
                break
            s.send(bytes([byte]))
            time.sleep(0.1)
        s.close()

    slow = threading.Thread(target=dribble)
    slow.start()
    try:
        with smtplib.SMTP("127.0.0.1", relay.port, timeout=30) as client:
            client.sendmail("a@example-council.gov.uk", ["b@example-council.gov.uk"],
                            make_message(message_id="<quick@x>"))
        assert [m for m in sink.delivered if b"<quick@x>" in m.data]
    finally:
        stop.set()
        slow.join(30)


def test_commands_out_of_order_get_503_and_nothing_is_sent(relay, sink):
    out = talk(relay.port, b"EHLO x\r\nDATA\r\nRCPT TO:<b@example-council.gov.uk>\r\n"
                           b"MAIL FROM:<a@example-council.gov.uk>\r\n"
                           b"MAIL FROM:<a@example-council.gov.uk>\r\nQUIT\r\n")
    codes = [line[:3] for line in out.decode().splitlines() if line[:3].isdigit() and
             line[3:4] == " "]
    assert codes == ["250", "503", "503", "250", "503", "221"]
    assert sink.delivered == []


def test_a_whole_pipelined_transaction_in_one_write_is_answered_in_order(relay, sink):
    raw = make_message(message_id="<piped@x>")
    out = talk(relay.port, b"EHLO x\r\nMAIL FROM:<a@example-council.gov.uk>\r\n"
                           b"RCPT TO:<b@example-council.gov.uk>\r\nDATA\r\n" + raw +
                           b"\r\n.\r\nQUIT\r\n", wait=20)
    codes = [line[:3] for line in out.decode().splitlines() if line[3:4] == " "]
    assert codes == ["250", "250", "250", "354", "250", "221"]
    assert len([m for m in sink.delivered if b"<piped@x>" in m.data]) == 1


def test_bare_lf_dot_does_not_end_the_data_so_nothing_can_be_smuggled(relay, sink):
    body = (b"Subject: one\r\nMessage-ID: <outer@x>\r\n\r\nhello\n.\n"
            b"MAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\n"
            b"Subject: smuggled\r\n\r\nsmuggled\r\n")
    talk(relay.port, b"EHLO x\r\nMAIL FROM:<a@example-council.gov.uk>\r\n"
                     b"RCPT TO:<b@example-council.gov.uk>\r\nDATA\r\n" + body +
                     b"\r\n.\r\nQUIT\r\n", wait=20)
    assert all(m.mail_from != "evil@example.org" for m in sink.delivered)
    assert all("victim@example.org" not in m.rcpt_tos for m in sink.delivered)


def after_ehlo(out: bytes) -> list[str]:
    """The code and enhanced status of each final reply line after EHLO's."""
    return [line[:9] for line in out.decode(errors="replace").splitlines()
            if line[3:4] == " "][1:]


def test_an_address_with_a_nul_or_a_byte_that_is_not_utf8_gets_501_and_the_rest_goes_on(
        relay, sink):
    out = talk(relay.port, b"EHLO x\r\n"
                           b"MAIL FROM:<a\x00b@example-council.gov.uk>\r\n"
                           b"MAIL FROM:<a\xffb@example-council.gov.uk>\r\n"
                           b"MAIL FROM:<a@example-council.gov.uk>\r\n"
                           b"RCPT TO:<x\x00y@example-council.gov.uk>\r\n"
                           b"RCPT TO:<b@example-council.gov.uk>\r\n"
                           b"DATA\r\n" + make_message(message_id="<clean@x>") + b".\r\n"
                           b"QUIT\r\n", wait=10)
    codes = after_ehlo(out)
    assert codes[:4] == ["501 5.1.7", "501 5.1.7", "250 2.1.0", "501 5.1.3"]
    assert codes[4].startswith("250")  # the next hop's own answer to the good recipient
    [got] = sink.delivered
    assert got.rcpt_tos == ["b@example-council.gov.uk"] and b"<clean@x>" in got.data


def test_an_address_with_no_domain_gets_501_and_postmaster_alone_is_taken(relay, sink):
    # "sarah.khan" was relayed, logged in full and kept in the history where no erasure
    # could reach it
    out = talk(relay.port, b"EHLO x\r\n"
                           b"MAIL FROM:<mark.patel>\r\n"
                           b"MAIL FROM:<a@example-council.gov.uk>\r\n"
                           b"RCPT TO:<sarah.khan>\r\n"
                           b"RCPT TO:<@nhs.net>\r\n"
                           b"RCPT TO:<Postmaster>\r\n"
                           b"RCPT TO:<b@example-council.gov.uk>\r\n"
                           b"DATA\r\n" + make_message(message_id="<clean@x>") + b".\r\n"
                           b"QUIT\r\n", wait=10)
    codes = after_ehlo(out)
    assert codes[:4] == ["501 5.1.7", "250 2.1.0", "501 5.1.3", "553 5.1.3"]  # aiosmtpd's
    assert codes[4].startswith("250") and codes[5].startswith("250")
    [got] = sink.delivered
    assert got.rcpt_tos == ["Postmaster", "b@example-council.gov.uk"]
