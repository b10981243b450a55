"""A PDF's parts: the files attached inside it, read as the files they are, within the
budget."""

from __future__ import annotations

import io

from dlpgate import testdata
from dlpgate.config import Limits
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message

from .test_attachments import SECRET, parts_and_problems


def pdf_holding(files: dict[str, bytes], pinned: dict[str, bytes] | None = None,
                text: str = "Cover report: see the attached list") -> bytes:
    """A PDF with `files` in its list of attachments and `pinned` ones pinned to its page
    (a paperclip on the page: a FileAttachment annotation), as Acrobat attaches them."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        TextStringObject,
    )

    writer = PdfWriter(clone_from=io.BytesIO(testdata.make_pdf(text)))
    for name, data in files.items():
        writer.add_attachment(name, data)
    clips = []
    for name, data in (pinned or {}).items():
        stream = DecodedStreamObject()
        stream.set_data(data)
        stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
        spec = DictionaryObject({NameObject("/Type"): NameObject("/Filespec"),
                                 NameObject("/F"): TextStringObject(name),
                                 NameObject("/EF"): DictionaryObject(
                                     {NameObject("/F"): writer._add_object(stream)})})
        clips.append(writer._add_object(DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Contents"): TextStringObject(f"Attached: {name}"),
            NameObject("/FS"): spec})))
    if clips:
        writer.pages[0][NameObject("/Annots")] = ArrayObject(clips)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_files_attached_inside_a_pdf_are_read_as_the_files_they_are():
    # a list of children attached to a cover report went out unread and unlisted
    data = pdf_holding({"children.csv": b"Name,NHS number\nCallum Reid,943 476 5919\n",
                        "referral.docx": testdata.make_docx(["Referral", SECRET])},
                       pinned={r"C:\Users\jsmith\visit.txt": b"Home visit: Amy Reid"})
    msg = parse(make_message(attachments=(("report.pdf", "application/pdf", data),)))
    texts = {p.name: p.text for p in msg.parts if p.is_attachment}
    assert "Name: Callum Reid; NHS number: 943 476 5919" in texts["report.pdf/children.csv"]
    assert SECRET in texts["report.pdf/referral.docx"]
    assert texts["report.pdf/visit.txt"] == "Home visit: Amy Reid"
    assert "Attached: C:\\Users\\jsmith\\visit.txt" in texts["report.pdf"]  # its note
    assert [(a.name, a.depth) for a in msg.attachments] == [
        ("report.pdf", 0), ("report.pdf/children.csv", 1), ("report.pdf/referral.docx", 1),
        ("report.pdf/visit.txt", 1)]
    assert not msg.problems


def test_a_pdf_inside_a_pdf_inside_a_pdf_stops_at_the_depth_limit():
    data = pdf_holding({"list.csv": f"name,nhs\n{SECRET}\n".encode()})
    for level in range(8):
        data = pdf_holding({f"level{level}.pdf": data})
    parts, problems = parts_and_problems("report.pdf", data, "application/pdf")
    deepest = max(parts, key=lambda name: name.count("/"))
    assert deepest.count("/") == 5 and SECRET not in "".join(parts.values())
    assert problems == [("unscannable", deepest)]


def test_a_thousand_files_inside_a_pdf_stop_at_the_messages_parts():
    data = pdf_holding({f"child{i}.txt": f"Child {i}".encode() for i in range(1000)})
    parts, problems = parts_and_problems("report.pdf", data, "application/pdf",
                                         limits=Limits(max_parts=100))
    assert problems == [("unscannable", "report.pdf")]
    assert 90 < len(parts) <= 101
