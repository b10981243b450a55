"""Every SMTP reply dlpgate makes up itself, in one catalogue.

The name of each reply carries its code (R451_SCAN_FAILED is a 451), and a
test checks that the digits agree, so reading `return R250_HELD` says exactly
what the client sees. Replies that come from the next hop are passed through
verbatim and are not listed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dlpgate.model import Outcome


@dataclass(frozen=True, slots=True)
class Reply:
    code: int
    status: str  # RFC 3463 enhanced status code
    text: str

    def __str__(self) -> str:
        return f"{self.code} {self.status} {self.text}"

    def with_text(self, extra: str) -> str:
        return f"{self.code} {self.status} {self.text}: {extra}"

    @property
    def temporary(self) -> bool:
        return 400 <= self.code < 500


R250_RELAYED = Reply(250, "2.0.0", "Ok: relayed")
R250_HELD = Reply(250, "2.6.0", "Ok: held for review by information governance")
# confirm and delay wait for the sender, not for a reviewer
R250_HELD_FOR_SENDER = Reply(250, "2.6.0", "Ok: held until the sender confirms it")
R250_DELAYED = Reply(250, "2.6.0", "Ok: held for a few minutes; the sender may cancel it")
R250_ALREADY_DELIVERED = Reply(250, "2.0.0", "Ok: already delivered")
R250_DISCARDED = Reply(250, "2.0.0", "Ok")
R421_TOO_MANY_SESSIONS = Reply(421, "4.3.2", "Too many connections, try again later")
R421_SHUTTING_DOWN = Reply(421, "4.3.2", "Service shutting down, try again later")
R451_SCAN_FAILED = Reply(451, "4.3.0", "Message could not be scanned, try again later")
R451_SCAN_TIMEOUT = Reply(451, "4.3.0", "Scan took too long, try again later")
R451_OVERLOADED = Reply(451, "4.3.1", "Gateway busy, try again later")
R451_NEXT_HOP_DOWN = Reply(451, "4.4.1", "Next hop unavailable, try again later")
R451_NEXT_HOP_TIMEOUT = Reply(451, "4.4.2", "Next hop timed out, try again later")
R451_STORE_FAILED = Reply(451, "4.3.0", "Could not store message safely, try again later")
R451_IN_PROGRESS = Reply(451, "4.3.0", "This message is being delivered now, try again later")
R451_INTERNAL = Reply(451, "4.3.0", "Internal error, try again later")
R452_TOO_MANY_RECIPIENTS = Reply(452, "4.5.3", "Too many recipients")
R501_BAD_SENDER = Reply(501, "5.1.7", "Bad sender address syntax")
R501_BAD_RECIPIENT = Reply(501, "5.1.3", "Bad recipient address syntax")
# RFC 3461's RET, ENVID, NOTIFY or ORCPT with a value its syntax does not allow; X.5.4 is
# "invalid command arguments", what Postfix answers too
R501_BAD_DSN_PARAMETER = Reply(501, "5.5.4", "Invalid DSN parameter")
R550_POLICY_REJECT = Reply(550, "5.7.1", "Message refused by data-protection policy")
# aiosmtpd's own two 552s (SIZE= over relay.max_message_size, and DATA past it) said neither
# what nor why in a code a DSN carries; RFC 3463 X.3.4 is "message too big for system"
R552_TOO_BIG = Reply(552, "5.3.4", "Message size exceeds fixed maximum message size")
# RFC 1870: a message declared bigger than the fixed maximum the next hop offers (its SIZE)
# is not offered to it, where it refused only after the whole DATA had gone
R552_TOO_BIG_FOR_NEXT_HOP = Reply(552, "5.3.4", "Message size exceeds the next hop's fixed "
                                  "maximum message size")
# RFC 6531 §3.5: mail sent with SMTPUTF8 that needs it may not go to a next hop that does
# not offer it, and dlpgate does not downgrade; the hop's own "500 Error: strict ASCII mode"
# was passed back and told the sender nothing. X.6.7 at MAIL and RCPT, X.6.9 after the data.
R553_SENDER_NEEDS_SMTPUTF8 = Reply(
    553, "5.6.7", "Next hop does not support SMTPUTF8, which the sender's address needs")
R553_RECIPIENT_NEEDS_SMTPUTF8 = Reply(
    553, "5.6.7", "Next hop does not support SMTPUTF8, which this recipient's address needs")
R554_HEADERS_NEED_SMTPUTF8 = Reply(
    554, "5.6.9", "Next hop does not support SMTPUTF8, which this message's headers need")
R554_NOT_ALLOWED = Reply(554, "5.7.1", "Client not allowed to relay through this gateway")

ALL = {name: value for name, value in globals().items() if isinstance(value, Reply)}


# The one table from what the gateway did to what the client is told. Outcomes
# whose reply depends on circumstance (a tempfail's cause, a next hop's own
# refusal) pass a more specific reply alongside; this is the default for each.
OUTCOME_REPLIES: dict[Outcome, Reply] = {
    Outcome.RELAYED: R250_RELAYED,
    Outcome.HELD: R250_HELD,
    Outcome.REJECTED: R550_POLICY_REJECT,
    Outcome.TEMPFAIL: R451_INTERNAL,
}


def reply_for(outcome: Outcome, specific: Reply | None = None) -> Reply:
    reply = specific or OUTCOME_REPLIES[outcome]
    expected_class = {
        Outcome.RELAYED: 2, Outcome.HELD: 2, Outcome.REJECTED: 5, Outcome.TEMPFAIL: 4
    }[outcome]
    if reply.code // 100 != expected_class:
        raise ValueError(f"{reply} cannot report outcome {outcome}")
    return reply


# RFC 3463 codes for the replies aiosmtpd makes itself, which carry none ("503 Error: need
# RCPT command"), by reply code, as Postfix's smtpd gives them. A code not listed gets the
# class's X.0.0. Once ENHANCEDSTATUSCODES is offered every reply must carry one (RFC 2034 §3).
LIBRARY_STATUS: dict[int, str] = {
    220: "2.0.0",  # "Ready to start TLS"; the greeting itself carries none
    221: "2.0.0", 250: "2.0.0", 252: "2.0.0",
    454: "4.7.0",  # TLS not available
    500: "5.5.2", 501: "5.5.4", 502: "5.5.1", 503: "5.5.1", 504: "5.5.4", 555: "5.5.4",
    530: "5.7.0", 554: "5.7.0",  # STARTTLS first; refused for lack of security
}
# The library's replies whose own words we replace with the catalogue's.
LIBRARY_REPLACED: dict[int, Reply] = {552: R552_TOO_BIG}  # aiosmtpd's 552s are all size

_HAS_STATUS = re.compile(r"\d{3}[ -][245]\.\d{1,3}\.\d{1,3}(?: |$)")


def with_status(line: str) -> str:
    """`line` as a client is told it when ENHANCEDSTATUSCODES is offered: with an RFC 3463
    code. Replies that have one, and intermediate 3xx replies (354, 334), are left alone."""
    code = line[:3]
    if not code.isdigit() or line[3:4] not in ("", " ", "-") or code[0] == "3" \
            or _HAS_STATUS.match(line):
        return line
    if line[3:4] != "-" and (ours := LIBRARY_REPLACED.get(int(code))) is not None:
        return str(ours)
    status = LIBRARY_STATUS.get(int(code), f"{code[0]}.0.0")
    return f"{code}{line[3:4] or ' '}{status} {line[4:]}".rstrip()
