"""The plain data that passes between stages.

Every stage (parse, detect, decide, act, record) takes and returns these
dataclasses and nothing else: no SMTP object travels past the ingress, so the
relay and `dlpgate scan` run exactly the same code on exactly the same data.
Everything here pickles, because scanning happens in worker processes. (No
`slots=True`: frozen slotted dataclasses unpickle field by field, several
times slower, and results cross a process boundary for every message.)
"""

from __future__ import annotations

import dataclasses
import enum
import re
from dataclasses import dataclass, field


class Verdict(enum.StrEnum):
    """What policy says should happen to a message (INTERFACE.md, closed set).

    Ordered from mildest to strictest; `strictest()` relies on that order.
    """

    ALLOW = "allow"
    LOG = "log"
    HOLD = "hold"
    REJECT = "reject"

    @property
    def rank(self) -> int:
        return _VERDICT_ORDER.index(self)

    @staticmethod
    def strictest(verdicts: list[Verdict]) -> Verdict:
        return max(verdicts, key=lambda v: v.rank, default=Verdict.ALLOW)


_VERDICT_ORDER = [Verdict.ALLOW, Verdict.LOG, Verdict.HOLD, Verdict.REJECT]


class Action(enum.StrEnum):
    """What a policy rule asks for: the verdict, refined for held mail.

    `confirm` (held until the sender confirms) and `delay` (held for a few
    minutes, then sent unless the sender cancels) are kinds of hold: their
    verdict is `hold`, so the outside vocabulary stays the closed four.
    Ordered mildest to strictest.
    """

    ALLOW = "allow"
    LOG = "log"
    DELAY = "delay"
    CONFIRM = "confirm"
    HOLD = "hold"
    REJECT = "reject"

    @property
    def rank(self) -> int:
        return _ACTION_ORDER.index(self)

    @property
    def verdict(self) -> Verdict:
        return _ACTION_VERDICT[self]

    @staticmethod
    def strictest(actions: list[Action]) -> Action:
        return max(actions, key=lambda a: a.rank, default=Action.ALLOW)


_ACTION_ORDER = [Action.ALLOW, Action.LOG, Action.DELAY, Action.CONFIRM, Action.HOLD,
                 Action.REJECT]
_ACTION_VERDICT = {Action.ALLOW: Verdict.ALLOW, Action.LOG: Verdict.LOG,
                   Action.DELAY: Verdict.HOLD, Action.CONFIRM: Verdict.HOLD,
                   Action.HOLD: Verdict.HOLD, Action.REJECT: Verdict.REJECT}


class Outcome(enum.StrEnum):
    """What the gateway actually did; `replies.reply_for` maps each to SMTP."""

    RELAYED = "relayed"
    HELD = "held"
    REJECTED = "rejected"
    TEMPFAIL = "tempfail"


@dataclass(frozen=True)
class Envelope:
    """The SMTP envelope: the only source of Bcc-only recipients."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    mail_options: tuple[str, ...] = ()
    client_address: str = ""
    helo: str = ""
    # each recipient's DSN options (NOTIFY=, ORCPT=; dlpgate.dsn), in the order of rcpt_tos
    rcpt_options: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class TextPart:
    """Text taken from one place in the message, addressed as INTERFACE.md's `part`.

    `name` is `subject`, `body`, or an attachment path such as `a.zip/b.docx`.
    """

    name: str
    text: str
    content_type: str = "text/plain"
    is_attachment: bool = False


@dataclass(frozen=True)
class Attachment:
    """What is known about one attachment, whether or not text came out of it."""

    name: str
    content_type: str
    size: int
    depth: int


@dataclass(frozen=True)
class Problem:
    """Something that could not be read. Policy decides; parsing never raises.

    `kind` is one of PROBLEM_KINDS; `detail` explains it without quoting content.
    """

    kind: str
    part: str
    detail: str


# The closed set of problem kinds, each surfaced as a finding whose entity is the
# upper-cased kind (UNSCANNABLE, ENCRYPTED_ATTACHMENT, MALFORMED_MIME).
PROBLEM_KINDS = ("unscannable", "encrypted-attachment", "malformed-mime")
# The detector named on the finding of a message decided unread because its scan failed
# `relay.max_scan_attempts` times (`pipeline.Scanner.unread`). Its hold is marked so
# (`unread` in the quarantine's finding), and nothing in the gateway parses it again in
# its own process: not the review app showing it, not history learning from its release.
SCAN_FAILED = "scan-failed"


# The text an HTML alternative carries that its plain-text twin does not ("See attached." over
# a paragraph with an NHS number): scanned beside the body, read as body by policy.
HTML_BODY = "body-html"
BODY_PARTS = ("body", HTML_BODY)
# A picture pasted into the body (a screenshot Outlook sends inline in multipart/related), its
# words read by OCR: "body picture 1", "body picture 2", numbered in the message's order,
# pictures not read counted too. Read by policy as body, where the recipient sees it.
BODY_PICTURE = "body picture"
_BODY_PICTURE = re.compile(r"body picture [1-9][0-9]*")


def is_body_picture(part: str) -> bool:
    """A part named as a picture pasted into the body (no file may take such a name)."""
    return _BODY_PICTURE.fullmatch(part) is not None


def in_body(part: str) -> bool:
    """The body as its reader sees it: its text, its HTML's extra and its pasted pictures."""
    return part in BODY_PARTS or is_body_picture(part)


# The attached files' names, a line each: "Smith_John_DOB_01-02-2010_NHS_943 476 5919.txt"
# says who the file is about before anyone opens it.
FILE_NAMES = "attachment names"


def name_line(leaf: str) -> str:
    """A file's name as its line in FILE_NAMES reads: underscores read as the spaces they
    stand for ("NHS_943" is no word beside a number), runs of space as one. Written once, for
    the parser writes the lines and `detect.filenames` finds each file's line again to mask
    what was found in it."""
    return " ".join(leaf.replace("_", " ").split())


# A meeting request's calendar (the text/calendar alternative beside its text).
CALENDAR = "meeting request"
# Which way of reading a message into parts (parse/mime.py) a finding's offsets were taken
# from. A change that moves text within a part (spreadsheets read as "header: value", 2; parts
# renamed, a second notes.txt "notes (2).txt", 3; tables in documents read as spreadsheets are,
# and PDF forms, comments and properties read, 4; legacy .xls read cell by cell, PDF and HTML
# tables read as sheets, 5; scanned PDF pages read by OCR in their place, 6; S/MIME signed
# data read, its files named among the others, 7; the files inside an alternative's HTML
# rendering read, and pictures pasted into the body read as `body picture N`, no longer as
# files, 8, which then stood while documents of every kind were read for more, unmarked:
# `review.content._since_8`; an Excel binary workbook's (.xlsb) sheets read, before its
# properties, 9;
# winmail.dat's MAPI properties read, its files named by their long names, the items inside
# it read, its text from its RTF and only where the message's text lacks it, 10; pictures
# on a PDF's pages of text read from scan.ocr.crop_min_pixels, numbered with the larger ones
# on their page, 11) raises it, so a hold made before it is not shown with its masks on the
# wrong words. A change that only adds text after a part's text raises it too, and leaves
# the earlier version's offsets trusted (`review.content._placed`): what an Office or
# OpenDocument file keeps beside what it shows (custom XML data, defined names, dropdown
# lists, fields' instructions, a glossary, ODF's user fields and hidden text), read after
# everything else it gives, 12. Legacy Word documents (.doc) read through their piece table,
# a table's row on one line, fields' results without their instructions, headers, notes and
# comments after the text, 13. RTF read by the gateway's own reader, not striprtf, which
# differs where striprtf misread (a hyperlink's field, binary data), what a field's
# instruction holds (a hyperlink's address) read as a line after the field, the objects
# embedded in an RTF letter read as files inside it, a packaged one named among the files,
# 14. The addresses of an Office file's links kept in its relationships (Ctrl+K links), and
# an OpenDocument file's, read after everything else it gives, 15: offsets before it keep
# their place. A file an OLE object wraps (Object Packager's, an Office or PDF file kept whole
# in a compound file: `word/embeddings/oleObject1.bin`) read as a file inside it, where the
# compound file's text runs were read, and a calendar or contact file (.ics, .vcf) read
# unfolded, decoded and labelled, where its text was read as it was, 16: what was found in
# such a part before is elsewhere now (`review.content._read_otherwise_in_16`). A file's
# name sent as raw 8-bit read as written ("Zoë", not "Zo\ufffd\ufffd"), 17: such a part, and
# the files' names after it, are named and placed otherwise (`review.content._renamed_in_17`).
# The files an invitation carries (ATTACH, base64) read as files inside it and named among the
# files' names where they come, 18: the files' names after them moved
# (`review.content._carries_invitation`); all else 18 reads is after a part's text or a part of
# its own. A name libarchive gives as bytes (in Windows' code page) read as a tar's is, 19:
# it ended the archive, and its files' names after it come before those of the archives after
# it (`review.content._LIBARCHIVE`); and a 7z's entry marked as a link that holds more than
# 64 KB is not read, nor the files after it, their names no longer among the files' names.
# The spaces Tesseract dropped between groups of digits put back where its boxes show them
# (`ocr._spaced`: "807 302 1579", read "807 3021579"), and a photograph of a page turned
# or lit unevenly read again straightened (`ocr.Reader._straightened`), 20: a picture's
# text is otherwise. What the less visible places hold, read after all a part's text, 21:
# an Outlook item's and an invitation's HTML comments, tooltips and fields; Office links'
# tooltips, Word bookmarks' names and a merged letter's data source and query; a legacy .xls
# sheet's page header and footer; an RTF form field's default and dropdown entries, which
# move what follows an RTF body inside a winmail.dat or an Outlook item
# (`review.content._rtf_inside`). A 7z whose list of files is packed with PPMd or behind a
# filter (BCJ, Delta), as only a hand-made one is, checked for links that hold more than
# 64 KB as every other 7z is, 22: such a link's name and those of the files after it are no
# longer read. What an HTML body, an attached message's HTML or a saved page hides (a comment,
# a tooltip, a field) read only where its text does not say it, as an Outlook item's and an
# invitation's are (`html.unshown`), 23: such lines after all that part's text are left out
# (`review.content._hidden_unshown`); and read after all a part's text, unmoved: the page an
# Outlook item's or a winmail.dat's RTF body carries (`parse.rtfhtml`) and what it hides,
# what a winmail.dat's HTML hides and its attachments' paths, comments and named properties,
# an .xlsb's links' tooltips, an OpenDocument file's links' titles and bookmarks' names. A
# picture's alt text in an HTML alternative whose plain twin lacks it, 24: the HTML's lines
# (`body-html`) begin with it (`review.content._html_alt`). An .xlsx's formulas' constants, an
# Excel drawing's links' tooltips, a presentation's sections' names and a workbook's
# connections and Power Query formulas, 25: read after all else an Office file gives, only
# where its text does not say them (`parse.officeunseen.later`); nothing before them moved. A
# photograph of a page read to next to nothing read again with its light made even, 26: its
# words after the first reading's, moving the metadata read after them
# (`review.content._photographed`). An .xlsb's formulas' constants, read from their tokens
# (`parse.xlsbformulas`), and an OpenDocument spreadsheet's (`table:formula`), 27: read after
# all else the file gives, only where its text does not say them, an .xlsb's before its
# drawings' links' tooltips and queries, which moved (`review.content._FORMULAS_READ_IN_27`).
PARSER = 27


@dataclass(frozen=True)
class Message:
    """A parsed message: addresses from headers and envelope, and all its text."""

    message_id: str
    subject: str
    from_addr: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    bcc_only: tuple[str, ...]
    headers: tuple[tuple[str, str], ...]
    parts: tuple[TextPart, ...]
    attachments: tuple[Attachment, ...]
    problems: tuple[Problem, ...]
    size: int
    from_name: str = ""
    envelope_rcpts: tuple[str, ...] = ()  # where this copy really goes, when known
    notes: tuple[str, ...] = ()  # how it was read, where that is not a problem (pictures)

    @property
    def destinations(self) -> tuple[str, ...]:
        """The recipients this copy is delivered to: the envelope's, else the headers'."""
        return self.envelope_rcpts or self.all_recipients

    @property
    def all_recipients(self) -> tuple[str, ...]:
        return self.to + self.cc + self.bcc_only

    @property
    def body(self) -> str:
        """The text of the message body part (not attachments), or empty."""
        return next((p.text for p in self.parts if p.name == "body"), "")

    @property
    def auto_reply(self) -> bool:
        """An automatic answer (RFC 3834 `Auto-Submitted: auto-replied`: an out-of-office, a
        mailbox's acknowledgement): it goes to whoever wrote in, so no one chose its
        recipient, and it is no correspondence of the sender's."""
        return any(k.lower() == "auto-submitted" and is_auto_replied(v)
                   for k, v in self.headers)


def is_auto_replied(value: str) -> bool:
    """An `Auto-Submitted` value of an automatic reply (not `no`, not `auto-generated`: a
    system's own report still has recipients someone chose)."""
    return value.strip().lower().startswith("auto-replied")


@dataclass(frozen=True)
class Finding:
    """One piece of evidence in the content, carrying its own explanation.

    `text` is the matched value. It is personal data: it never leaves the
    process except into the quarantine and `scan --reveal` output.
    """

    entity: str
    part: str
    start: int
    end: int
    score: float
    text: str
    explanation: str
    detector: str
    # the explanation with the file name it quotes in full ("Amy Reid NHS 943 476 5919.zip:
    # password-protected ZIP archive"); `explanation` has the personal data found in the name
    # masked, as values are (`detect.filenames`), for it is stored with a hold and read by
    # whoever has not given a reason. Empty: the same.
    revealed: str = ""


class RecipientSignal(enum.StrEnum):
    """Why a recipient may be the wrong one: the closed set of signal names (INTERFACE.md).

    Detectors give these as evidence, with an explanation each; policies match them by
    name (`recipients: {any: {signal: ...}}`) and `recipients.weights` keys on them, so a
    name is never made up where a signal is given. A member is its name as a string.
    """

    # the relationship: one per recipient, the base risk
    INTERNAL = "internal"
    PARTNER = "partner"
    KNOWN_CORRESPONDENT = "known-correspondent"
    RARE_CORRESPONDENT = "rare-correspondent"
    NEW_TO_SENDER = "new-to-sender"
    NEW_TO_ORGANISATION = "new-to-organisation"
    # each raises the risk
    LOOKALIKE_DOMAIN = "lookalike-domain"
    CONFUSABLE_ADDRESS = "confusable-address"
    ADDRESS_SLIP = "address-slip"
    NOT_IN_THREAD = "not-in-thread"
    OFTEN_COPIED_IN = "often-copied-in"
    LONE_OUTSIDER = "lone-outsider"
    UNMENTIONED = "unmentioned"
    UNKNOWN_ADDRESS = "unknown-address"
    UNKNOWN_COLLEAGUE = "unknown-colleague"
    NEWCOMER = "newcomer"
    CONTENT_FITS_ANOTHER = "content-fits-another"
    UNUSUAL_GROUP = "unusual-group"
    GROUP_FITS_ANOTHER = "group-fits-another"
    HAS_NAMESAKE = "has-namesake"
    USUAL_NAMESAKE = "usual-namesake"
    CURRENT_NAMESAKE = "current-namesake"
    CIRCULAR_ONLY = "circular-only"
    COLLEAGUES_NAMESAKE = "colleagues-namesake"
    NAMES_ANOTHER = "names-another"
    NAMES_SOMEONE_ELSE = "names-someone-else"
    REPLIES_TO_ANOTHER = "replies-to-another"
    PERSONAL_WEBMAIL = "personal-webmail"
    OWN_PERSONAL_ADDRESS = "own-personal-address"
    PROTECTIVE_MARKING = "protective-marking"
    ATTACHMENT_ABOUT_ANOTHER = "attachment-about-another"
    SALUTATION_MISMATCH = "salutation-mismatch"
    GREETS_ANOTHER = "greets-another"
    WRITTEN_ABOUT = "written-about"
    # evidence a new recipient was meant: each damps the base
    NAMED_IN_MESSAGE = "named-in-message"
    GREETED = "greeted"
    COLLEAGUE_RECIPIENT = "colleague-recipient"
    WROTE_TO_US = "wrote-to-us"
    # the audience's exposure, not a wrong recipient
    BULK_EXPOSURE = "bulk-exposure"
    MIXED_AUDIENCE = "mixed-audience"


# The signals that speak for a recipient (a colleague, a partner, someone written to often,
# someone the message names or greets): listed apart from the warning signs wherever a
# reviewer reads them, who otherwise took "the message names dr.patel@nhs.com" beside "nhs.com
# has the name of nhs.net" for one more warning. A member equals its name, so a name kept
# with a hold is looked up as it is.
IN_FAVOUR = frozenset((RecipientSignal.INTERNAL, RecipientSignal.PARTNER,
                       RecipientSignal.KNOWN_CORRESPONDENT, RecipientSignal.NAMED_IN_MESSAGE,
                       RecipientSignal.GREETED, RecipientSignal.COLLEAGUE_RECIPIENT,
                       RecipientSignal.WROTE_TO_US))


@dataclass(frozen=True)
class Signal:
    """One reason a recipient may be wrong, with words a sender understands.

    `name` is a RecipientSignal; a string is taken for its member, and one that is no
    member is an error here, where it is made, not in a policy that never matches it.
    """

    name: RecipientSignal
    explanation: str
    weight: float = 0.0
    # the explanation with the names it quotes from the message in full ("the message names
    # Amy Jones"); `explanation` has them masked ("A•• J••••"), as findings are, for it is
    # stored with a hold and read by reviewers who have not given a reason. Empty: the same.
    revealed: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, RecipientSignal):
            object.__setattr__(self, "name", RecipientSignal(self.name))


@dataclass(frozen=True)
class RecipientRisk:
    address: str
    risk: float
    signals: tuple[Signal, ...]


@dataclass(frozen=True)
class Evidence:
    """Everything detection found: the input of `decide`."""

    findings: tuple[Finding, ...]
    recipients: tuple[RecipientRisk, ...]
    notes: tuple[str, ...] = ()  # how the evidence was gathered: NER skipped or capped
    # (part name, the name as shown) for each file whose name holds personal data, the values
    # found in it masked (`detect.filenames`). The part name stays the key findings are kept
    # and matched under; only the text shown to a person changes.
    names: tuple[tuple[str, str], ...] = ()

    def shown(self, part: str) -> str:
        """A part's name as it may be shown to someone who has not asked to see values."""
        return next((masked for name, masked in self.names if name == part), part)


@dataclass(frozen=True)
class RuleMatch:
    """One rule that matched, in whatever mode, and why.

    `mode` is `enforce` or `shadow` (recorded, never acted on); `overridden_by`
    names the exception rule that set this match aside, if any.
    """

    rule: str
    action: Action
    reasons: tuple[str, ...]
    mode: str = "enforce"
    overridden_by: str = ""
    recipients: tuple[str, ...] = ()
    agreed: bool = True  # every recipient named passed all the rule's recipient tests
    # the reasons with the names they quote in full (a file's, a greeted person's);
    # `reasons` has them masked, as findings are. Empty: the same.
    revealed: tuple[str, ...] = ()

    @property
    def counts(self) -> bool:
        """Whether this match takes part in choosing the action."""
        return self.mode == "enforce" and not self.overridden_by


@dataclass(frozen=True)
class Decision:
    """The output of `decide`: one verdict, every rule that matched and why.

    `rules` and `reasons` are those of the matches that chose the action;
    `matches` holds every match, shadow and overridden ones too.
    """

    verdict: Verdict
    rules: tuple[str, ...]
    reasons: tuple[str, ...]
    policy_version: str = ""
    action: Action | None = None  # None: the verdict's own action
    matches: tuple[RuleMatch, ...] = ()
    delay_minutes: int = 0
    notify: tuple[str, ...] = ()
    # `reasons` with the names they quote in full, for `scan --reveal`; `reasons` has them
    # masked (a file named after its person, a name the message writes), for they are stored
    # with a hold and shown to the sender and to reviewers before any reason. Empty: the same.
    revealed: tuple[str, ...] = ()

    @property
    def shadow_rules(self) -> tuple[str, ...]:
        return tuple(m.rule for m in self.matches if m.mode == "shadow")

    @property
    def chosen(self) -> Action:
        return self.action or Action(self.verdict.value)


@dataclass
class ScanResult:
    """What the pipeline hands back to the relay or to `dlpgate scan`."""

    scan_id: str
    message: Message
    evidence: Evidence
    decision: Decision
    timings_ms: dict[str, float] = field(default_factory=dict)
    fingerprint: tuple[int, ...] = ()  # keyed word hashes, for recipients' content profiles

    def without_text(self) -> ScanResult:
        """The result as the relay needs it: everything but the text of the parts.

        Findings keep their offsets and values; the text itself stays in the worker,
        which saves pickling a message's whole text back for every message.
        """
        return ScanResult(
            scan_id=self.scan_id,
            message=dataclasses.replace(self.message, parts=()),
            evidence=self.evidence,
            decision=self.decision,
            timings_ms=self.timings_ms,
            fingerprint=self.fingerprint,
        )
