"""Bytes -> Message: every address, the subject, and the text of every part.

Contract: `parse()` returns a Message for any bytes at all. Malformed MIME,
undecodable charsets and truncated base64 are recorded as `malformed-mime`
problems, never raised. The compat32 policy is used on purpose: the modern
policy parses headers lazily and can raise on access, long after parsing.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import email
import email.header
import email.message
import email.parser
import email.utils
import html as htmllib
import quopri
import re
from collections.abc import Iterator
from email.message import Message as EmailMessage
from typing import Any

from dlpgate.config import Limits, Ocr
from dlpgate.history import getaddresses
from dlpgate.model import (
    CALENDAR,
    FILE_NAMES,
    HTML_BODY,
    Attachment,
    Envelope,
    Message,
    Problem,
    TextPart,
    name_line,
)
from dlpgate.parse import ical, pasted, smime, tnef
from dlpgate.parse.attachments import extract, is_picture
from dlpgate.parse.budget import Budget, BudgetExceeded, Item
from dlpgate.parse.decode import decode_text
from dlpgate.parse.documents import carried
from dlpgate.parse.html import html_to_text, links, pictures, unshown

KEPT_HEADERS = {
    "from", "to", "cc", "subject", "message-id", "date", "in-reply-to", "references",
    "sensitivity", "x-protective-marking", "x-classification", "msip_labels", "importance",
    "content-type", "auto-submitted",
}


def header_text(value: object) -> str:
    """Decode RFC 2047 words; any damage leaves the raw text rather than raising."""
    if value is None:
        return ""
    raw = _eight_bit(value)
    try:
        return str(email.header.make_header(email.header.decode_header(raw)))
    except Exception:
        return raw


def _eight_bit(value: object) -> str:
    """A header sent as raw 8-bit (SMTPUTF8, or a client that never encoded it) comes out of
    the parser as a Header of unknown-8bit bytes: read them as UTF-8, or as Windows-1252 when
    they are not ("Réunion" was "R��union" in the subject, in detection and in the sender's
    notice)."""
    if not isinstance(value, email.header.Header):
        return str(value)
    out = []
    for chunk, charset in email.header.decode_header(value):
        if isinstance(chunk, str):
            out.append(chunk)
            continue
        try:
            out.append(chunk.decode("utf-8" if charset in (None, "unknown-8bit") else charset))
        except (UnicodeDecodeError, LookupError):
            out.append(chunk.decode("cp1252", "replace"))
    return "".join(out)


_COMPLEX = re.compile(r'["()\\:;]')


def addresses(values: list[str]) -> tuple[str, ...]:
    """addr-specs from address headers.

    Headers without quotes, comments or groups (nearly all of them) are split on
    commas directly: that is exact for such headers and five times cheaper than
    email.utils.getaddresses, which every message with a long To line pays for.
    """
    out = []
    for value in values:
        text = header_text(value)
        if _COMPLEX.search(text):
            found = [addr for _name, addr in getaddresses([text])]
        else:
            found = []
            for item in text.split(","):
                lt = item.rfind("<")
                found.append(item[lt + 1:item.find(">", lt)] if lt >= 0 else item)
        out.extend(a.strip() for a in found if "@" in a)
    return tuple(out)


def _filename(part: EmailMessage) -> str | None:
    try:
        name = part.get_filename()
        if name and "\ufffd" in name:
            name = _eight_bit_filename(part) or name
    except Exception:
        name = None
    if name:
        name = header_text(name).replace("/", "_").replace("\\", "_").strip()
    return name or None


def _eight_bit_filename(part: EmailMessage) -> str | None:
    """A file's name sent as raw 8-bit (filename="Zoë Reid notes.txt", as some clients and
    SMTPUTF8 send it) comes out of the parser with each such byte a replacement character:
    read its headers' bytes as a raw 8-bit subject is read (`_eight_bit`) and take the name
    from them. Left as it was, "Zoë" was "Zo\ufffd\ufffd" in the name that detection and the
    reviewer read."""
    again = email.message.Message()
    for header in ("Content-Disposition", "Content-Type"):
        if (value := part.get(header)) is not None:
            again[header] = _eight_bit(value)
    return again.get_filename()


def _payload(part: EmailMessage, where: str) -> tuple[bytes, list[Problem]]:
    problems: list[Problem] = []
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:
        reason = f"payload not decodable ({type(exc).__name__})"
        return b"", [Problem("malformed-mime", where, reason)]
    if data is None:
        data = b""
    if any(type(d).__name__ in ("InvalidBase64PaddingDefect", "InvalidBase64CharactersDefect",
                                "InvalidBase64LengthDefect") for d in part.defects):
        problems.append(Problem("malformed-mime", where, "damaged base64 encoding"))
    return data, problems


def _walk(
    msg: EmailMessage, prefix: str, depth: int, budget: Budget, counter: list[int]
) -> Iterator[Item | tuple[str, str]]:
    """Yield items, and ("body", text) pairs for inline text of this message's body."""
    where = prefix or "body"
    # each part with whether it is beside the text read (inside an alternative rendering
    # whose text another one gives, its files still to be read) and whether it is a part of
    # a multipart/related (what its HTML shows in place: a pasted picture)
    stack: list[tuple[EmailMessage, bool, bool]] = [(msg, False, False)]
    while stack:
        part, beside, related = stack.pop()
        budget.take_part()
        for defect in part.defects:
            kind = type(defect).__name__
            if "Base64" not in kind:  # reported with the payload, see _payload
                yield Problem("malformed-mime", where, f"MIME structure damaged ({kind})")
        ctype = part.get_content_type()
        fname = _filename(part)
        if ctype == "message/rfc822":  # before is_multipart(): compat32 calls it multipart
            counter[0] += 1
            name = fname or f"attached-{counter[0]}.eml"
            if prefix:
                name = f"{prefix}/{name}"
            name = budget.unique(name)
            yield Attachment(name=name, content_type=ctype, size=0, depth=depth)
            yield from _attached_message(part, name, depth, budget, counter)
            continue
        if part.is_multipart():
            children = part.get_payload()
            if not isinstance(children, list):
                continue
            kids = [c for c in children if isinstance(c, EmailMessage)]
            if ctype == "multipart/alternative" and not beside:
                plain = [c for c in kids if c.get_content_type() == "text/plain"]
                if plain:  # what the HTML shows beyond the plain text is read too
                    html = next((h for c in kids if c is not plain[0]
                                 for h in _html_in(c)), None)
                    if html is not None:
                        data, problems = _payload(html, where)
                        yield from problems
                        markup = decode_text(data, html.get_content_charset())
                        yield from _html_extra(plain[0], markup, where)
                        # and the pictures it writes in, which the plain text never shows
                        yield from _shown(markup, prefix, budget)
                for cal in (c for c in kids if c.get_content_type() == "text/calendar"):
                    yield from _calendar(cal, depth, budget)
                # plain if offered, else the richest; a calendar is read above, not twice
                shown = [c for c in kids if c.get_content_type() != "text/calendar"]
                chosen = plain[:1] or shown[-1:]
                # the other renderings' files, their text not read again: Apple Mail attaches
                # a file inside the HTML one (multipart/mixed beside the plain text), and
                # the referral.pdf there went out unread and unlisted
                stack.extend((c, c not in chosen, False) for c in reversed(shown))
                continue
            inside = ctype == "multipart/related"
            stack.extend((c, beside, inside) for c in reversed(kids))
            continue
        is_attachment = _is_attachment(part, fname)
        if beside and not is_attachment and ctype.startswith(("text/", "multipart/")):
            continue  # the alternative's text, read from the rendering chosen
        if not is_attachment and ctype in ("text/plain", "text/html"):
            data, problems = _payload(part, where)
            yield from problems
            text = decode_text(data, part.get_content_charset()).replace("\r\n", "\n")
            shown = html_to_text(text) if ctype == "text/html" else text
            yield ("body", shown)
            if ctype == "text/html":
                yield (_LINKS, "\n".join(links(text, shown)))
                # what it hides that it does not show: a tooltip repeating a name in the text
                # counted that person twice (PARSER 23)
                yield (_HIDDEN, unshown(text, shown))
                yield from _shown(text, prefix, budget)
            continue
        if not is_attachment and ctype.startswith("multipart/") and _unsplit(part):
            # its boundary is never found, so it has no parts: a mail client shows its text
            # anyway, and it went out unread ("NHS no 943 476 5919" under a broken boundary)
            data, problems = _payload(part, where)
            yield from problems
            yield ("body", decode_text(data, part.get_content_charset()).replace("\r\n", "\n"))
            continue
        if ctype.startswith("image/") and _pasted(part, fname, related):
            data, problems = _payload(part, "")
            if is_picture(ctype, data):  # else a file labelled as a picture, read as one below
                name = budget.picture(prefix)
                if fname:  # a name sent as plainly as a file's ("Jane Doe DOB.png")
                    budget.sent_as.append(f"{prefix}/{fname}" if prefix else fname)
                yield from (dataclasses.replace(p, part=name) for p in problems)
                yield from pasted.read(name, ctype, data, budget)
                continue
        if not is_attachment and ctype.startswith("multipart/"):
            continue  # a multipart with nothing in it
        if ctype in _SIGNATURES and _is_signature(part):
            continue  # an S/MIME or PGP signature: a checksum of the text beside it, no content
        if part is msg and (entity := _signed_entity(part, ctype, fname, depth, budget)):
            # opaque-signed: the message itself, inside its signature. Read as a clear-signed
            # one is, its text the body and its files attachments (policy's `in: body` and
            # `in: attachment` alike); the signature is not checked (smime.py says why)
            yield from _walk(entity, prefix, depth + 1, budget, counter)
            continue
        counter[0] += 1
        name = fname or f"attachment-{counter[0]}"
        if prefix:
            name = f"{prefix}/{name}"
        name = budget.unique(name)
        sealed = _sealed(part, ctype)
        if sealed == "encrypted":
            yield Attachment(name=name, content_type=ctype, size=0, depth=depth)
            yield Problem("encrypted-attachment", name, "encrypted message (S/MIME or PGP)")
            continue
        data, problems = _payload(part, name)
        yield from problems
        if sealed == "signed" and smime.kind(data) is None:
            yield Attachment(name=name, content_type=ctype, size=len(data), depth=depth)
            yield Problem("unscannable", name, "damaged S/MIME signed data (not a CMS structure)")
            continue
        try:
            yield from extract(name, ctype, data, depth, budget, _nested_bytes)
        except BudgetExceeded as exc:
            yield Problem("unscannable", name, str(exc))


# A signed message's signature part: every signed message to someone outside was held as an
# "unrecognised binary format" (smime.p7s), whatever it said.
_SIGNATURES = ("application/pkcs7-signature", "application/x-pkcs7-signature",
               "application/pgp-signature")
def _is_signature(part: EmailMessage) -> bool:
    """A signature by its bytes, not by its label alone: a children.csv sent as
    application/pkcs7-signature was passed over unread, and so was one with two bytes of DER
    in front. S/MIME's is a DER SEQUENCE exactly as long as its length says, holding the
    signedData type; PGP's an armoured block of base64 and nothing else; either a few KB."""
    try:
        data = part.get_payload(decode=True) or b""
    except Exception:  # a damaged encoding is no signature: read it as an attachment
        return False
    if len(data) > 65536:
        return False
    return _is_der_signature(data) or _is_pgp_signature(data)


_SIGNED_DATA = bytes.fromhex("06092a864886f70d010702")  # the OID 1.2.840.113549.1.7.2
_PGP = re.compile(rb"-----BEGIN PGP SIGNATURE-----\r?\n(?:[\w-]+: [^\r\n]*\r?\n)*\r?\n"
                  rb"[A-Za-z0-9+/=\r\n]+-----END PGP SIGNATURE-----\s*")


def _is_der_signature(data: bytes) -> bool:
    if len(data) < 16 or data[0] != 0x30 or _SIGNED_DATA not in data[:40]:
        return False
    if data[1] == 0x80:  # indefinite length (BER, as some clients write it)
        return data.rstrip(b"\r\n").endswith(b"\x00\x00")
    width = data[1] - 0x80
    if not 1 <= width <= 3:
        return False
    length = int.from_bytes(data[2:2 + width], "big")
    return 2 + width + length == len(data)


def _is_pgp_signature(data: bytes) -> bool:
    return bool(_PGP.fullmatch(data.strip()))


# Encrypted for its recipients: no one here can read it, which is what the policy's
# encrypted-attachment rules are for (it was "unscannable", so the exception for secure
# destinations never applied). Opaque-signed pkcs7-mime (smime-type=signed-data) is not sealed:
# the message is inside, and read (smime.py).
_PKCS7 = ("application/pkcs7-mime", "application/x-pkcs7-mime")
_SEALED = (*_PKCS7, "application/pgp-encrypted")


def _sealed(part: EmailMessage, ctype: str) -> str:
    """"encrypted", "signed" (S/MIME signed data, by its label or its bytes) or "" for a
    part that is neither. A pkcs7-mime part says which by smime-type, but not always (it is
    optional, and some clients leave it out): its bytes say it better, and signed bytes
    labelled as nothing were held as encrypted, unread."""
    if ctype not in _SEALED:
        return ""
    labelled = str(part.get_param("smime-type", "")).lower()
    if ctype in _PKCS7:
        try:
            found = smime.kind(part.get_payload(decode=True) or b"")
        except Exception:  # a damaged encoding: said by _payload, read as the label says
            found = None
        if found == "signed-data":
            return "signed"
        if found in smime.ENCRYPTED:
            return "encrypted"
    return "signed" if "signed" in labelled else "encrypted"


def _signed_entity(part: EmailMessage, ctype: str, fname: str | None, depth: int,
                   budget: Budget) -> EmailMessage | None:
    """The MIME entity an opaque-signed message holds, when it can be read in its place:
    anything else (damaged, too deep, no MIME inside) is read as a file by extract(), which
    says why under the file's name."""
    if not (ctype in _PKCS7 or (fname or "").lower().endswith(".p7m")):
        return None
    if depth + 1 > budget.limits.max_depth:
        return None
    try:
        data = part.get_payload(decode=True) or b""
    except Exception:
        return None
    if smime.kind(data) != "signed-data":
        return None
    room = max(0, budget.limits.max_expanded - budget.expanded)
    try:
        content = smime.signed_content(data, room)
    except smime.SmimeError:
        return None
    if content is None or not smime.is_entity(content):
        return None
    budget.take_bytes(len(content))
    return email.message_from_bytes(content)


_SAID = re.compile(r"^(?:SUMMARY|DESCRIPTION|LOCATION|COMMENT)(?:;[^:\n]*)?:(.*)$",
                   re.MULTILINE | re.IGNORECASE)


def _calendar(part: EmailMessage, depth: int, budget: Budget) -> Iterator[Item]:
    """A meeting request's calendar, the alternative beside its text: what the invitation's
    description says went unread when the text part did not repeat it. Folded lines are
    joined first (a fold may fall inside an NHS number). Its HTML description's lines that
    say what the plain one does not are read after it (a calendar shows the HTML), what the
    HTML hides after those (its comments, tooltips and fields), and the
    files it carries as files attached under its name ("meeting request/referral.pdf")."""
    data, problems = _payload(part, CALENDAR)
    yield from problems
    unfolded = ical.unfold(decode_text(data, part.get_content_charset()))
    # what people wrote, not the UIDs, stamps and dial-in codes around it
    text = "\n".join(ical.unescape(m.group(1)) for m in _SAID.finditer(unfolded))
    if html := ical.html_description(unfolded):
        # after all the rest, so what was found before keeps its place
        text = "\n".join([text, *tnef.unsaid(html, tnef.words(text))]) if text.strip() \
            else html
    if unseen := ical.html_hidden(unfolded, text):  # what it hides, after that (PARSER 21)
        text = f"{text}\n{unseen}" if text.strip() else unseen
    name = CALENDAR
    if text.strip():
        # read like a part of the body, not counted as a file attached
        name = budget.ours(CALENDAR)
        if len(text) > budget.limits.max_text:  # said, as for files: it went silently
            yield Problem("unscannable", name, f"only the first {budget.limits.max_text} "
                          "characters scanned")
        yield TextPart(name=name, text=text[: budget.limits.max_text],
                       content_type="text/calendar", is_attachment=True)
    yield from carried(name, unfolded, depth, budget, _nested_bytes)


_UNNAMED = re.compile(r"attach(?:ment|ed)-\d+(?:\.eml)?")  # names we gave
# the addresses an HTML body's links go to, read after all the body's text (PARSER 15)
_LINKS = "links"
_HIDDEN = "hidden"  # what an HTML body hides (html.hidden), read after all its other text


def _unsplit(part: EmailMessage) -> bool:
    """A multipart whose parts were never found (its payload one string). Asking for the
    string decodes it by its charset parameter, which may be none at all ("n;\\x01..."):
    the fuzzer's message raised ValueError out of parse()."""
    try:
        return isinstance(part.get_payload(), str)
    except (ValueError, LookupError):
        return True


def _is_attachment(part: EmailMessage, fname: str | None) -> bool:
    """A named part, or one its disposition says is attached, rather than the body's text."""
    disposition = header_text(part.get("Content-Disposition")).lower()  # may be a Header
    return fname is not None or disposition.startswith("attachment")


def _pasted(part: EmailMessage, fname: str | None, related: bool) -> bool:
    """A picture shown in the body rather than attached: unnamed and not an attachment by its
    disposition, or a part of the HTML's multipart/related, as Outlook sends a screenshot
    pasted in (named image001.png, disposition inline). A named one in multipart/mixed is a
    file attached: Apple Mail sends an attached photo so (inline, to be shown in place)."""
    disposition = header_text(part.get("Content-Disposition")).lower()
    return not disposition.startswith("attachment") and (fname is None or related)


def _shown(html: str, prefix: str, budget: Budget) -> Iterator[Item]:
    """The pictures an HTML body shows from `data:` addresses, read as pasted ones are."""
    for ctype, data in pictures(html):
        if is_picture(ctype, data):
            yield from pasted.read(budget.picture(prefix), ctype, data, budget)


def _html_in(part: EmailMessage) -> Iterator[EmailMessage]:
    """The inline HTML of an alternative (itself, or inside its multipart/related)."""
    for p in part.walk() if part.is_multipart() else [part]:
        if p.get_content_type() == "text/html" and not _is_attachment(p, _filename(p)):
            yield p


_TAG = re.compile(r"<[^<>]*>")  # not [^>]: "x<" repeated rescanned to the end from each "<"
_OPENS = re.compile(r"<(style|script)\b|<!--", re.IGNORECASE)
_CLOSES = {"style": re.compile(r"</style[^>]*>", re.IGNORECASE),
           "script": re.compile(r"</script[^>]*>", re.IGNORECASE),
           "<!--": re.compile(r"-->")}


# a picture's alt text, which Outlook shows in the picture's place until pictures are
# downloaded (`html.html_to_text` reads it); the glance dropped it with the tag, so "Amy Reid,
# NHS 943 476 5919" as the alt text of a photograph in an HTML alternative whose plain twin
# says only "Please see the photo." went unread (PARSER 24)
_ALT = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>]+))""", re.IGNORECASE)


def pictures_alt(html: str) -> list[str]:
    """The alt texts of the markup's pictures (of any tag saying alt=, which is no harm: it
    only makes the glance read the HTML properly)."""
    return [a or b or c for a, b, c in _ALT.findall(html)]


def _unseen_removed(html: str) -> str:
    """The markup without what a reader never sees (style and script blocks, comments), in
    one pass: a lazy pattern rescanned the rest of the text from every unclosed "<style", and
    8,000 of them took two seconds. Not <head>: its end tag is optional, and an unclosed one
    hid the whole message. Matched in the text itself, never a lower-cased copy, whose
    positions drift ("İ" lower-cases to two characters)."""
    out, pos = [], 0
    while (m := _OPENS.search(html, pos)) is not None:
        out.append(html[pos:m.start()])
        close = _CLOSES[(m.group(1) or m.group(0)).lower()].search(html, m.end())
        if close is None:  # never closed: a browser shows nothing after it either
            return " ".join(out)
        pos = close.end()
        out.append(" ")
    out.append(html[pos:])
    return "".join(out)


_APART = str.maketrans({c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~\u00a0\u2013\u2014"
                        "\u2018\u2019\u201c\u201d\u2022\u2026"})


def _html_extra(plain: EmailMessage, html: str,
                where: str) -> Iterator[Item | tuple[str, str]]:
    """The lines of an HTML alternative (its decoded markup) with words its plain twin lacks.

    Mail clients write the same text twice and readers see the HTML: a case system that
    puts "See attached." in the plain part and the referral in the HTML one sent an NHS
    number past every rule. Only what the plain text does not already say is added, so a
    finding in both is not counted twice, and wrapping or bullets are no difference.
    """
    data, problems = _payload(plain, where)
    yield from problems
    texts = [decode_text(data, plain.get_content_charset()).replace("\r\n", "\n"),
             html.replace("\r\n", "\n")]
    # the addresses its links go to, which the plain text does not say ("open the record"
    # over a case system's address naming the child)
    yield (_LINKS, "\n".join(links(texts[1], texts[0])))
    # most alternatives say the same: a glance at the markup's words first (a fraction of
    # the cost of reading the HTML properly, which only a difference pays for)
    seen = _unseen_removed(texts[1])
    said = set(texts[0].lower().translate(_APART).split())

    def new_words(markup_text: str) -> bool:
        return not set(htmllib.unescape(markup_text).lower().translate(_APART).split()) <= said

    extra: list[str] = []
    # its pictures' alt text counts too, looked for only where the rest says nothing new
    if new_words(_TAG.sub(" ", seen)) or new_words(" ".join(pictures_alt(seen))):
        extra = tnef.unsaid(html_to_text(texts[1]), tnef.words(texts[0]))
    if extra:
        yield (HTML_BODY, "\n".join(extra))
    # and what it hides (comments, tooltips, fields) that neither rendering says: the label
    # of each line ("Tooltip: ") made every one new beside the plain text, and a count of
    # NHS numbers counted one twice (PARSER 23)
    yield (_HIDDEN, unshown(texts[1], "\n".join((texts[0], *extra))))


def _attached_message(
    part: EmailMessage, name: str, depth: int, budget: Budget, counter: list[int]
) -> Iterator[Item]:
    """message/rfc822, parsed in place, or decoded first where a client base64-encoded it."""
    inner = part.get_payload()
    if not (isinstance(inner, list) and inner and isinstance(inner[0], EmailMessage)):
        return
    cte = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if cte in ("base64", "quoted-printable"):
        try:
            encoded = inner[0].as_string() if inner[0].keys() else str(inner[0].get_payload())
        except (ValueError, LookupError):  # a charset no codec has, or with a NUL in it
            yield Problem("malformed-mime", name, "attached message's encoding is damaged")
            return
        try:
            data = (base64.b64decode(encoded) if cte == "base64"
                    else quopri.decodestring(encoded.encode("ascii", "replace")))
        except (ValueError, binascii.Error):
            yield Problem("malformed-mime", name, "attached message's encoding is damaged")
            return
        yield from _nested_bytes(data, name, depth + 1, budget)
        return
    yield from _nested_message(inner[0], name, depth + 1, budget, counter)


def _nested_message(
    msg: EmailMessage, name: str, depth: int, budget: Budget, counter: list[int] | None = None
) -> Iterator[Item]:
    """An attached message: its subject and body become the text of part `name`."""
    if depth > budget.limits.max_depth:
        yield Problem("unscannable", name, f"messages nested deeper than {budget.limits.max_depth}")
        return
    texts = [header_text(msg.get("Subject"))]
    wrapped: list[TextPart] = []  # its winmail.dat's text, weighed against its own at the end
    targets: list[str] = []  # its links' addresses, after its text
    unseen: list[str] = []  # what its HTML hides, after those
    for item in _walk(msg, name, depth, budget, counter or [0]):
        if isinstance(item, tuple):
            {_LINKS: targets, _HIDDEN: unseen}.get(item[0], texts).append(item[1])
        elif _wrapper_text(item, name):
            wrapped.append(item)
        else:
            yield item
    text = "\n".join(t for t in (*texts, *targets, *unseen) if t)
    if text.strip():
        yield TextPart(name=name, text=text, content_type="message/rfc822", is_attachment=True)
    if wrapped:
        yield from _beside(wrapped, tnef.words(text))


def _wrapper_text(item: Item, prefix: str) -> bool:
    """Whether `item` is the text of a winmail.dat attached to the message at `prefix` (""
    for the message itself), not one inside a file or an item attached to it."""
    return isinstance(item, TextPart) and item.content_type == tnef.CONTENT_TYPE and \
        item.name.rpartition("/")[0] == prefix


def _beside(wrapped: list[TextPart], said: set[str]) -> Iterator[TextPart]:
    """A winmail.dat's text with only the lines that have a word its message's subject and
    text lack (`said`). Exchange sends a rich-text message's text twice, as a text/plain part
    and as the wrapper's RTF: read whole, every finding in it would count twice, and a rule
    of "at least 5 NHS numbers" fire on three. The wrapper's own words still count where it
    is the only copy ("See attached." over a referral typed in Outlook), as an HTML
    alternative's lines do beside their plain twin (`_html_extra`)."""
    for part in wrapped:
        if text := "\n".join(tnef.unsaid(part.text, said)).strip():
            yield dataclasses.replace(part, text=text)


def _nested_bytes(data: bytes, name: str, depth: int, budget: Budget) -> Iterator[Item]:
    yield from _nested_message(email.message_from_bytes(data), name, depth, budget)


_HEADER_END = re.compile(rb"\r?\n\r?\n")


def read_message(raw: bytes) -> EmailMessage:
    """email.message_from_bytes, minus the line-by-line body pass for single-part mail.

    Most mail is one text part. Its body needs no MIME parsing, yet the feed
    parser walks it line by line, which is most of the cost of parsing. Here only
    the header block goes through the parser; a single-part body is attached as
    the parser would attach it (ASCII with surrogate escapes).
    """
    end = _HEADER_END.search(raw)
    if end is not None:
        msg = email.parser.BytesParser().parsebytes(raw[: end.end()], headersonly=True)
        if not msg.defects and msg.get_content_maintype() not in ("multipart", "message"):
            msg.set_payload(raw[end.end():].decode("ascii", "surrogateescape"))
            return msg
    return email.message_from_bytes(raw)


def parse(raw: bytes, envelope: Envelope | None = None, limits: Limits | None = None,
          ocr: Ocr | None = None) -> Message:
    """`ocr`: how images and scanned pages are read (`scan.ocr`); None reads none of them."""
    limits = limits or Limits()
    budget = Budget(limits, ocr=ocr)
    try:
        msg = read_message(raw)
    except Exception as exc:  # the parser itself gave up (e.g. recursion on absurd nesting)
        msg = EmailMessage()
        msg.set_payload(raw.decode("utf-8", errors="replace"))
        msg.defects.append(type("UnparseableMessage", (Exception,), {})(type(exc).__name__))
    fields = header_fields(msg, envelope)
    subject = fields["subject"]

    parts: list[TextPart] = []
    if subject:
        parts.append(TextPart(name="subject", text=subject))
    bodies: list[str] = []
    html_extra: list[str] = []
    targets: list[str] = []
    unseen: list[str] = []  # what the HTML hides: after the HTML's other lines
    attachments: list[Attachment] = []
    problems: list[Problem] = []
    try:
        for item in _walk(msg, "", 0, budget, [0]):
            if isinstance(item, tuple):
                budget.text += len(item[1])  # the bodies have their own cut, below
                {HTML_BODY: html_extra, _LINKS: targets, _HIDDEN: unseen}.get(
                    item[0], bodies).append(item[1])
            elif isinstance(item, TextPart):
                room = limits.max_message_text - budget.text
                if len(item.text) > room:
                    problems.append(Problem("unscannable", item.name, "only part scanned: the "
                                            f"message's text passed {limits.max_message_text} "
                                            "characters"))
                    item = dataclasses.replace(item, text=item.text[: max(room, 0)])
                budget.text += len(item.text)
                if item.text:
                    parts.append(item)
            elif isinstance(item, Attachment):
                attachments.append(item)
            else:
                problems.append(item)
    except BudgetExceeded as exc:
        problems.append(Problem("unscannable", "body", str(exc)))
    except RecursionError:
        problems.append(Problem("malformed-mime", "body", "MIME nested too deeply to read"))
    body = "\n\n".join(b for b in bodies if b.strip())
    if said := "\n".join(dict.fromkeys(a for block in targets for a in block.split("\n") if a)):
        body = f"{body}\n\n{said}" if body else said  # after all the text, which keeps its place
    if len(body) > limits.max_text:
        problems.append(Problem("unscannable", "body", f"only the first {limits.max_text} "
                                "characters scanned"))
        body = body[: limits.max_text]
    if body:
        parts.insert(1 if subject else 0, TextPart(name="body", text=body))
    if extra := "\n\n".join(e for e in (*html_extra, *unseen) if e)[: limits.max_text]:
        parts.insert(len([p for p in parts if p.name in ("subject", "body")]),
                     TextPart(name=HTML_BODY, text=extra))
    if any(_wrapper_text(p, "") for p in parts):  # a winmail.dat's: weighed against the text
        said = tnef.words("\n".join((subject, body, extra)))
        parts = [kept for p in parts for kept in (
            _beside([p], said) if _wrapper_text(p, "") else (p,))]
    # a file's name is sent as plainly as the body: read it as text too (a line a file, the
    # archive members' beside the files'), after the parts of the files themselves, each as
    # `name_line` reads it (underscores as spaces)
    leaves = [name.rpartition("/")[2] for name in budget.sent_as if name != CALENDAR]
    # the folders of archives' members after the files (added in PARSER 15, after what was
    # read before, so its offsets hold)
    leaves += [f for f in budget.folders if f not in leaves]
    # then the files and folders inside the archives read since 2026-12 under PARSER 18
    # (.gz, .tar, .7z, .rar, .cab), after all of those, so a hold's offsets in the lines
    # before still hold
    leaves += [name.rpartition("/")[2] for name in budget.unpacked_names]
    seen = set(leaves)
    leaves += [f for f in budget.unpacked_folders if f not in seen]
    names = "\n".join(name_line(leaf) for leaf in leaves if not _UNNAMED.fullmatch(leaf))
    if names.strip():
        if len(names) > limits.max_text:
            problems.append(Problem("unscannable", FILE_NAMES, f"only the first "
                                    f"{limits.max_text} characters scanned"))
        parts.append(TextPart(name=FILE_NAMES, text=names[: limits.max_text]))
    notes = _notes(budget)
    return Message(
        **fields,
        parts=tuple(parts),
        attachments=tuple(attachments),
        problems=tuple(dict.fromkeys(problems)),
        size=len(raw),
        notes=notes,
    )


def header_fields(msg: EmailMessage, envelope: Envelope | None) -> dict[str, Any]:
    """What a message's header block and envelope say of it (its subject, addresses, the
    sender's display name, the headers kept), as `Message` fields: the same for a message
    read whole (`parse`) and for one given up on, whose headers alone are read
    (`unread.unread_message`)."""
    to = addresses(msg.get_all("To") or [])
    cc = addresses(msg.get_all("Cc") or [])
    from_list = addresses(msg.get_all("From") or [])
    from_names = getaddresses([header_text(v) for v in msg.get_all("From") or []])
    visible = {a.lower() for a in to + cc}
    rcpts = tuple(envelope.rcpt_tos) if envelope else ()
    return {
        "message_id": header_text(msg.get("Message-ID")).strip(),
        "subject": " ".join(header_text(msg.get("Subject")).split()),
        "from_addr": from_list[0] if from_list else (envelope.mail_from if envelope else ""),
        "to": to,
        "cc": cc,
        "bcc_only": tuple(r for r in rcpts if r.lower() not in visible),
        "headers": tuple((k, header_text(v)) for k, v in msg.items()
                         if k.lower() in KEPT_HEADERS),
        "from_name": from_names[0][0] if from_names else "",
        "envelope_rcpts": rcpts,
    }


def _notes(budget: Budget) -> tuple[str, ...]:
    """What the reading left unread without it being a problem: pictures inside documents
    past the message's OCR, small pictures, photographs with nothing like text in them."""
    notes = []
    if budget.unread_pictures:
        notes.append(f"{budget.unread_pictures} picture(s) inside attached documents not read: "
                     "the message's OCR (scan.ocr.max_pages, max_seconds) was spent before them")
    if budget.unread_small:
        notes.append(f"{budget.unread_small} small picture(s) not read (logos, or crops of a "
                     "screen under scan.ocr.min_pixels): half the message's OCR is kept for "
                     "larger ones, or OCR could not read them")
    if budget.unread_photos:
        notes.append(f"{budget.unread_photos} photograph(s) not read: a first look found "
                     "nothing like a line of text in them (scan.ocr.skip_photos)")
    return tuple(notes)
