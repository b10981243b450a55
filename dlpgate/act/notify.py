"""Tell people about a hold: the sender, in plain words, and the IG mailbox for serious ones.

Notices go straight to the next hop (never through the relay's own scan), from a
null envelope sender with `Auto-Submitted: auto-generated`, so they cannot loop.
The sender's notice says why and what happens next and carries no personal data
beyond what the sender wrote (their own subject and recipients); for `confirm`
and `delay` it carries signed links (dlpgate.review.links). Every notice offers
"this was a false alarm", which is recorded against the rules that held it.
"""

from __future__ import annotations

import email.policy
import ipaddress
import re
import textwrap
import time
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from dlpgate import obs
from dlpgate.act.relay import NextHop, status_of
from dlpgate.config import Settings, split_host_port
from dlpgate.history import domain_of, in_domains
from dlpgate.model import Envelope, ScanResult
from dlpgate.review import links
from dlpgate.store.base import HeldMessage

log = obs.logger("dlpgate.notify")


def notice_sender(settings: Settings) -> str:
    n = settings.notifications
    if n.sender:
        return n.sender
    internal = settings.organisation.internal_domains
    return f"dlpgate@{internal[0]}" if internal else "dlpgate@localhost"


def base_url(settings: Settings) -> str:
    return (settings.notifications.public_url or f"http://{settings.review.listen}").rstrip("/")


def unreachable_links(settings: Settings, policy) -> str:
    """Why the links in senders' notices would lead nowhere, or "": a confirm or delay rule
    in force, notices on, no public URL set, and the review app either not started here
    (they pointed at 127.0.0.1:8025, where nothing listened, and each message waited for
    expiry) or listening where no sender's browser reaches it (loopback, behind the TLS
    proxy operator.md advises: the links led to the sender's own machine)."""
    n = settings.notifications
    waiting = sorted(r.id for r in policy.rules
                     if r.mode == "enforce" and r.action.value in ("confirm", "delay"))
    if not n.enabled or not waiting or n.public_url:
        return ""
    if not settings.review.enabled:
        where = "but review.enabled is false"
    elif _only_here(settings.review.listen):
        where = "which only this machine reaches"
    else:
        return ""
    return (f"rules {', '.join(waiting)} wait for their senders, whose notices link to "
            f"{base_url(settings)}, {where}, and notifications.public_url is not set: set "
            "public_url to where senders reach the review app"
            + ("" if settings.review.enabled else ", or enable it here"))


def _only_here(listen: str) -> bool:
    """A listening address no other machine's browser can be sent to: loopback, or the
    unspecified address (0.0.0.0, ::), which is where to listen and not where to go."""
    host = split_host_port(listen)[0]
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name: whoever chose it meant it to be reached
    return address.is_loopback or address.is_unspecified


def subject_of(item: HeldMessage) -> str:
    import email

    from dlpgate.parse.mime import header_text

    msg = email.message_from_bytes(item.raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n")
    return " ".join(header_text(msg.get("Subject", "") or "").split())[:150]


def sender_notice(item: HeldMessage, settings: Settings, key: bytes, now: float) -> EmailMessage:
    url = base_url(settings)
    expires = now + settings.notifications.link_hours * 3600

    def link(purpose: str) -> str:
        return f"{url}/l/{links.make(key, item.id, purpose, expires)}"

    subject = subject_of(item)
    lines = [f"Your message \"{subject}\" to {', '.join(item.rcpt_tos)} has not been sent yet.",
             "", "Why:"]
    lines += [f"  - {r}" for r in sender_reasons(item)] + [""]
    if item.action == "confirm":
        lines += ["If it is meant to go, confirm it (you will be asked for a short reason):",
                  f"  {link('confirm')}", "If it is not, cancel it:", f"  {link('cancel')}",
                  f"Until you confirm, it will not be sent. The links work for "
                  f"{settings.notifications.link_hours} hours."]
    elif item.action == "delay":
        when = time.strftime("%H:%M", time.localtime(item.created + item.delay_minutes * 60))
        lines += [f"It will be sent at {when} unless you cancel it:", f"  {link('cancel')}",
                  "To send it now:", f"  {link('send-now')}"]
    else:
        lines += ["Your information governance team will look at it; you need not do anything.",
                  f"If it is urgent, contact them and quote reference {item.id}."]
    lines += ["", "If this was a false alarm, please say so; it helps tune the rules:",
              f"  {link('false-alarm')}", "", "-- dlpgate, your council's outgoing mail check"]
    return _notice(settings, item.mail_from, f"Not sent yet: {subject}", "\n".join(lines))


def sender_reasons(item: HeldMessage) -> list[str]:
    """The reasons of the rules whose action was taken: a rule that asked less (confirm,
    when another held the message) says what the sender is not being asked to do ("confirm
    it is meant to", above "you need not do anything"). The page the notice's links open
    says the same, not every rule's reason ("personal data (1 PERSON, 1 UK_NHS) would go to
    gmail.com", a `log` rule's words for reviewers)."""
    taken = [r for m in item.taken_matches() for r in m.get("reasons", ())]
    return gathered(list(dict.fromkeys(taken)) or list(item.reasons), item.rcpt_tos)


def gathered(reasons: list[str], recipients: tuple[str, ...], named: int = 3) -> list[str]:
    """`reasons` with those that differ only in the recipient they begin with ("carer3@...:
    special-category data ... would go to a recipient who is not expected") said once, for
    the first `named` of the recipients and how many more: forty carers in To made forty
    lines of one reason for each rule, and the reason that was not about them was lost
    among them. Only a prefix that is one of the message's recipients is read as one."""
    rcpts = {r.lower() for r in recipients}
    groups: dict[str, list[str]] = {}
    order: list[tuple[str, str]] = []  # (kind, key): a reason alone, or a gathered one
    for reason in reasons:
        who, sep, rest = reason.partition(": ")
        if sep and who.lower() in rcpts:
            if rest not in groups:
                order.append(("rest", rest))
            groups.setdefault(rest, []).append(who)
        else:
            order.append(("alone", reason))
    out = []
    for kind, key in order:
        if kind == "alone":
            out.append(key)
            continue
        who = list(dict.fromkeys(groups[key]))
        if len(who) <= named + 1:
            listed = who[0] if len(who) == 1 else f"{', '.join(who[:-1])} and {who[-1]}"
        else:
            listed = f"{', '.join(who[:named])} and {len(who) - named} more recipients"
        out.append(f"{listed}: {key}")
    return out


def sent_notice(result: ScanResult, envelope: Envelope, settings: Settings) -> EmailMessage:
    """A message a rule let go (`log`) and asked to tell the sender about: the look-alike
    address with nothing personal in it. It has gone; the next one need not go the same way."""
    subject = " ".join(result.message.subject.split())[:150]
    lines = [f"Your message \"{subject}\" to {', '.join(envelope.rcpt_tos)} has been sent, "
             "but please check where it went:", ""]
    lines += [f"  - {r}" for r in result.decision.reasons] + [""]
    lines += ["If it went to the wrong person, tell your information governance team now and "
              f"quote reference {result.scan_id}; send the next message to the right address.",
              "", "-- dlpgate, your council's outgoing mail check"]
    return _notice(settings, envelope.mail_from, f"Sent, please check: {subject}",
                   "\n".join(lines))


def ours(settings: Settings, sender: str) -> bool:
    """Whether a sender is one of the organisation's, to be told about their mail: a relay
    that also sees inbound mail would otherwise tell a resident writing in, in the council's
    words, what its colleagues write to. With no internal domains configured, anyone."""
    internal = settings.organisation.internal_domains
    return sender not in ("", "<>") and (not internal or in_domains(domain_of(sender), internal))


async def notify_sent(settings: Settings, result: ScanResult, envelope: Envelope) -> None:
    """Tell the sender of a relayed message its rules asked to tell them of; never raises."""
    if not settings.notifications.enabled or not ours(settings, envelope.mail_from) or \
            "sender" not in result.decision.notify:
        return
    await _send_logged(settings, sent_notice(result, envelope, settings),
                       [envelope.mail_from], result.scan_id, "sender", kind="sent")


def reviewer_notice(item: HeldMessage, settings: Settings) -> EmailMessage:
    domains = ", ".join(sorted({domain_of(r) for r in item.rcpt_tos}))
    body = (f"A message from {item.mail_from} to {domains} is held by "
            f"{', '.join(item.rules)} (action: {item.action}).\n\n"
            f"Review it: {base_url(settings)}/m/{item.id}\n")
    return _notice(settings, ", ".join(settings.notifications.reviewers),
                   f"Held for review: {', '.join(item.rules)} [{item.id}]", body)


# Links must reach the reader whole: lines up to SMTP's 998, no quoted-printable folding.
_POLICY = email.policy.SMTP.clone(max_line_length=998)


_LONGEST = 998  # SMTP's line, without its CRLF
_LINK = re.compile(r"\S+://\S+")  # a line that is only a link is never broken


def _wrapped(body: str, width: int = 76) -> str:
    """A line past SMTP's limit wrapped (links never are): the line naming forty recipients
    ran past 1,000 characters, and a next hop that enforces it refused the notice, so the
    sender was never told why their mail was held."""
    out: list[str] = []
    for line in body.split("\n"):
        if len(line) <= _LONGEST or _LINK.fullmatch(line.strip()):
            out.append(line)
            continue
        indent = line[:len(line) - len(line.lstrip())]
        first = indent + ("  " if line.lstrip().startswith("- ") else "")
        out += textwrap.wrap(line, width, subsequent_indent=first, break_long_words=False,
                             break_on_hyphens=False) or [line]
    return "\n".join(out)


def _notice(settings: Settings, to: str, subject: str, body: str) -> EmailMessage:
    body = _wrapped(body)
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = notice_sender(settings)
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now().astimezone())
    msg["Message-ID"] = make_msgid(domain=notice_sender(settings).rpartition("@")[2])
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-DLP-Notice"] = "yes"
    msg.set_content(body, cte="8bit" if not body.isascii() else "7bit")
    return msg


async def send(settings: Settings, msg: EmailMessage, rcpts: list[str]) -> str:
    """'' once the next hop took it, else what went wrong, in words that name no one (the
    next hop's reply by its codes alone: its text may quote the message)."""
    # a sender at an address with accents (SMTPUTF8) is told too: in UTF-8, as they wrote
    utf8 = not all(r.isascii() for r in [*rcpts, str(msg["To"] or "")])
    data = msg.as_bytes(policy=_POLICY.clone(utf8=True)) if utf8 else msg.as_bytes()
    data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    # its size declared, as for mail we relay: a next hop with a smaller maximum says so at
    # MAIL, before any recipient is given
    options = [f"SIZE={len(data)}", *(["SMTPUTF8"] if utf8 else [])]
    hop = NextHop(settings.relay)
    try:
        tx, reply = await hop.begin("<>", options)
        if tx is None:
            return f"the next hop refused the notice: {status_of(reply.code, reply.text)}"
        took = [r for r in rcpts if (await tx.rcpt(r)).ok]
        if not took:
            await tx.abort()
            return "the next hop refused every recipient"
        sent = await tx.send(data)
        return "" if sent.ok else f"the next hop refused the notice: " \
            f"{status_of(sent.code, sent.text)}"
    finally:
        await hop.close()


async def _send_logged(settings: Settings, msg: EmailMessage, rcpts: list[str], scan_id: str,
                       to: str, **extra: str) -> None:
    """`send`, logged; never raises, for it runs beside the mail that prompted it."""
    try:
        error = await send(settings, msg, rcpts)
    except Exception as exc:  # its text may hold the address it could not write
        error = f"could not send the notice ({type(exc).__name__})"
    if error:
        log.error("notice_failed", scan_id=scan_id, to=to, error=error[:200])
    else:
        log.info("notice_sent", scan_id=scan_id, to=to, **extra)


async def notify_held(store, settings: Settings, item: HeldMessage) -> None:
    """The notices a held message's rules ask for; failures are logged, never fatal."""
    if not settings.notifications.enabled:
        return
    jobs = []
    if "sender" in item.notify and ours(settings, item.mail_from):
        key = links.link_key(settings, store)
        jobs.append(("sender", sender_notice(item, settings, key, time.time()),
                     [item.mail_from]))
    if "reviewers" in item.notify and settings.notifications.reviewers:
        jobs.append(("reviewers", reviewer_notice(item, settings),
                     list(settings.notifications.reviewers)))
    for who, msg, rcpts in jobs:
        await _send_logged(settings, msg, rcpts, item.id, who)


async def notify_partly_sent(settings: Settings, item: HeldMessage, sent_to: list[str],
                             left_out: list[str], refused: list[tuple[str, int]]) -> None:
    """Tell the sender a released message did not reach everyone it was addressed to: a
    reviewer released it to some recipients only, or the next hop refused some. They had
    been told it was held; without this they would take it that all of them have it.

    Like `notify_closed`, in dlpgate's own words (never the reviewer's comment), and the
    next hop's refusal by its code alone.
    """
    if not settings.notifications.enabled or not ours(settings, item.mail_from) or \
            not (left_out or refused):
        return
    subject = subject_of(item)
    lines = [f"Your message \"{subject}\" has been sent to {', '.join(sent_to)}.", "",
             "It was not sent to:"]
    lines += [f"  - {r}: your information governance team released it to the other "
              "recipients only" for r in left_out]
    lines += [f"  - {r}: the receiving mail system refused it ({code})" for r, code in refused]
    lines += ["", "If it still needs to reach them, check the address and contact your "
              f"information governance team, quoting reference {item.id}.", "",
              "-- dlpgate, your council's outgoing mail check"]
    await _send_logged(settings, _notice(settings, item.mail_from,
                                         f"Not sent to everyone: {subject}", "\n".join(lines)),
                       [item.mail_from], item.id, "sender", kind="partly-sent")


async def notify_closed(settings: Settings, item: HeldMessage, why: str) -> None:
    """Tell the sender a held message will never be sent (rejected or expired).

    `why` is dlpgate's own sentence, never a reviewer's comment (which may name people).
    """
    if not settings.notifications.enabled or not ours(settings, item.mail_from):
        return
    subject = subject_of(item)
    body = (f"Your message \"{subject}\" to {', '.join(item.rcpt_tos)} was not sent: {why}.\n\n"
            f"If it still needs to go, contact your information governance team and quote "
            f"reference {item.id}.\n\n-- dlpgate, your council's outgoing mail check")
    await _send_logged(settings, _notice(settings, item.mail_from, f"Not sent: {subject}", body),
                       [item.mail_from], item.id, "sender", kind="closed")
