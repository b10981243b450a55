"""Attachments: text out of every format a council sends, and a named problem for the rest."""

from __future__ import annotations

import io
import zipfile

import pytest

from dlpgate import testdata
from dlpgate.config import Limits, Settings
from dlpgate.parse.mime import parse
from dlpgate.pipeline import Scanner
from dlpgate.testing import make_envelope, make_message, sent_to_webmail

SECRET = "Callum Reid 943 476 5919"


def scanner() -> Scanner:
    return Scanner(Settings.model_validate({
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
        "detection": {"ner": False}}))


def parts_and_problems(name: str, data: bytes, ctype: str = "application/octet-stream",
                       limits: Limits | None = None):
    msg = parse(make_message(attachments=((name, ctype, data),)), limits=limits)
    return ({p.name: p.text for p in msg.parts if p.is_attachment},
            [(p.kind, p.part) for p in msg.problems])


@pytest.mark.parametrize(
    "name, data",
    [
        ("referral.pdf", testdata.make_pdf(f"Referral\n{SECRET}")),
        ("referral.docx", testdata.make_docx(["Referral", SECRET])),
        ("pupils.xlsx", testdata.make_xlsx([["Name", "NHS"], ["Callum Reid", "943 476 5919"]])),
        ("case.pptx", testdata.make_pptx(["Case review", SECRET])),
        ("letter.odt", testdata.make_odt(["Dear Sir", SECRET])),
        ("letter.rtf", testdata.make_rtf(f"Dear Sir\n{SECRET}")),
        ("list.csv", f"name,nhs\n{SECRET.replace(' 9', ',9', 1)}\n".encode()),
        ("notes.txt", SECRET.encode()),
        ("page.html", f"<html><body><p>{SECRET}</p></body></html>".encode()),
    ],
)
def test_text_is_read_out_of_each_format(name, data):
    parts, problems = parts_and_problems(name, data)
    text = parts[name]
    assert "Callum Reid" in text and "943 476 5919" in text.replace(",", " ")
    assert problems == []


def test_numeric_cells_of_a_spreadsheet_are_read_too():
    parts, _ = parts_and_problems("x.xlsx", testdata.make_xlsx([["UPN", 9434765919]]))
    assert "9434765919" in parts["x.xlsx"]


@pytest.mark.parametrize(
    "name, data, kind",
    [
        ("locked.pdf", testdata.make_encrypted_pdf(SECRET), "encrypted-attachment"),
        ("locked.zip", testdata.make_encrypted_zip({"a.txt": b"x"}), "encrypted-attachment"),
        ("locked.docx", testdata.make_encrypted_office(), "encrypted-attachment"),
        ("bomb.zip", testdata.make_zip_bomb(), "unscannable"),
        ("laughs.docx", testdata.make_entity_docx(), "unscannable"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "unscannable"),
        ("broken.docx", b"PK\x03\x04" + b"\x00" * 40, "unscannable"),
        ("mystery.bin", bytes(range(256)) * 8, "unscannable"),
    ],
)
def test_what_cannot_be_read_is_a_named_problem(name, data, kind):
    parts, problems = parts_and_problems(name, data)
    assert (kind, name) in problems
    assert name not in parts or SECRET not in parts[name]


def test_text_named_and_declared_as_an_image_is_read_as_text():
    # a list of children renamed children.jpg went as image/jpeg and was never read
    parts, _ = parts_and_problems("children.jpg", f"Name, NHS\n{SECRET}\n".encode(),
                                  "image/jpeg")
    assert SECRET in parts["children.jpg"]


REFERRAL = [["Name", "Date of birth", "NHS number", "Postcode", "Status"],
            ["Callum Reid", "04/05/2016", "943 476 5919", "LS1 4AB", "Open"]]
LABELLED = ("Name: Callum Reid; Date of birth: 04/05/2016; NHS number: 943 476 5919; "
            "Postcode: LS1 4AB; Status: Open")


@pytest.mark.parametrize("name, data", [
    ("referral.docx", testdata.make_docx(["Referral"], tables=[REFERRAL])),
    ("referral.pptx", testdata.make_pptx(["Referral"], tables=[REFERRAL])),
    ("referral.odt", testdata.make_odt(["Referral"], tables=[REFERRAL])),
    ("referral.ods", testdata.make_ods([REFERRAL])),
])
def test_a_table_in_a_document_is_read_row_by_row_under_its_header(name, data):
    parts, problems = parts_and_problems(name, data)
    assert LABELLED in parts[name].splitlines()
    assert problems == []


def test_a_referral_table_in_a_word_document_is_held_for_its_dates_of_birth():
    # "Name | Date of birth | NHS number | Postcode | Status" went with no date of birth found
    rows = [REFERRAL[0]] + [[f"Child {i}", f"{i:02d}/05/2016", "", "LS1 4AB", "Open"]
                            for i in range(1, 13)]
    raw = make_message(to=("team@provider.co.uk",), body="Referrals attached.\n",
                       attachments=(("referrals.docx", "application/octet-stream",
                                     testdata.make_docx(["Referrals"], tables=[rows])),))
    result = scanner().scan(raw, make_envelope(raw))
    births = [f for f in result.evidence.findings if f.entity == "DATE_OF_BIRTH"]
    assert len(births) == 12 and result.decision.verdict.value == "hold"


def cell(*paragraphs: str, span: int = 1) -> str:
    wide = f'<w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr>' if span > 1 else ""
    return f"<w:tc>{wide}" + "".join(
        f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs) + "</w:tc>"


def test_a_cell_of_paragraphs_is_one_cell_and_a_merged_word_cell_keeps_the_next_in_its_column():
    header = "<w:tr>" + cell("Name") + cell("Address", span=2) + cell("NHS number") + "</w:tr>"
    row = "<w:tr>" + cell("Callum Reid") + cell("2 Wren Close", "Oakfield") + cell("Leeds") \
        + cell("943 476 5919") + "</w:tr>"
    doc = testdata.make_docx_body(f"<w:tbl>{header}{row}</w:tbl>")
    parts, _ = parts_and_problems("a.docx", doc)
    assert parts["a.docx"].splitlines()[1] == (
        "Name: Callum Reid; Address: 2 Wren Close Oakfield; Leeds; NHS number: 943 476 5919")


def test_a_spreadsheets_repeated_cells_are_not_expanded_past_its_data():
    # LibreOffice writes each row's end as one empty cell repeated to column 16384, and the
    # sheet's as an empty row repeated to row 1048576
    sheet = [["Name", "Status", None, "NHS number"],
             ["Callum Reid", ("Open", 1000), None, "943 476 5919"]]
    parts, problems = parts_and_problems("a.ods", testdata.make_ods([sheet]))
    rows = parts["a.ods"].splitlines()
    assert rows[1].startswith("Name: Callum Reid; Status: Open; Open; ")
    assert rows[1].count("Open") <= 20 and len(parts["a.ods"]) < 1000
    assert problems == []


def test_text_deleted_with_track_changes_on_is_read_as_word_shows_it_struck_through():
    doc = testdata.make_docx_body(
        "<w:p><w:r><w:t>Callum Reid, NHS </w:t></w:r><w:del><w:r><w:delText>943 476 5919"
        "</w:delText></w:r></w:del><w:ins><w:r><w:t>(removed)</w:t></w:r></w:ins></w:p>")
    parts, _ = parts_and_problems("a.docx", doc)
    assert parts["a.docx"] == "Callum Reid, NHS 943 476 5919(removed)\n"


@pytest.mark.parametrize("algorithm", ["AES-128", "AES-256"])
def test_an_aes_encrypted_pdf_is_locked_with_a_password_and_read_without_one(algorithm):
    # both were "damaged pdf file (DependencyError)": pypdf needs cryptography for AES
    locked = testdata.make_encrypted_pdf(SECRET, algorithm=algorithm)
    parts, problems = parts_and_problems("locked.pdf", locked)
    assert problems == [("encrypted-attachment", "locked.pdf")] and parts == {}
    open_to_all = testdata.make_encrypted_pdf(SECRET, password="", algorithm=algorithm)
    parts, problems = parts_and_problems("notice.pdf", open_to_all)
    assert SECRET in parts["notice.pdf"] and problems == []


def test_a_pdf_forms_values_and_its_notes_are_read_with_the_page():
    # a filled referral form's NHS number and a sticky note's name went unread
    data = testdata.make_pdf("Referral form", fields={"NHS number": "943 476 5919",
                                                      "Child's name": "Callum Reid"},
                             notes=[("Text", "Spoke to Amy Reid, mother"),
                                    ("FreeText", "DOB 04/05/2016"),
                                    ("Link", "Callum's school report")])
    parts, problems = parts_and_problems("form.pdf", data)
    lines = [line for line in parts["form.pdf"].splitlines() if line]
    assert lines[0] == "Referral form" and problems == []
    assert lines[1:] == ["Spoke to Amy Reid, mother", "DOB 04/05/2016", "Callum's school report",
                         "NHS number: 943 476 5919", "Child's name: Callum Reid"]


@pytest.mark.parametrize("name, data, expected", [
    ("a.docx", testdata.with_members(testdata.make_docx(["Referral"]), testdata.ooxml_properties(
        title="Referral: Callum Reid", subject="NHS 943 476 5919", keywords="CIN")),
     "Referral\n\nTitle: Referral: Callum Reid; Subject: NHS 943 476 5919; Keywords: CIN"),
    ("a.xlsx", testdata.with_members(testdata.make_xlsx([["Name"], ["Callum Reid"]]),
                                     testdata.xlsx_comments(["NHS 943 476 5919"])),
     "Name\nCallum Reid\nNHS 943 476 5919"),
    ("a.odt", testdata.with_members(testdata.make_odt(["Dear Sir"]), {
        **testdata.odf_page_style("Re: Callum Reid", "Page 1"),
        **testdata.odf_properties(title="Callum Reid", description="NHS 943 476 5919")}),
     "Dear Sir\n\nRe: Callum Reid\nPage 1\n\nTitle: Callum Reid; Description: NHS 943 476 5919"),
], ids=["docx properties", "xlsx comments", "odt header, footer and properties"])
def test_what_a_document_shows_beside_its_body_is_read_after_it(name, data, expected):
    # a title, a cell's comment, a letter's page header: shown to anyone who opens the file
    parts, problems = parts_and_problems(name, data)
    assert parts[name] == expected and problems == []


NHS = "943 476 5919"


@pytest.mark.parametrize("name, data, line", [
    ("a.docx", testdata.make_docx(["Referral"]), f"Category: Referral {NHS}"),
    ("a.xlsx", testdata.make_xlsx([["Referral"]]), f"Category: Referral {NHS}"),
    ("a.pptx", testdata.make_pptx(["Referral"]), f"Category: Referral {NHS}"),
], ids=["docx", "xlsx", "pptx"])
def test_an_office_files_other_properties_are_read_last_and_held(name, data, line):
    # typed into File > Info > Properties (Advanced) beside the title: it went out unread
    data = testdata.with_members(data, testdata.ooxml_properties(
        title="Referral", category=f"Referral {NHS}"))
    parts, problems = parts_and_problems(name, data)
    assert parts[name].splitlines()[-1] == line and problems == []
    found, verdict = sent_to_webmail(attachments=((name, "application/octet-stream", data),))
    assert ("UK_NHS", NHS) in found and verdict == "hold"


def test_each_other_property_is_read_in_its_words_and_an_authors_name_alone_is_not():
    # the author's and last saver's names are the program's user's (an officer's) on nearly
    # every file: read only where a number is written there too
    data = testdata.with_members(testdata.make_docx(["Referral"]), testdata.ooxml_properties(
        title="Referral", creator="J Smith", lastModifiedBy=f"K Jones {NHS}", category="CIN",
        contentStatus="Final", identifier="CASE-1", version="2", Company="Westshire Council",
        Manager=NHS, HyperlinkBase="https://cases.example/amy"))
    text = parts_and_problems("a.docx", data)[0]["a.docx"]
    assert text.splitlines()[-1] == (
        f"Last saved by: K Jones {NHS}; Category: CIN; Status: Final; Identifier: CASE-1; "
        f"Version: 2; Company: Westshire Council; Manager: {NHS}; "
        "Hyperlink base: https://cases.example/amy")
    meta = testdata.odf_properties(title="Letter")["meta.xml"].replace(
        "<dc:title>", f"<meta:initial-creator>{NHS}</meta:initial-creator><dc:title>")
    odt = testdata.with_members(testdata.make_odt(["Dear Sir"]), {"meta.xml": meta})
    assert parts_and_problems("a.odt", odt)[0]["a.odt"].splitlines()[-1] == f"Author: {NHS}"


_SEEDS = {
    "a.docx": testdata.make_docx(["Callum Reid, NHS 943 476 5919"]),
    "a.xlsx": testdata.make_xlsx([["name", "upn"], ["Ann", "M202100314549"]]),
    "a.pdf": testdata.make_pdf("NHS number 943 476 5919"),
    "b.pdf": testdata.make_pdf("Form", fields={"NHS": "943 476 5919"}, notes=[("Text", "x")]),
    "a.zip": testdata.make_zip({"inner.txt": "hello", "b.docx": testdata.make_docx(["x"])}),
    "a.rtf": testdata.make_rtf("hello world"),
    "a.odt": testdata.make_odt(["hello"]),
    "a.pptx": testdata.make_pptx(["slide"]),
    "winmail.dat": testdata.make_tnef({"a.txt": b"NHS 943 476 5919"}, body="hello"),
    "a.msg": testdata.make_outlook_msg("Referral", "hello", {"a.txt": b"NHS 943 476 5919"}),
}


def _mutated():
    from hypothesis import strategies as st

    @st.composite
    def build(draw):
        name = draw(st.sampled_from(sorted(_SEEDS)))
        data = bytearray(_SEEDS[name])
        for _ in range(draw(st.integers(0, 12))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
        cut = draw(st.integers(0, len(data) // 2))
        return name, bytes(data[: len(data) - cut])
    return build()


def test_damaged_attachments_of_every_kind_never_crash_the_parse():
    """Fuzzing the extractors: random byte flips and truncations of real files."""
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_mutated())
    def check(case):
        name, data = case
        msg = parse(make_message(attachments=((name, "application/octet-stream", data),)))
        assert msg.attachments and msg.attachments[0].name == name
        assert {p.kind for p in msg.problems} <= {"unscannable", "encrypted-attachment",
                                                   "malformed-mime"}

    check()


def _parsed_in_600_mb(path) -> str:
    """What parse() says of one attachment (its parts, its problems), parsed in a process
    whose address space is capped as a scan worker's is: a MemoryError is a finding."""
    import subprocess
    import sys

    script = (
        "import resource\n"
        "resource.setrlimit(resource.RLIMIT_AS, (600 << 20, 600 << 20))\n"
        "from dlpgate.parse.mime import parse\n"
        "from dlpgate.testing import make_message\n"
        f"data = open({str(path)!r}, 'rb').read()\n"
        f"msg = parse(make_message(attachments=(({path.name!r}, 'application/octet-stream',"
        " data),)))\n"
        "print(sorted(p.name for p in msg.parts), [p.detail for p in msg.problems])\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-500:]
    return out.stdout


def test_a_spreadsheet_of_far_off_repeated_values_is_read_in_bounded_memory(tmp_path):
    # sixteen thousand values, each a thousand empty columns on and repeated twenty times:
    # a 1.3 MB file took 1.2 GB to read before the text limit cut it

    row = "".join('<table:table-cell table:number-columns-repeated="1000"/>'
                  '<table:table-cell table:number-columns-repeated="20"><text:p>'
                  f"value {i}</text:p></table:table-cell>" for i in range(16000))
    sheet = f'<table:table><table:table-row table:number-rows-repeated="20">{row}' \
            "</table:table-row></table:table>"
    packed = testdata._odf("application/vnd.oasis.opendocument.spreadsheet",
                           f"<office:spreadsheet>{sheet}</office:spreadsheet>")
    (tmp_path / "bomb.ods").write_bytes(packed)
    out = _parsed_in_600_mb(tmp_path / "bomb.ods")
    assert "'bomb.ods'" in out and "characters scanned" in out, out


def test_a_small_spreadsheet_that_says_it_repeats_a_lot_is_read_only_up_to_the_text_limit():
    # each value a thousand empty columns on, twenty times over, twenty rows deep: a 650 KB
    # file took 600 MB and 5 s to read, before the text limit cut it
    limits = Limits(max_text=200_000)
    row = [c for _ in range(50) for c in ((None, 1000), ("x" * 40, 20))]
    packed = testdata.make_ods([[["Name", "Notes"]] + [row] * 40], trailing=False)
    out = io.BytesIO()  # stored, not deflated: no compression ratio to give it away
    with zipfile.ZipFile(io.BytesIO(packed)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info), zipfile.ZIP_STORED)
    data = out.getvalue()
    parts, problems = parts_and_problems("a.ods", data, limits=limits)
    assert len(parts["a.ods"]) <= limits.max_text + 1
    assert problems == [("unscannable", "a.ods")]  # said: only the first N characters


def test_a_note_opening_with_a_quote_leaves_the_rows_below_it_under_their_headers():
    # read as CSV, the quote swallowed every row below it, their dates of birth unlabelled
    rows = [["Child", "Date of birth", "Notes"],
            ["Amy Reid", "04/05/2016", '"Nan\'s house on weekdays'],
            ["Leo Barnes", "12/09/2015", "None"]]
    for name, data in (("t.docx", testdata.make_docx([], tables=[rows])),
                       ("t.xlsx", testdata.make_xlsx(rows))):
        parts, _ = parts_and_problems(name, data)
        assert "Child: Leo Barnes; Date of birth: 12/09/2015" in parts[name], name


def test_a_sheet_is_read_up_to_the_limit_the_administrator_set():
    # labelled at the default 5 MB whatever scan.limits.max_text said, and cut with no word
    rows = [["Child", "NHS number"]] + [[f"Child {i:06d}", "943 476 5919"] for i in range(160_000)]
    limits = Limits(max_text=8 * 1024 * 1024)
    parts, problems = parts_and_problems("big.xlsx", testdata.make_xlsx(rows), limits=limits)
    assert "Child: Child 159999; NHS number: 943 476 5919" in parts["big.xlsx"]
    assert problems == []


def test_a_note_the_page_refers_to_a_thousand_times_is_read_once():
    # one 20 KB note referred to 99,000 times made 5 GB of text before any limit was asked
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    note = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Text"),
        NameObject("/Contents"): TextStringObject("Callum Reid 943 476 5919")}))
    page[NameObject("/Annots")] = ArrayObject([note] * 1000)
    out = io.BytesIO()
    writer.write(out)
    parts, problems = parts_and_problems("notes.pdf", out.getvalue(), "application/pdf")
    assert parts["notes.pdf"].count("943 476 5919") == 1 and problems == []


def test_a_shared_string_index_int_cannot_read_leaves_the_workbook_readable():
    data = testdata.make_xlsx([["Child", "NHS number"], ["Amy Reid", "943 476 5919"]])
    broken = testdata.with_members(data, {"xl/worksheets/sheet2.xml": (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>\u00b2</v></c>'
        "</row></sheetData></worksheet>")})
    parts, problems = parts_and_problems("a.xlsx", broken)
    assert "NHS number: 943 476 5919" in parts["a.xlsx"] and problems == []


def test_tables_nested_in_cells_share_one_limit(tmp_path):
    # each nested table counted afresh, so four levels of twenty-fold repeats in a 1 KB file
    # took 4 GB to read

    table = "<text:p>Callum Reid 943 476 5919</text:p>"
    for _ in range(5):
        table = ('<table:table><table:table-row table:number-rows-repeated="20">'
                 '<table:table-cell table:number-columns-repeated="20">'
                 f"{table}</table:table-cell></table:table-row></table:table>")
    data = testdata._odf("application/vnd.oasis.opendocument.spreadsheet",
                         f"<office:spreadsheet>{table}</office:spreadsheet>")
    (tmp_path / "nested.ods").write_bytes(data)
    out = _parsed_in_600_mb(tmp_path / "nested.ods")
    assert "'nested.ods'" in out and "MemoryError" not in out, out


def test_an_html_table_saved_as_xls_is_read_as_a_table():
    # a case system's "Export to Excel" is an HTML table named .xls: read as markup, the list
    # of children went out with no date of birth found
    html = (b"<html><body><table><tr><th>Child</th><th>Date of birth</th></tr>"
            b"<tr><td>Amy Reid</td><td>04/05/2016</td></tr></table></body></html>")
    msg = parse(make_message(attachments=(("export.xls", "application/vnd.ms-excel", html),)))
    [text] = [p.text for p in msg.parts if p.name == "export.xls"]
    assert text.splitlines()[-1] == "Child: Amy Reid; Date of birth: 04/05/2016"


@pytest.mark.skipif(not testdata.openssl_available(), reason="the openssl program is not "
                    "installed (Debian's openssl package): the test signs with it")
def test_signed_data_in_an_archive_is_read_as_the_message_or_file_it_signs():
    # a .p7m was an "unrecognised binary format" wherever it was found
    letter = testdata.make_signed(b"Content-Type: text/plain\r\n\r\n" + SECRET.encode(), "DER")
    report = testdata.make_signed(testdata.make_docx(["Report", SECRET]), "DER", stream=True)
    bundle = testdata.make_zip({"letter.p7m": letter, "report.docx.p7m": report})
    texts, problems = parts_and_problems("bundle.zip", bundle, "application/zip")
    assert problems == []
    assert SECRET in texts["bundle.zip/letter.p7m"]
    assert SECRET in texts["bundle.zip/report.docx.p7m/report.docx"]


def test_signed_data_with_nothing_signed_inside_is_passed_over_unless_it_is_large():
    # certificates only (smime-type=certs-only), or a signature whose content went apart
    def empty(extra: int) -> bytes:
        oid = bytes.fromhex("06092a864886f70d010702")
        body = (b"\x02\x01\x01\x31\x00\x30\x0b\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01"
                b"\x31\x84" + extra.to_bytes(4, "big") + bytes(extra))
        signed = b"\x30\x84" + len(body).to_bytes(4, "big") + body
        wrapped = b"\xa0\x84" + len(signed).to_bytes(4, "big") + signed
        return b"\x30\x84" + (len(oid) + len(wrapped)).to_bytes(4, "big") + oid + wrapped

    assert parts_and_problems("smime.p7c", empty(2000)) == ({}, [])
    assert parts_and_problems("smime.p7c", empty(100_000)) == ({}, [("unscannable",
                                                                     "smime.p7c")])


def test_a_csv_whose_first_column_is_bmi_is_read_as_text_not_a_bitmap():
    rows = b"BMI,Name,NHS number\n31.2,Callum Reid,943 476 5919\n"
    parts, problems = parts_and_problems("clinic.csv", rows, "text/csv")
    assert "NHS number: 943 476 5919" in parts["clinic.csv"] and problems == []


def test_a_text_file_that_mentions_the_pdf_header_is_read_as_text():
    notes = b"The scanner writes %PDF-1.4 files.\nCallum Reid NHS 943 476 5919\n"
    parts, problems = parts_and_problems("notes.txt", notes, "text/plain")
    assert "943 476 5919" in parts["notes.txt"] and problems == []
    # a PDF behind a few bytes of something else is still a PDF
    late = b"X-Banner: scanned\r\n" + testdata.make_pdf("Callum Reid NHS 943 476 5919")
    parts, _ = parts_and_problems("late.pdf", late, "application/octet-stream")
    assert "943 476 5919" in parts["late.pdf"]


def test_a_saved_web_page_is_read_as_the_mime_message_it_is():
    from email.message import EmailMessage

    page = EmailMessage()
    page["Subject"], page["MIME-Version"] = "Case record", "1.0"
    page.set_content("<html><body><p>Callum Reid NHS 943 476 5919</p></body></html>",
                     subtype="html", cte="base64")
    page.make_related()
    parts, problems = parts_and_problems("record.mht", page.as_bytes(),
                                         "application/octet-stream")
    assert any("943 476 5919" in text for text in parts.values()) and problems == []


CONTACT_LOG = [["Date", "Contact", "Notes"],
               ["12/03/2024", "Home visit", "Concerns about neglect"]]


@pytest.mark.parametrize("name, data", [
    ("log.xlsx", testdata.make_xlsx(CONTACT_LOG, sheet="Amy Reid")),
    ("log.xls", testdata.make_xls({"Amy Reid": CONTACT_LOG, "Leo Hart": CONTACT_LOG})),
    ("log.ods", testdata.make_ods([CONTACT_LOG, CONTACT_LOG], names=["Amy Reid", "Leo Hart"])),
])
def test_a_workbook_kept_as_a_tab_a_child_has_its_tab_names_read_after_its_sheets(name, data):
    # a contact log names each child only on its tab; the names went out unread
    parts, problems = parts_and_problems(name, data)
    assert problems == []
    # what was read before keeps its place: the sheets' rows first
    assert parts[name].splitlines()[1].startswith("Date: 12/03/2024")
    assert parts[name].splitlines()[-1].startswith("Sheets: Amy Reid")


@pytest.mark.parametrize("name, data", [
    ("a.xlsx", testdata.make_xlsx(CONTACT_LOG, sheet="Sheet1")),
    ("a.xls", testdata.make_xls({"Sheet1": CONTACT_LOG, "Sheet 2": CONTACT_LOG})),
    ("a.ods", testdata.make_ods([CONTACT_LOG])),
    ("a.odt", testdata.make_odt(["Minutes"], tables=[CONTACT_LOG])),
])
def test_the_names_a_program_gives_sheets_and_a_letters_tables_are_not_read_as_tabs(name, data):
    parts, problems = parts_and_problems(name, data)
    assert problems == [] and "Concerns about neglect" in parts[name]
    assert "Sheets:" not in parts[name]


def test_a_contact_log_with_a_tab_a_child_to_a_new_webmail_address_is_held():
    # before, its special-category notes named no one, and it went out
    log = [["Date", "Contact", "Notes"],
           ["12/03/2024", "Home visit", "Concerns about neglect, child protection plan"],
           ["19/03/2024", "Phone call", "Mother reports self-harm"]]
    raw = make_message(to=("x.parent@gmail.com",), body="Hi,\n\nAttached.\n", attachments=(
        ("contact log.xls", "application/vnd.ms-excel",
         testdata.make_xls({"Amy Reid": log, "Leo Hart": log})),))
    result = Scanner(Settings.model_validate({
        "organisation": {"internal_domains": ["example-council.gov.uk"]}})).scan(
        raw, make_envelope(raw))
    assert "PERSON" in {f.entity for f in result.evidence.findings}
    assert result.decision.verdict.value in ("hold", "reject")


def test_a_saved_page_reads_what_it_hides_once_where_its_text_shows_it_already():
    # its comment repeating the number on the page was a second finding of one child
    page = (b'<html><body><p>NHS 943 476 5919</p><!-- NHS 943 476 5919 --><a href="#" '
            b'title="Leo Hart">his brother</a></body></html>')
    msg = parse(make_message(attachments=(("visit.html", "text/html", page),)))
    text = {p.name: p.text for p in msg.parts}["visit.html"]
    assert text == "NHS 943 476 5919\nhis brother\nTooltip: Leo Hart"
