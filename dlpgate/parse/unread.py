"""A message given up on: its envelope and headers, none of its content, and why.

When a message's scan has failed `relay.max_scan_attempts` times (its worker died on
it, or it ran past `relay.scan_timeout`), reading it again would fail again. It is
then decided as a message that could not be read, the way `parse` reports a part it
could not read: one `unscannable` problem, which policy holds when the message
leaves (`unreadable-attachment-leaving`). Only the header block is read, at most
`HEADER_ROOM` octets of it, with the standard library's parser and none of the
readers (PDF, Office, archives, OCR) a hostile file could crash; the body is never
decoded. The addresses it gives are what the recipient assessors need.
"""

from __future__ import annotations

import email.message
import email.parser
import re

from dlpgate.model import Envelope, Message, Problem
from dlpgate.parse.mime import header_fields

# More than any real header block (Exchange's run to a few tens of KB); what a hostile one
# has past it is not read, and the addresses it would have given are the envelope's alone.
HEADER_ROOM = 256 * 1024
# where the problem is said to be: the body is what was not read (and the review app labels
# it as it labels any body; a file's name here would be shown as an attachment)
PART = "body"
_HEADER_END = re.compile(rb"\r?\n\r?\n")


def unread_message(raw: bytes, envelope: Envelope | None, reason: str) -> Message:
    """The message as its headers and envelope give it, with `reason` (which must quote no
    content) as its one problem. Never raises for anything in `raw`."""
    block = raw[:HEADER_ROOM]
    if (end := _HEADER_END.search(block)) is not None:
        block = block[: end.end()]
    try:
        msg = email.parser.BytesParser().parsebytes(block, headersonly=True)
    except Exception:  # whatever the header block is, the envelope still says where it goes
        msg = email.message.EmailMessage()
    return Message(
        **header_fields(msg, envelope),
        parts=(),  # nothing is read: no detector sees any of its text
        attachments=(),
        problems=(Problem("unscannable", PART, reason),),
        size=len(raw),
    )
