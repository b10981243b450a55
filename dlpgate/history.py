"""Prior correspondence: normalised addresses, and loading it from CSV or sent mail.

An address is compared as mail systems treat it: the domain in lower case and
as punycode, the local part in lower case, and "+tag" sub-addressing dropped, so
jo+housing@Example.org is the same correspondent as jo@example.org.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import email
import email.parser
import email.utils
import hashlib
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import idna

_BATV = re.compile(r"^(?:prvs|msprvs1|btv1)=[^=@]+=", re.IGNORECASE)


def normalise(address: str) -> str:
    address = address.strip().strip("<>").strip()
    local, at, domain = address.rpartition("@")
    if not at:
        return address.lower()
    # Bounce address tag validation (prvs=0123abcd45=rhys.tanner@): a tag in the envelope
    local = _BATV.sub("", local)
    head, plus, _tag = local.partition("+")
    # "+tag" sub-addressing, not a local part that is all tag (+447700900123@ at an SMS
    # gateway: a telephone number, one per person, not one mailbox's tags)
    local = (head if plus and head else local).lower()
    return f"{local}@{ascii_domain(domain)}"


def ascii_domain(domain: str) -> str:
    """A domain as DNS spells it: lower case, a name in another script as punycode by IDNA
    2008 with UTS 46 mapping (faß.de is xn--fa-hia.de, its own registration, where IDNA
    2003 read it as fass.de, another); a name those rules refuse by the older, lenient
    ones, and one neither reads as given."""
    domain = domain.rstrip(".").lower()
    if domain.isascii():
        return domain
    try:
        return idna.encode(domain, uts46=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        with contextlib.suppress(UnicodeError):
            return domain.encode("idna").decode("ascii")
        return domain


MAX_ADDRESS = 254
_ADDR_SPEC = re.compile(r"[^\s<>(),;:\"\[\]@]+@[^\s<>(),;:\"\[\]@]+")


# A control character (a NUL) or a byte that was not UTF-8 (kept as a lone surrogate).
_UNREADABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def unreadable(text: str) -> bool:
    """Whether `text` holds a control character or a byte no decoder could read: no
    address may (RFC 5321, RFC 6531), no mail system delivers to one, and PostgreSQL
    refuses a NUL, failing the whole statement it is in."""
    return bool(_UNREADABLE.search(text))


def is_address(text: str) -> bool:
    """Whether `text` can be one mailbox's bare address, to be kept in the history: no
    display name or comment, nothing `unreadable`, no U+FFFD put in for a damaged byte, and
    no longer than a mail system delivers to (254: RFC 5321's path of 256 less its brackets).
    A 1,400-character junk address in a Sent folder went past PostgreSQL's index limit and
    stopped an import or a `db copy` with a traceback."""
    return len(text) <= MAX_ADDRESS and bool(_ADDR_SPEC.fullmatch(text)) and \
        not unreadable(text) and "\ufffd" not in text


def getaddresses(values: Iterable[str]) -> list[tuple[str, str]]:
    """(display name, address) of address header values, as email.utils.getaddresses gives
    them, for any header: a value the standard library cannot read (a thousand nested
    comments make it recurse past Python's limit) gives the addresses a pattern finds in it,
    without names, rather than an exception that would fail the whole message."""
    values = [str(v) for v in values]
    try:
        return email.utils.getaddresses(values)
    except (RecursionError, ValueError, IndexError, TypeError):
        return [("", a) for v in values for a in _ADDR_SPEC.findall(v)]


def domain_of(address: str) -> str:
    return normalise(address).rpartition("@")[2]


def in_domains(domain: str, domains: Iterable[str]) -> str | None:
    """The configured domain that `domain` is, or is a subdomain of."""
    for d in domains:
        if domain == d or domain.endswith("." + d):
            return d
    return None


def inbound(sender: str, internal: Iterable[str]) -> bool:
    """Mail from outside the organisation: what it teaches is that its sender wrote to us
    (`Store.mark_replied`), not whom we write to. Never when no internal domains are set,
    since then every sender counts as ours, nor for a sender with no domain (a local
    account such as root@ before the MTA qualifies it), which is no one outside."""
    internal = list(internal)
    return bool(internal) and "@" in sender and \
        in_domains(domain_of(sender), internal) is None


def written_in(sender: str, recipients: Iterable[str], internal: Iterable[str],
               when: float) -> list[tuple[str, str, float]] | None:
    """For mail from outside (`inbound`), what it teaches: (our recipient, its sender, when)
    for each recipient of ours, for `Store.mark_replied`. None for mail from one of ours,
    which is correspondence to learn as such."""
    internal = list(internal)
    if not inbound(sender, internal):
        return None
    return [(r, sender, when) for r in recipients if in_domains(domain_of(r), internal)]


@dataclass(frozen=True)
class Pair:
    sender: str
    recipient: str
    when: float
    count: int = 1
    joined: int = 0  # copied into a conversation they were not part of (see Correspondence)
    audience: int = 0  # recipients of the message (0: not known)


def joining(pairs: list[Pair], added: set[str]) -> list[Pair]:
    """The pairs with `joined` set for the recipients the message added to a conversation
    they were not part of (`thread.outside_thread` of the message)."""
    return [dataclasses.replace(p, joined=1) if p.recipient in added else p for p in pairs]


class HistoryFileError(Exception):
    """A history file that cannot be loaded; the message names file and line."""
    pass


# A group of up to this many recipients is learned pair by pair; a larger one (a
# distribution list) by its anchors, so that a hundred-name list costs a few hundred rows.
GROUP_PAIRS_MAX = 10
GROUP_ANCHORS = 4


def anchors(recipients: Iterable[str], k: int = GROUP_ANCHORS) -> list[str]:
    """The k recipients whose address hashes lowest: a list's stand-ins.

    Two sendings of one distribution list share most of their members, and so most of
    their lowest-hashing members (a bottom-k sketch: swapping one member changes at most
    one anchor). A member of the list has had mail with this message's anchors before;
    someone never on it has not.
    """
    return sorted(set(recipients),
                  key=lambda a: hashlib.blake2b(a.encode(), digest_size=8).digest())[:k]


def group_pairs(recipients: Iterable[str]) -> list[tuple[str, str]]:
    """The co-recipient pairs (a < b) one message teaches: every pair of a small group,
    each member with the anchors of a large one."""
    unique = sorted(set(recipients))
    if len(unique) <= GROUP_PAIRS_MAX:
        return [(a, b) for i, a in enumerate(unique) for b in unique[i + 1:]]
    return sorted({(min(a, m), max(a, m)) for a in anchors(unique) for m in unique if m != a})


def read_csv(path: Path, now: float | None = None,
             layout: CsvLayout | None = None) -> Iterator[Pair]:
    """Header row sender,recipient[,count][,last_seen] (or the columns `layout` names);
    errors name the file and line.

    A row with no last_seen counts as seen at `now` (the import): an export of counts
    alone is of current correspondence, not of mail sent in 1970. A row with an empty
    sender (a bounce, sent from the null address) is no correspondence and is skipped; a
    recipient cell may list several addresses, split at ';' or ','."""
    now = time.time() if now is None else now
    lay = layout or CsvLayout()
    with path.open("rb") as fh:
        bom = fh.read(2)
    # Windows PowerShell and Excel's "Unicode text" write UTF-16 with a byte-order mark
    encoding = "utf-16" if bom in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    typed = False
    with path.open(newline="", encoding=encoding) as fh:
        try:
            # Windows PowerShell 5.1's Export-Csv writes "#TYPE System.Management...." above
            # the header unless told -NoTypeInformation
            first = fh.readline()
            typed = first.startswith("#TYPE")
            start = fh.tell() if typed else 0
            header = fh.readline() if typed else first
            fh.seek(start)
            reader = csv.DictReader(fh, delimiter=_delimiter(header))
            yield from _rows(path, reader, lay, now, 1 + typed)
        except UnicodeDecodeError as exc:
            where = f"{path}: not UTF-16 text" if encoding == "utf-16" else \
                f"{path}:{_undecodable_line(path)}: not UTF-8 text"
            raise HistoryFileError(
                f"{where} (byte {exc.object[exc.start]:#x}): save the export as CSV UTF-8, or "
                "as UTF-16 with its byte-order mark") from None
        except csv.Error as exc:  # raised before the line it is about is counted
            raise HistoryFileError(f"{path}:{reader.line_num + 1 + typed}: not a CSV row this "
                                   f"command reads: {exc}") from None


def _delimiter(header: str) -> str:
    """What separates the header's cells: a comma; or a tab, as Excel's "Unicode Text"
    (UTF-16) writes; or a semicolon, as Excel writes where the decimal mark is a comma."""
    return next((d for d in (",", "\t", ";") if d in header), ",")


def _column(name: str, fields: list[str]) -> str:
    """The header's column for `name`, in any case and with spaces for underscores ("Last
    Seen" for last_seen); `name` itself where none or two fit (two are not guessed between)."""
    if name in fields:
        return name
    fits = [f for f in fields if _folded_column(f) == _folded_column(name)]
    return fits[0] if len(fits) == 1 else name


def _folded_column(name: str) -> str:
    return re.sub(r"[\s_-]+", "_", name.strip().lower())


def _undecodable_line(path: Path) -> int:
    """The first line of a file that is not UTF-8 (the decoder reads ahead in blocks, so
    where it stopped says nothing of the line)."""
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


# More messages than one pair could hold in the history's lifetime: a typo, or a sum.
COUNT_MAX = 1_000_000


def _rows(path: Path, reader: csv.DictReader, lay: CsvLayout, now: float,
          header: int = 1) -> Iterator[Pair]:
    """The rows of an open CSV as pairs (read_csv); `header` is the header's line."""
    fields = list(reader.fieldnames or [])
    # count and last_seen named by --columns: then they must be there
    named = [f for f in ("count", "last_seen") if getattr(lay, f) != f]
    lay = replace(lay, **{f: _column(getattr(lay, f), fields)
                          for f in ("sender", "recipient", "count", "last_seen")},
                  only=tuple((_column(c, fields), keep) for c, keep in lay.only))
    wanted = [lay.sender, lay.recipient, *(c for c, _ in lay.only),
              *(getattr(lay, f) for f in named)]
    missing = [c for c in wanted if c not in fields]
    if missing and any("@" in f for f in fields):  # an export saved without its header row
        raise HistoryFileError(f"{path}:{header}: no column named {missing[0]!r}: this line holds "
                               "addresses, so it is a row, not a header (add the header "
                               "sender,recipient,count,last_seen; --columns maps other names)")
    if missing:
        raise HistoryFileError(f"{path}:{header}: no column named {missing[0]!r} (the header has: "
                               f"{', '.join(fields)[:300]}; --columns maps other names)")
    for line, row in enumerate(reader, start=header + 1):
        if any((row.get(c) or "").strip().lower() not in keep for c, keep in lay.only):
            continue
        sender = (row.get(lay.sender) or "").strip()
        if sender in ("", "<>"):
            continue
        recipients = [r.strip() for r in re.split(r"[;,]", row.get(lay.recipient) or "")
                      if r.strip()]
        if not is_address(sender.strip("<>")) or not recipients or \
                not all(is_address(r.strip("<>")) for r in recipients):
            raise HistoryFileError(f"{path}:{line}: sender and recipient must be addresses")
        cell = (row.get(lay.count) or "1").strip()
        if not (cell.isascii() and cell.isdigit()) or len(cell) > 7 or \
                not 1 <= int(cell) <= COUNT_MAX:
            raise HistoryFileError(f"{path}:{line}: {lay.count} must be a whole number of "
                                   f"messages, 1 to {COUNT_MAX:,}")  # the cell may be anything
        count = int(cell)
        try:
            seen = (row.get(lay.last_seen) or "").strip()
            when = (datetime.strptime(seen, lay.date_format) if lay.date_format else
                    datetime.fromisoformat(seen)).timestamp() if seen else now
        except (ValueError, OverflowError, OSError):  # their text repeats the cell
            expected = (f"in the format {lay.date_format}" if lay.date_format else
                        "in ISO 8601, such as 2026-03-14 or 2026-03-14T09:30:00")
            raise HistoryFileError(f"{path}:{line}: {lay.last_seen} is not a date "
                                   f"{expected} (or --date-format)") from None
        if when > now + 86400:  # a clock a day out is forgiven; a year 9999 never expires
            raise HistoryFileError(f"{path}:{line}: {lay.last_seen} is in the future "
                                   f"({seen[:40]})")
        sender = normalise(sender)
        for recipient in dict.fromkeys(normalise(r) for r in recipients):
            if recipient != sender:  # a note to oneself (or one's +tag) is no correspondence
                yield Pair(sender, recipient, when, count)


@dataclass(frozen=True)
class CsvLayout:
    """Which columns of a CSV hold what, for an export that is not in dlpgate's own layout
    (an Exchange Online message trace: one row a message and recipient, its date in the
    exporting machine's format, a delivery status beside it)."""

    sender: str = "sender"
    recipient: str = "recipient"
    count: str = "count"
    last_seen: str = "last_seen"
    date_format: str | None = None  # a strptime format; None: ISO 8601
    only: tuple[tuple[str, frozenset[str]], ...] = ()  # (column, values kept, lower case)

    @classmethod
    def of(cls, columns: str | None = None, date_format: str | None = None,
           only: Iterable[str] = ()) -> CsvLayout:
        """From `--columns sender=COL,recipient=COL,...` and `--only COL=V1,V2`; a mistake
        is a ValueError saying which."""
        names: dict[str, str] = {}
        for part in (columns or "").split(","):
            if not part.strip():
                continue
            key, eq, column = part.partition("=")
            key = key.strip()
            if not eq or key not in ("sender", "recipient", "count", "last_seen") or \
                    not column.strip():
                raise ValueError(f"--columns: {part.strip()!r} is not FIELD=COLUMN with FIELD "
                                 "one of sender, recipient, count, last_seen")
            names[key] = column.strip()
        kept: dict[str, frozenset[str]] = {}
        for item in only:
            column, eq, values = item.partition("=")
            if not eq or not column.strip() or not values.strip():
                raise ValueError(f"--only: {item!r} is not COLUMN=VALUE[,VALUE...]")
            # --only Status=Delivered --only Status=Expanded: either value, not both at once
            kept[column.strip()] = kept.get(column.strip(), frozenset()) | frozenset(
                v.strip().lower() for v in values.split(",") if v.strip())
        return cls(**names, date_format=date_format, only=tuple(kept.items()))


def header_addresses(msg: email.message.Message, header: str) -> list[tuple[str, str]]:
    """A header's addresses, UTF-8 ones (RFC 6532: renée@) read as such; a damaged
    header's NUL or undecodable byte is no one's address and is left out."""
    out = []
    values = [v for k, v in msg.raw_items() if k.lower() == header.lower()]  # not Header()s
    for name, address in getaddresses(values):
        with contextlib.suppress(UnicodeError):  # the parser keeps raw bytes as surrogates
            address = address.encode("utf-8", "surrogateescape").decode("utf-8")
        if is_address(address):
            out.append((name, address))
    return out


def header_from(raw: bytes) -> str:
    """The address of a message's From header, read from its header alone ("" if none)."""
    found = header_addresses(email.parser.BytesHeaderParser().parsebytes(raw), "From")
    return found[0][1] if found else ""


def auto_replied(raw: bytes) -> bool:
    """An automatic reply (`Message.auto_reply`), read from its header alone."""
    from dlpgate.model import is_auto_replied

    values = email.parser.BytesHeaderParser().parsebytes(raw).get_all("Auto-Submitted") or []
    return any(is_auto_replied(str(v)) for v in values)


def answered(sender: str, recipients: Iterable[str], internal: Iterable[str],
             when: float) -> list[tuple[str, str, float]]:
    """What an automatic reply from one of ours teaches, for `Store.mark_replied`: each
    recipient outside wrote to `sender`. Not correspondence of the sender's: an
    out-of-office to every address that wrote in (spam too) would make each a known
    correspondent, and a slip to one of them later would not look new."""
    internal = list(internal)
    return [(sender, r, when) for r in recipients
            if not (internal and in_domains(domain_of(r), internal))]


def message_id(raw: bytes) -> bytes | None:
    """A digest of the message's Message-ID, to know a copy of it filed in another folder;
    None when it has none (each such message counts)."""
    value = email.parser.BytesHeaderParser().parsebytes(raw).get("Message-ID")
    text = str(value or "").strip()
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).digest() if text else None


def pairs_from_message(raw: bytes) -> list[Pair]:
    """From -> every To, Cc and Bcc, at the message's Date.

    Only the header is parsed: the body has no part in it, and a body nested thousands of
    parts deep would take the whole-message parser past Python's recursion limit.
    """
    msg = email.parser.BytesHeaderParser().parsebytes(raw)
    senders = [a for _, a in header_addresses(msg, "From")]
    if not senders:
        return []
    when = 0.0
    try:
        date = email.utils.parsedate_to_datetime(str(msg.get("Date", "")))
        when = date.timestamp()
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        pass
    if when > time.time() + 86400:
        when = 0.0  # a Date years ahead (a wrong clock, spam) is no date: seen when loaded
    rcpts = {normalise(a) for h in ("To", "Cc", "Bcc") for _, a in header_addresses(msg, h)}
    sender = normalise(senders[0])
    rcpts.discard(sender)
    return [Pair(sender, r, when, audience=len(rcpts)) for r in sorted(rcpts)]

