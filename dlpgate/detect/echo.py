"""What a reply sends back to the one who wrote: their own message, quoted below it.

A resident writes in with her council tax account, her NI number and that she has been off
work with depression; the answer quotes her message below it, as every mail client does, and
goes to her alone. What is quoted there is what she told us, and sending it back to her
discloses nothing to anyone. Read as the answer's own findings, it made every such reply
"special-category data about an identified person leaving the council", for the sender to
confirm: staff who confirm every answer to a resident learn to confirm without reading.

Only the quoted conversation counts (the body from the first quoted header block on, all of
which was in her message), only when every recipient outside the organisation is its
author and is credited with writing in (`wrote-to-us`, never given to a look-alike), and only
in the body's text. What the answer itself says, its attachments, and a partner or anyone
else copied in are read as before: another family's case written above her message is still
the answer's.

Nor when the answer says it is written inside her message ("my answers are below in red",
"see my comments inline", "I have replied to each point below"): Outlook marks no quoted
line, so what the caseworker wrote among hers cannot be told from what she wrote, and a third
party's case added there would go as hers. Then the whole quote is read as the answer's own.
"""

from __future__ import annotations

import dataclasses
import re

from dlpgate.detect import thread
from dlpgate.history import normalise
from dlpgate.model import Evidence, Message, RecipientRisk
from dlpgate.model import RecipientSignal as S


def quoted_from(message: Message, recipients: tuple[RecipientRisk, ...]) -> int | None:
    """Where, in the body, the conversation its only outside recipient wrote starts; None
    when the message answers no one alone."""
    author = thread.replied_to(message)
    if author is None or not author.address:
        return None
    outside = [r for r in recipients if S.INTERNAL not in {s.name for s in r.signals}]
    if not outside or any(normalise(r.address) != author.address
                          or S.WROTE_TO_US not in {s.name for s in r.signals}
                          for r in outside):
        return None
    start = thread.quote_start(message.body)
    return start if start < len(message.body) else None


NOTE = ("findings in the message this answers, quoted below it, are not counted: its author "
        "is the only recipient outside and wrote them")


INLINE_NOTE = ("the answer says it is written inside the message it quotes (answers below, "
               "inline or in a colour), so the quoted message is read as the answer's own: "
               "what was written inside it cannot be told from what was quoted")

# What an answer says, above the quote, when it is written inside it. First person only: "your
# reply below", "in response to your email below" point at her message, not at answers in it.
_COLOUR = r"(?:red|blue|green|purple|orange|bold|italics?|capitals|caps|colou?r)"
_WHERE = (r"(?:below|underneath|inline|in-line|within\s+your\s+(?:e-?mail|message)|"
          rf"against\s+each|in\s+{_COLOUR})")
# the few words between: "my answers are below", "I have replied to each of your points below"
_BETWEEN = (r"(?:\s+(?:are|is|have|been|added|put|written|typed|to|each|every|all|your|the|of"
            r"|questions?|points?|queries|query|concerns?|issues?|items?|in\s+turn))*?")
_INLINE = re.compile(
    # my answers are below in red; I have replied to each point below; I've added my comments
    r"\b(?:(?:my|our)\s+(?:answers?|responses?|replies|comments?)"
    r"|I(?:'ve|\u2019ve|\s+have)?\s+(?:answered|responded|replied|commented"
    rf"|added\s+(?:my\s+)?(?:answers|responses|comments|notes))){_BETWEEN}\s+{_WHERE}"
    # comments inline; replies in blue; see inline; see below in red; in red below
    rf"|\b(?:answers?|responses?|replies|comments?|notes?)\s+(?:are\s+)?(?:inline|in-line"
    rf"|in\s+{_COLOUR})\b"
    r"|\b(?:see|find)\s+(?:inline|in-line)\b"
    rf"|\b(?:below|underneath|inline)\s+in\s+{_COLOUR}\b|\bin\s+{_COLOUR}\s+below\b",
    re.IGNORECASE)


def answers_inside(message: Message, start: int) -> bool:
    """Whether the answer, above the quote starting at `start`, says it is written inside it."""
    return _INLINE.search(message.body, 0, start) is not None


def without_echo(evidence: Evidence, message: Message, start: int | None) -> Evidence:
    """The evidence without the findings in what the one answered wrote (`start`: where it
    begins, from `quoted_from`), with a note saying so; all of it, with another note, when
    the answer says it is written inside the quote (`answers_inside`)."""
    if start is None:
        return evidence
    if answers_inside(message, start):
        if (INLINE_NOTE in evidence.notes
                or not any(f.part == "body" and f.start >= start for f in evidence.findings)):
            return evidence
        return dataclasses.replace(evidence, notes=evidence.notes + (INLINE_NOTE,))
    inline = _answered_inline(message.body, start)
    kept = tuple(f for f in evidence.findings if f.part != "body" or f.start < start
                 or any(f.start < e and s < f.end for s, e in inline))
    if len(kept) == len(evidence.findings):
        return evidence
    notes = evidence.notes if NOTE in evidence.notes else evidence.notes + (NOTE,)
    return dataclasses.replace(evidence, findings=kept, notes=notes)


def _answered_inline(body: str, start: int) -> list[tuple[int, int]]:
    """The lines an answer writes inside the quote it answers ("> Can my reduction be looked
    at again?" / "Yes; and your neighbour at number 14 ..."): where the quote marks its own
    lines with ">", a line without the mark below the quote's first line is the answer's, and
    what it says is read as the answer's. A quote in Outlook's layout marks nothing, and
    what is written inside it cannot be told from what was quoted."""
    spans, pos, marked, unmarked = [], start, 0, 0
    for n, line in enumerate(body[start:].split("\n")):
        end = pos + len(line)
        text = line.strip()
        if text.startswith(">"):
            marked += 1
        elif text and n:  # the first line is the quote's own header ("On ... wrote:")
            unmarked += 1
            spans.append((pos, end))
        pos = end + 1
    return spans if marked >= unmarked else []

