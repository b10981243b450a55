"""An RTF letter is read with its page headers, footers, footnotes and comments, and its
pictures are read by OCR as attached ones are; its text as striprtf read it, in one pass
however large or hostile the letter."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from dlpgate import testdata, testrtf
from dlpgate.config import Limits, Ocr
from dlpgate.parse import lzfu, ocr, rtf
from dlpgate.parse.decode import decode_text
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message

HEAD = r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Calibri;}}"
# how the reader before made the shown groups ordinary ones, for striprtf to read
_SHOWN_BEFORE = re.compile(r"(?:\\\*)?\\(?:header[lrf]?|footer[lrf]?|footnote|annotation)(?![a-z])")


def striprtf_text(document: str) -> str:
    """The text as the reader before gave it. A closing brace is added (but after a
    backslash, which would escape it): striprtf lost the bytes of a last character written
    just before a document cut short ended."""
    from striprtf.striprtf import rtf_to_text

    closed = document if document.endswith("\\") else document + "}"
    return rtf_to_text(_SHOWN_BEFORE.sub(r"\\par ", closed), errors="ignore")


# real mail kept beside the project for measuring (none of it RTF yet: read when some is)
CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"


def letters():
    """Letters as Word, WordPad, TextEdit, case systems and Outlook write them, RTF's pieces
    in any order, the RTF the other tests and testdata build, and any in the corpora."""
    for path in sorted(CORPORA.rglob("*.rtf")) if CORPORA.is_dir() else ():
        yield decode_text(path.read_bytes())
    yield from (testrtf.letter(seed) for seed in range(300))
    yield from (testrtf.tokens(seed) for seed in range(300))
    for text in ("hello world", "Dear Sir\nNHS 943 476 5919", "{x} \\ y}\n\nz{", ""):
        yield testdata.make_rtf(text).decode("ascii")
    yield lzfu.PREFILL.decode("latin-1") + r" Referral for Amy\par}}"
    yield (HEAD + r"{\header\pard Re: Callum Reid\par}{\footerf\pard Case 4471\par}Dear Ms "
           r"Reid,\par}")
    yield (r"{\rtf1\ansi\ansicpg1252\fromhtml1 \deff0{\fonttbl{\f0\fswiss Arial;}}"
           r"{\*\htmltag64 <p>}\htmlrtf {\htmlrtf0 Referral for Amy{\*\htmltag84 &nbsp;}"
           r"\htmlrtf \'a0\htmlrtf0 Reid\htmlrtf\par}\htmlrtf0}")


def test_a_letters_page_header_and_footer_are_read_where_they_stand():
    letter = HEAD + r"{\header\pard Re: Callum Reid, DOB 04/05/2016\par}" \
                    r"{\footerf\pard Case 4471\par}Dear Ms Reid,\par}"
    got = rtf.text(letter)
    assert "Re: Callum Reid, DOB 04/05/2016" in got and "Case 4471" in got
    assert got.index("Callum") < got.index("Dear Ms Reid")


def test_footnotes_and_comments_are_read_and_a_comments_author_tag_is_not():
    letter = HEAD + r"Visit{\super\chftn}{\footnote\pard{\super\chftn} NHS 943 476 5919}" \
                    r" done{\*\atnid JB}{\*\atnauthor Jo Bloggs}\chatn" \
                    r"{\*\annotation{\*\atnref 1}\pard Mum disclosed domestic abuse}\par}"
    got = rtf.text(letter)
    assert "NHS 943 476 5919" in got and "Mum disclosed domestic abuse" in got
    assert "JB" not in got and "Visit" in got and "done" in got


def test_a_png_or_jpeg_picture_is_given_back_and_a_metafile_is_not():
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
    wrapped = "\r\n".join(png.hex()[i:i + 64] for i in range(0, len(png.hex()), 64))
    letter = HEAD + r"Body{\pict{\*\picprop{\sp x}}\pngblip\picw900\pich210" + "\r\n" \
        + wrapped + r"}{\pict\wmetafile8 0100090000}{\pict\jpegblip ffd8ffe0}\par}"
    assert list(rtf.pictures(letter)) == [png, b"\xff\xd8\xff\xe0"]


@pytest.mark.parametrize("hostile", [
    r"{\pict\pngblip " + " " * 200_000 + "zz",  # spaces either part of the pattern could take
    r"{\pict\pngblip " * 100_000,
    r"{\pict\pngblip " + "0 " * 500_000 + "zz"])
def test_a_picture_that_never_ends_is_no_picture(hostile):
    # each read in one pass (a pattern over the whole group took 336 s on the first)
    assert list(rtf.pictures(hostile)) == []


@pytest.mark.skipif(not ocr.available(), reason="tesseract-ocr is not installed "
                    "(./scripts/dev test installs it)")
def test_a_screenshot_pasted_into_an_rtf_letter_is_read_as_part_of_it():
    shot = testdata.screenshot_of([("Name", "NHS number"), ("Amy Reid", "943 476 5919"),
                                   *[(f"Child {c}", "") for c in "ABCDEFGH"]])
    letter = HEAD + r"The list:{\pict\pngblip " + shot.hex() + r"}\par}"
    msg = parse(make_message(to=("x@gmail.com",), body="Attached.", attachments=(
        ("letter.rtf", "application/rtf", letter.encode()),)), None, Limits(), Ocr())
    parts = {p.name: p for p in msg.parts}
    assert "943 476 5919" in parts["letter.rtf/picture 1"].text
    assert parts["letter.rtf/picture 1"].is_attachment and msg.problems == ()


def test_the_text_is_the_one_striprtf_gave_on_letters_of_every_kind(monkeypatch):
    # the reader before was striprtf; where it failed outright (a character no code point
    # has, a code page Python lacks) the letter is read now, and nowhere else does it differ
    # but for what fields' instructions hold, which striprtf did not read but for a web
    # address in one layout of field (tests below), and what a letter keeps beside its text,
    # read after it since (`rtf.kept`)
    import striprtf.striprtf

    monkeypatch.setattr(rtf, "_arguments", lambda instruction: "")
    monkeypatch.setattr(rtf, "kept", lambda document: "")
    monkeypatch.setattr(striprtf.striprtf, "HYPERLINKS", re.compile("(?!)()()"))
    differ, failed = [], 0
    for n, document in enumerate(letters()):
        try:
            before = striprtf_text(document)
        except Exception:
            failed += 1
            assert isinstance(rtf.text(document), str)
            continue
        if rtf.text(document) != before:
            differ.append(n)
    assert differ == [] and failed < 20


def test_a_letters_properties_and_variables_are_read_after_its_text():
    # a case system's letter template fills its variables, which a reader of the letter does
    # not see: they went out unread, and so did the title in File > Properties
    letter = (r"{\rtf1\ansi{\info{\title Referral: Amy Reid}{\author Jo Smith}"
              r"{\subject Child protection}{\doccomm Seen by Dr Sh\'e9}}"
              r"{\*\docvar {ChildName}{Amy Reid}}{\*\docvar {NHSNumber}{943 476 5919}}"
              r"{\*\docvar {Blank}{}}Dear parent\par}")
    assert rtf.text(letter).split("\n")[-2:] == [
        "Title: Referral: Amy Reid; Subject: Child protection; Comments: Seen by Dr Sh\u00e9",
        "Child Name: Amy Reid; NHS Number: 943 476 5919"]
    assert rtf.kept(r"{\rtf1 Dear parent\par}") == ""  # nothing added where nothing is kept


def form_field(kind: str, data: str, result: str) -> str:
    """A legacy form field as Word writes one into RTF: its data inside its instruction."""
    return (rf"{{\field{{\*\fldinst{{ {kind} {{\*\formfield{{\fftype0\ffownhelp{{\*\ffname F1}}"
            rf"{data}}}}}}}}}{{\fldrslt{{{result}}}}}}}")


def test_a_form_fields_default_and_a_dropdowns_entries_are_read_last_and_found():
    # a template's last child stayed as the field's default, typed over, and the dropdown's
    # list of the children on the plan showed only the one chosen
    letter = (r"{\rtf1\ansi\pard Child: "
              + form_field("FORMTEXT", r"{\*\ffdeftext Amy Reid 943 476 5919}", "Leo Hart")
              + r"\par Sibling: "
              + form_field("FORMDROPDOWN", r"{\*\ffl Callum Reid}{\*\ffl Leo Hart}"
                           r"{\*\ffl Amy Reid (943 476 5919)}", "Leo Hart")
              + r"\par{\*\docvar {School}{Oakfield}}}")
    assert rtf.text(letter).split("\n") == [
        "Child: Leo Hart", "Sibling: Leo Hart", "",  # the text where it was
        "School: Oakfield",  # what it keeps (PARSER 16), then its fields' data
        "Amy Reid 943 476 5919", "List: Callum Reid, Amy Reid (943 476 5919)"]
    msg = parse(make_message(attachments=(("plan.rtf", "application/rtf", letter.encode()),)))
    from dlpgate.config import Settings
    from dlpgate.detect.pii import PatternDetector
    from dlpgate.detect.registry import Context

    found = PatternDetector(Settings()).detect(msg, Context(Settings()))
    assert ("UK_NHS", "plan.rtf") in {(f.entity, f.part) for f in found}


def test_a_form_field_whose_default_is_shown_reads_as_before():
    letter = (r"{\rtf1\ansi\pard Child: "
              + form_field("FORMTEXT", r"{\*\ffdeftext Leo Hart}", "Leo Hart") + r"\par}")
    assert rtf.text(letter) == "Child: Leo Hart\n"
    assert rtf.form_fields(r"{\rtf1 " + r"{\*\formfield{\*\ffl x " * 100_000, "") == "List: x"


def test_a_million_unclosed_title_groups_cost_a_few_hundred_reads():
    # each read within its first 64 KB, and no more than a few hundred of them
    assert rtf.kept(r"{\rtf1 " + r"{\title x " * 200_000).startswith("Title: x")


def test_a_letter_with_a_picture_written_as_binary_is_read_to_its_end():
    # `\binN`: N raw bytes, braces among them; striprtf cut the letter at the picture
    picture = (r"{\*\shppict{\pict{\*\picprop{\sp{\sn shapeType}{\sv 75}}}\pngblip\bin4 "
               + "}}{\\" + "}}")
    letter = HEAD + r"Dear Ms Reid,\par " + picture + r"NHS 943 476 5919\par}"
    assert rtf.text(letter) == "Dear Ms Reid,\nNHS 943 476 5919\n"


def test_a_letter_striprtf_gave_up_on_is_read():
    # a \uN no character has (digits run into it), a Mac code page Python lacks
    assert rtf.text(HEAD + r"Amy \u82174471?Reid\par}") == "Amy Reid\n"
    japanese = (r"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0\fcharset78 Osaka;}}\f0 Caf\'e9, "
                r"NHS 943 476 5919}")
    assert rtf.text(japanese) == "Café, NHS 943 476 5919"


def test_a_letter_cut_short_keeps_the_last_characters_written_as_bytes():
    assert rtf.text(HEAD + r"Dear Ren\'e9") == "Dear René"


def test_a_letter_with_photographs_is_read_in_milliseconds():
    # 20 MB of a photograph's hex, as Word writes it in lines: striprtf took 8 s over it
    photograph = "\r\n".join(["0123456789abcdef" * 8] * 160_000)
    letter = (HEAD + r"Dear Ms Reid,\par{\*\shppict{\pict{\*\picprop{\sp{\sn x}{\sv 1}}}"
              r"\pngblip " + photograph + r"}}NHS 943 476 5919\par}")
    started = time.monotonic()
    assert rtf.text(letter) == "Dear Ms Reid,\nNHS 943 476 5919\n"
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize("hostile", [
    "{" * 3_000_000,  # a million braces, and more
    "{x}" * 1_000_000,
    "{\\rtf1 " + "{\\*\\pict " * 300_000,  # groups passed over, inside each other, never closed
    "{\\rtf1 {\\*\\x " * 200_000 + "}" * 400_000,
    HEAD + r"{\pict\bin4000000000 " + "x" * 3_000_000 + "}",  # binary data claiming 4 GB
    HEAD + r"\uc1000000\u8217 " + "x" * 3_000_000,  # a million characters to skip
    HEAD + r"{\field{\*\fldinst{HYPERLINK " * 100_000,  # striprtf: 20 min (a line searched
    r"{\rtf1{\fonttbl" + r"\f1 x" * 600_000 + "}}",  # again from each place it could start)
    HEAD + "\\'" * 1_500_000,
    HEAD + "\\" + "a" * 3_000_000,
    HEAD + r"{\*\x " + r"\bin1 }" * 500_000,
    HEAD + r"\u8217\'92" * 300_000 + "}",
    HEAD + r'{\field{\*\fldinst HYPERLINK "mailto:a@example.org"}{\fldrslt Ann}}' * 60_000,
])
def test_a_hostile_letter_is_read_in_one_pass(hostile):
    started = time.monotonic()
    assert isinstance(rtf.text(hostile), str)
    assert time.monotonic() - started < 5


WORD_LINK = (r'{\field{\*\fldinst {\rtlch\fcs1 \af0 \ltrch\fcs0 \insrsid1  HYPERLINK '
             r'"mailto:{address}" }}{\fldrslt {\rtlch\fcs1 \af0 \ltrch\fcs0 \cs15\ul\cf2 '
             r"{shown}}}}")


def test_a_hyperlinks_email_address_is_read_as_a_line_after_the_words_it_hides_behind():
    link = WORD_LINK.replace("{address}", "jo.bloggs@example.org").replace("{shown}", "Jo Bloggs")
    got = rtf.text(HEAD + r"Please contact " + link + r" today.\par}")
    assert got == "Please contact Jo Bloggs\nmailto:jo.bloggs@example.org\n today.\n"


def test_an_address_a_link_shows_as_its_words_is_read_once():
    link = WORD_LINK.replace("{address}", "jo.bloggs@example.org").replace(
        "{shown}", "Jo.Bloggs@example.org")
    assert rtf.text(HEAD + r"Write to " + link + r"\par}") == "Write to Jo.Bloggs@example.org\n"


def test_a_fields_instruction_is_read_as_a_docxs_is_split_across_runs_or_escaped():
    # as officeextras reads a .docx's: a link's address and screen tip, a picture's path;
    # not a mail merge's field name nor a page number's format
    split = (r'{\field{\*\fldinst {\rtlch HYPERLINK "mail}{\rtlch to:ann.officer@exam}'
             r'{\rtlch ple.org" \\o "Ann Officer, Duty Team" }{\rtlch {\*\datafield 00d0c9ea}}}'
             r"{\fldrslt {Ann}}}")
    picture = (r'{\field{\*\fldinst { INCLUDEPICTURE "C:\\\\Cases\\\\Ren\'e9e Reid\\\\photo.jpg" '
               r"\\* MERGEFORMAT }}{\fldrslt {}}}")
    merge = r"{\field{\*\fldinst { MERGEFIELD Surname }}{\fldrslt {Reid}}}"
    page = r"{\field{\*\fldinst { PAGE \\* Arabic }}{\fldrslt {2}}}"
    got = rtf.text(HEAD + split + r" " + picture + merge + page + r"\par}")
    assert got == ("Ann\nmailto:ann.officer@example.org Ann Officer, Duty Team\n "
                   "\nC:\\Cases\\Renée Reid\\photo.jpg\nReid2\n")


def read_letter(letter: bytes, limits: Limits | None = None):
    msg = parse(make_message(to=("x@gmail.com",), body="Attached.", attachments=(
        ("letter.rtf", "application/rtf", letter),)), None, limits or Limits(), Ocr())
    return {p.name: p.text for p in msg.parts}, [(p.kind, p.part, p.detail) for p in msg.problems]


def test_an_nhs_number_only_in_a_workbook_pasted_into_an_rtf_letter_is_found():
    from dlpgate.config import Settings
    from dlpgate.model import Envelope
    from dlpgate.pipeline import Scanner

    book = testdata.make_xlsx([["Child", "NHS number"], ["Amy Reid", "943 476 5919"]])
    letter = testdata.make_rtf_with_objects("Dear colleague,\nThe list is below.", [
        testdata.ole1_object("Excel.Sheet.12", testdata.office_embedding(book))],
        "Excel.Sheet.12")
    parts, problems = read_letter(letter)
    assert "943 476 5919" in parts["letter.rtf/object 1"] and problems == []
    assert "943" not in parts["letter.rtf"]
    raw = make_message(to=("amy.reid.family@gmail.com",), subject="List", body="Attached.\n",
                       attachments=(("letter.rtf", "application/rtf", letter),))
    result = Scanner(Settings.model_validate({"detection": {"ner": False}})).scan(
        raw, Envelope("a@example-council.gov.uk", ("amy.reid.family@gmail.com",)))
    assert ("UK_NHS", "letter.rtf/object 1") in {
        (f.entity, f.part) for f in result.evidence.findings}


def test_documents_and_packaged_files_pasted_into_a_letter_are_read_as_files_inside_it():
    referral = testdata.make_docx(["Referral", "Callum Reid, NHS 943 476 5919"])
    _, packaged = testdata.ole_package("Visit notes Callum Reid.txt", b"Seen at home, 04/05/2016")
    letter = testdata.make_rtf_with_objects("Dear colleague,", [
        testdata.ole1_object("Word.Document.12", testdata.office_embedding(referral)),
        testdata.ole1_object("Excel.Sheet.12", b"", linked=True),  # a file elsewhere
        testdata.ole1_object("Package", packaged[4:])])
    parts, problems = read_letter(letter)
    assert problems == []
    assert "NHS 943 476 5919" in parts["letter.rtf/object 1"]
    assert parts["letter.rtf/Visit notes Callum Reid.txt"] == "Seen at home, 04/05/2016"
    assert "Visit notes Callum Reid" in parts["attachment names"]  # named by its packager


def test_objects_in_a_letter_count_against_the_messages_parts_bytes_and_depth():
    book = testdata.office_embedding(testdata.make_xlsx([["NHS number"], ["943 476 5919"]]))
    letter = testdata.make_rtf_with_objects("Dear colleague,", [
        testdata.ole1_object("Excel.Sheet.12", book)] * 3)
    _, problems = read_letter(letter, Limits(max_parts=3))
    assert ("unscannable", "letter.rtf", "more than 3 parts and archive members") in problems
    _, problems = read_letter(letter, Limits(max_expanded=len(book)))
    assert any("expand beyond" in detail for _, _, detail in problems)
    inner = testdata.make_rtf_with_objects("Inner", [testdata.ole1_object("Package", b"x")])
    nested = testdata.make_rtf_with_objects("Outer", [testdata.ole1_object("Word.RTF", inner)])
    _, problems = read_letter(nested, Limits(max_depth=1))
    assert problems == [("unscannable", "letter.rtf/object 1", "files nested deeper than 1")]


def test_an_object_whose_lengths_lie_is_said_damaged_and_the_letter_still_read():
    lying = bytearray(testdata.ole1_object("Excel.Sheet.12", b"PK" * 40))
    lying[-84:-80] = b"\xff\xff\xff\xff"  # its data claims 4 GB
    letter = testdata.make_rtf_with_objects("Dear colleague,\nNHS 943 476 5919", [bytes(lying)])
    parts, problems = read_letter(letter)
    assert "NHS 943 476 5919" in parts["letter.rtf"]
    assert problems == [("unscannable", "letter.rtf/object 1", "damaged embedded object (its "
                         "data claims 4294967295 bytes, 80 are left)")]
