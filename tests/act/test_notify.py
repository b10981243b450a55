"""Notices through the real relay: the sender is told, confirms or cancels by link, once."""

from __future__ import annotations

import asyncio
import re
import smtplib
import time

import httpx2 as httpx

from dlpgate.act.notify import gathered
from dlpgate.act.quarantine import release_due
from dlpgate.history import Pair
from dlpgate.review import links
from dlpgate.testing import free_port, make_message

NHS = "943 476 5919"
SENDER = "key.worker@example-council.gov.uk"


def start(make_settings, relay_factory, tmp_path, policy: str | None = None, **notifications):
    port = free_port()
    extra = {}
    if policy:
        (tmp_path / "p.yaml").write_text(policy)
        extra["policy"] = {"files": [str(tmp_path / "p.yaml")], "watch": False}
    settings = make_settings(
        review={"enabled": True, "listen": f"127.0.0.1:{port}", "secure_cookies": False},
        notifications={"public_url": f"http://127.0.0.1:{port}", **notifications}, **extra)
    return settings, relay_factory(settings)


def send(relay, to: str, body: str, subject: str = "Appointment") -> tuple[int, bytes]:
    raw = make_message(sender=SENDER, to=(to,), subject=subject, body=body)
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        client.ehlo()
        client.mail(SENDER)
        client.rcpt(to)
        code, _ = client.data(raw)
    return code, raw


def wait_for(sink, n: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while len(sink.received) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(sink.received) >= n, f"{len(sink.received)} of {n} messages at the sink"


def link_of(notice: bytes, purpose: str) -> str:
    """The notice's link for `purpose` (the purpose is inside the signed token)."""
    import base64

    for url in re.findall(r"http://\S+/l/\S+", notice.decode()):
        body = url.rsplit("/", 1)[1].split(".")[0]
        if base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).split(b".")[1] == \
                purpose.encode():
            return url
    raise AssertionError(f"no {purpose} link in the notice")


def test_a_confirm_hold_tells_the_sender_who_confirms_once_with_a_reason(
        make_settings, relay_factory, sink, tmp_path):
    settings, relay = start(make_settings, relay_factory, tmp_path)
    code, raw = send(relay, "parent.new@gmail.com", f"NHS number {NHS}, appointment Tuesday.\n")
    assert code == 250
    wait_for(sink, 1)
    [notice] = sink.received
    assert notice.rcpt_tos == [SENDER] and notice.mail_from == "<>"
    assert b"Auto-Submitted: auto-generated" in notice.data
    assert NHS.encode() not in notice.data  # nothing the sender did not write... or found
    # but what kind of thing was found, so the sender knows which of their words it was
    assert b"identifiers of 1 person (an NHS number) would go to a personal webmail" in \
        b" ".join(notice.data.split())
    confirm, cancel = link_of(notice.data, "confirm"), link_of(notice.data, "cancel")

    with httpx.Client(timeout=30) as web:
        looked = web.get(confirm)
        assert looked.status_code == 200  # looking (or a link scanner) does nothing
        # the page says what the notice said: which message, and the reasons it gave, not
        # the `log` rule's words for reviewers ("personal data (1 UK_NHS) would go to ...")
        assert "<dt>Subject</dt><dd>Appointment</dd>" in looked.text
        assert "(an NHS number) would go to a personal webmail" in looked.text
        assert "UK_NHS" not in looked.text
        time.sleep(0.3)
        assert len(sink.received) == 1
        assert web.post(confirm, data={"reason": ""}).status_code == 400
        done = web.post(confirm, data={"reason": "her mother asked for it"})
        assert done.status_code == 200 and "Confirmed" in done.text
        wait_for(sink, 2)
        released = sink.received[1]
        assert released.data.startswith(b"X-DLP-Released-By: sender at ")
        assert released.data.endswith(raw)
        again = web.post(confirm, data={"reason": "her mother asked for it"})
        assert again.status_code == 409 and "already been used" in again.text
        assert web.post(cancel).status_code == 409
        alarm = web.post(link_of(notice.data, "false-alarm"), data={"reason": "a parent"})
        assert "Thank you" in alarm.text
    assert len(sink.received) == 2
    audit = relay.store.audit_log()
    assert [(e.action, e.reason) for e in audit if e.action == "release"] == [
        ("release", "her mother asked for it")]
    [alarm_entry] = [e for e in audit if e.action == "false-alarm"]
    assert "identifiers-to-new-webmail" in alarm_entry.detail


def test_the_reply_to_a_message_held_for_its_sender_says_so(make_settings, relay_factory,
                                                            sink, tmp_path):
    # it said "held for review by information governance", who were not asked
    _, relay = start(make_settings, relay_factory, tmp_path)
    raw = make_message(sender=SENDER, to=("parent.new@gmail.com",), subject="Appointment",
                       body=f"NHS number {NHS}, appointment Tuesday.\n")
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        client.ehlo()
        client.mail(SENDER)
        client.rcpt("parent.new@gmail.com")
        code, text = client.data(raw)
    assert code == 250 and text.startswith(b"2.6.0 Ok: held until the sender confirms it: [")


def test_an_expired_or_altered_link_gets_a_clear_page(make_settings, relay_factory, sink,
                                                      tmp_path):
    settings, relay = start(make_settings, relay_factory, tmp_path)
    send(relay, "parent.new@gmail.com", f"NHS number {NHS}.\n")
    wait_for(sink, 1)
    [item] = relay.store.held("awaiting-sender")
    key = links.link_key(settings, relay.store)
    base = settings.notifications.public_url
    old = f"{base}/l/{links.make(key, item.id, 'confirm', time.time() - 1)}"
    with httpx.Client(timeout=30) as web:
        r = web.post(old, data={"reason": "it is fine really"})
        assert r.status_code == 410 and "expired" in r.text
        r = web.get(f"{base}/l/{links.make(b'guess', item.id, 'confirm', time.time() + 99)}")
        assert r.status_code == 410 and "not valid" in r.text
    assert relay.store.get_held(item.id).state == "awaiting-sender" and len(sink.received) == 1


DELAY = """\
rules:
  - id: undo-window
    title: Mail to a new address waits five minutes
    when: {recipients: {any: {signal: new-to-organisation}}}
    action: delay
    minutes: 5
    notify: [sender, reviewers]
    explain: "{recipient} is new"
"""


def test_a_delayed_message_leaves_when_its_window_ends_unless_cancelled(
        make_settings, relay_factory, sink, tmp_path):
    settings, relay = start(make_settings, relay_factory, tmp_path, policy=DELAY,
                            reviewers=["ig.team@example-council.gov.uk"])
    send(relay, "first@new-supplier.co.uk", "Hello.\n")
    send(relay, "second@other-supplier.co.uk", "Hello again.\n", subject="Second")
    wait_for(sink, 4)  # two notices each: the sender's and the IG mailbox's
    to_ig = [m for m in sink.received if m.rcpt_tos == ["ig.team@example-council.gov.uk"]]
    assert len(to_ig) == 2 and b"/m/" in to_ig[0].data
    second_notice = next(m for m in sink.received if b"Second" in m.data and
                         m.rcpt_tos == [SENDER])
    with httpx.Client(timeout=30) as web:
        r = web.post(link_of(second_notice.data, "cancel"))
        assert "Cancelled" in r.text
    waiting = relay.store.held("awaiting-sender")
    assert len(waiting) == 1 and waiting[0].delay_minutes == 5
    early = asyncio.run(release_due(relay.store, settings, now=waiting[0].created + 60))
    assert early == [] and len(sink.received) == 4
    due = asyncio.run(release_due(relay.store, settings, now=waiting[0].created + 301))
    assert [r.state for r in due] == ["released"]
    assert len(sink.received) == 5 and sink.received[-1].rcpt_tos == ["first@new-supplier.co.uk"]
    states = sorted(i.state for i in relay.store.held(None))
    assert states == ["rejected", "released"]


def test_notices_and_link_use_leave_no_personal_data_in_the_logs(
        make_settings, relay_factory, sink, tmp_path):
    from dlpgate.testing import capture_logs

    settings, relay = start(make_settings, relay_factory, tmp_path)
    with capture_logs(settings, forbidden=("key.worker", "parent.new", NHS, "Appointment",
                                           "her mother")) as logs:
        send(relay, "parent.new@gmail.com", f"NHS number {NHS}, appointment Tuesday.\n")
        wait_for(sink, 1)
        with httpx.Client(timeout=30) as web:
            web.post(link_of(sink.notices[0].data, "confirm"),
                     data={"reason": "her mother asked"})
        wait_for(sink, 2)
    events = [e["event"] for e in logs.events]
    assert "message" in events and "notice_sent" in events


def test_a_notice_the_next_hop_refuses_is_logged_by_its_codes_alone(
        make_settings, relay_factory, sink, tmp_path):
    from dlpgate.testing import capture_logs

    settings, relay = start(make_settings, relay_factory, tmp_path)
    sink.handler.data_reply = "554 5.7.1 Rejected: a message about Amy Jones"
    with capture_logs(settings, forbidden=("Amy Jones", "key.worker")) as logs:
        code, _ = send(relay, "parent.new@gmail.com", f"NHS number {NHS}, Tuesday.\n")
        deadline = time.monotonic() + 20
        while not any(e["event"] == "notice_failed" for e in logs.events) and \
                time.monotonic() < deadline:
            time.sleep(0.05)
    [failed] = [e for e in logs.events if e["event"] == "notice_failed"]
    assert code == 250 and failed["error"] == "the next hop refused the notice: 554 5.7.1"


def test_a_sender_whose_address_has_accents_is_told_too(
        make_settings, relay_factory, sink, tmp_path):
    # the notice could not be written (an ASCII-only message) and was lost without a word
    _, relay = start(make_settings, relay_factory, tmp_path)
    sender = "m\u00e4rk.p\u00e4tel@example-council.gov.uk"
    raw = make_message(sender=sender, to=("parent.new@gmail.com",), subject="Appointment",
                       body=f"NHS number {NHS}, Tuesday.\n")
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        client.ehlo()
        client.mail(sender, options=["SMTPUTF8"])
        client.rcpt("parent.new@gmail.com")
        code, _ = client.data(raw)
    wait_for(sink, 1)
    [notice] = sink.notices
    assert code == 250 and notice.rcpt_tos == [sender]
    assert "To: m\u00e4rk.p\u00e4tel@" in notice.data.decode()


def test_a_notice_declares_its_exact_size_to_the_next_hop(
        make_settings, relay_factory, sink, tmp_path):
    # a next hop with a smaller maximum then refuses it at MAIL, before any recipient
    _, relay = start(make_settings, relay_factory, tmp_path)
    code, _ = send(relay, "parent.new@gmail.com", f"NHS number {NHS}, Tuesday.\n")
    wait_for(sink, 1)
    [notice] = sink.notices
    assert code == 250 and f"SIZE={len(notice.data)}" in notice.mail_options


TELL_AFTER = """\
rules:
  - id: lookalike-note
    title: A look-alike address with nothing personal goes, and the sender is told
    when: {recipients: {any: {signal: lookalike-domain}}}
    action: log
    notify: [sender]
    explain: "{recipient}: {signals}"
  - id: any-webmail-confirm
    title: Webmail is confirmed
    when: {recipients: {any: {signal: personal-webmail}}}
    action: confirm
    notify: [sender]
    explain: "{recipient}: confirm it is meant to go to webmail"
  - id: nhs-held
    title: NHS numbers to webmail are held
    when: {all: [{findings: {entity: UK_NHS}}, {recipients: {any: {signal: personal-webmail}}}]}
    action: hold
    notify: [sender]
    explain: "{recipient}: NHS numbers to webmail"
"""


def test_a_rule_that_lets_mail_go_and_asks_to_tell_the_sender_tells_them_after(
        make_settings, relay_factory, sink, tmp_path):
    # the shipped lookalike-address says "the sender is told"; notices went for holds alone
    _, relay = start(make_settings, relay_factory, tmp_path, policy=TELL_AFTER)
    relay.store.learn([Pair(SENDER, "referrals@nhs.net", time.time(), 40)])
    code, _ = send(relay, "referrals@nhs-net.com", "Are you free on Tuesday?\n")
    wait_for(sink, 2)
    [notice] = sink.notices
    assert code == 250 and [m.rcpt_tos for m in sink.delivered] == [["referrals@nhs-net.com"]]
    text = notice.data.decode()
    assert notice.rcpt_tos == [SENDER] and "has been sent, but please check" in text
    assert "nhs-net.com" in text and "nhs.net" in text


def test_a_held_senders_notice_gives_the_reasons_of_the_rules_that_held_it(
        make_settings, relay_factory, sink, tmp_path):
    # a confirm rule's "confirm it is meant to" sat above "you need not do anything"
    _, relay = start(make_settings, relay_factory, tmp_path, policy=TELL_AFTER)
    send(relay, "parent.new@gmail.com", f"NHS number {NHS}.\n")
    wait_for(sink, 1)
    text = sink.notices[0].data.decode()
    assert "NHS numbers to webmail" in text and "confirm it is meant" not in text
    assert "you need not do anything" in text


def test_a_sender_outside_the_organisation_is_never_told(make_settings, relay_factory, sink,
                                                          tmp_path):
    # a relay that also sees inbound mail told a resident, in the council's words, which
    # address colleagues here write to
    _, relay = start(make_settings, relay_factory, tmp_path, policy=TELL_AFTER)
    relay.store.learn([Pair(SENDER, "referrals@nhs.net", time.time(), 40)])
    resident = "resident.smith@gmail.com"
    raw = make_message(sender=resident, to=("referrals@nhs-net.com",), subject="Bins",
                       body="My bins.\n")
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        client.sendmail(resident, ["referrals@nhs-net.com"], raw)
    wait_for(sink, 1)
    time.sleep(1.0)  # a notice would have followed by now
    assert sink.notices == [] and len(sink.delivered) == 1


def test_the_notice_of_a_message_to_forty_people_reaches_the_sender(
        make_settings, relay_factory, sink, tmp_path):
    # the line naming every recipient ran past SMTP's 1,000 characters and the next hop
    # refused the notice (500 Line too long): the sender never heard why
    _, relay = start(make_settings, relay_factory, tmp_path, policy=TELL_AFTER)
    rcpts = [f"resident.number{i:02d}@gmail.com" for i in range(40)]
    raw = make_message(sender=SENDER, to=tuple(rcpts), subject="Repairs booked via "
                       "https://repairs.example-council.gov.uk/book",  # a link kept it whole
                       body=f"NHS number {NHS}.\n")
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        client.sendmail(SENDER, rcpts, raw)
    wait_for(sink, 1)
    text = sink.notices[0].data.decode()
    assert all(len(line) <= 998 for line in text.splitlines())
    assert "resident.number39@gmail.com" in text and "has not been sent yet" in text
    # each reason once, not forty times over
    assert text.count("resident.number00@gmail.com, resident.number01@gmail.com, "
                      "resident.number02@gmail.com and 37 more recipients: ") >= 1
    assert "resident.number39@gmail.com:" not in text
    assert re.search(r"http://\S+/l/\S+", text)  # the links still whole


def test_a_senders_notice_names_a_file_called_after_its_person_with_its_values_masked(
        make_settings, relay_factory, sink, tmp_path):
    # the sender named the file, but the notice is one more e-mail (kept, journalled,
    # forwarded): it gave "Amy Reid NHS 943 476 5919 DOB 12-03-2015.zip: password-protected
    # ZIP archive" whole. It now names it as reviewers see it before a reason, recognisable
    # to the one who named it.
    from dlpgate import testdata
    from dlpgate.testing import capture_logs

    name = f"Amy Reid NHS {NHS} DOB 12-03-2015.zip"
    settings, relay = start(make_settings, relay_factory, tmp_path)
    raw = make_message(sender=SENDER, to=("parent.new@gmail.com",), subject="Referral",
                       body="See attached.\n", attachments=(
                           (name, "application/zip", testdata.make_encrypted_zip({"a": b"b"})),))
    with capture_logs(settings, forbidden=(NHS, "12-03-2015", "Amy Reid")):
        with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
            client.sendmail(SENDER, ["parent.new@gmail.com"], raw)
        wait_for(sink, 1)
    text = sink.notices[0].data.decode()
    assert NHS not in text and "12-03-2015" not in text
    assert "\u2022919 DOB \u2022\u2022-\u2022\u2022-\u2022015.zip: password-protected ZIP archive" \
        in text
    page = httpx.get(link_of(sink.notices[0].data, "false-alarm"), timeout=30).text
    assert NHS not in page and "\u2022919 DOB" in page


def test_a_reason_given_for_many_recipients_is_said_once_naming_three_of_them():
    carers = tuple(f"carer{i}@hotmail.com" for i in range(12))
    why = "special-category data would go to a recipient who is not expected"
    reasons = [f"{c}: {why}" for c in carers[:6]] + ["16 addresses in To; use Bcc"] + [
        f"{c}: {why}" for c in carers[6:]] + [
        "sarah.khan@nhs.com: nhs.com has the name of nhs.net",
        "carer0@hotmail.com: hotmail.com is a personal webmail service",
        "carer1@hotmail.com: hotmail.com is a personal webmail service",
        "nobody@elsewhere.org: not a recipient, so not gathered",
        "nobody@elsewhere.org: not a recipient, so not gathered"]
    assert gathered(reasons, (*carers, "Sarah.Khan@nhs.com")) == [
        f"carer0@hotmail.com, carer1@hotmail.com, carer2@hotmail.com and 9 more recipients: "
        f"{why}",
        "16 addresses in To; use Bcc",
        "sarah.khan@nhs.com: nhs.com has the name of nhs.net",
        "carer0@hotmail.com and carer1@hotmail.com: hotmail.com is a personal webmail service",
        "nobody@elsewhere.org: not a recipient, so not gathered",
        "nobody@elsewhere.org: not a recipient, so not gathered"]
