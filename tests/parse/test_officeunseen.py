"""What an Office file marks without showing (tooltips, bookmarks, a mail merge) is read last."""

from __future__ import annotations

from dlpgate import testdata
from dlpgate.config import Settings
from dlpgate.detect.pii import PatternDetector
from dlpgate.detect.registry import Context
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message, sent_to_webmail

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
TIP = "Amy Reid, NHS number 943 476 5919"
SETTINGS = Settings()


def read(name: str, data: bytes) -> tuple[str, list]:
    """The file's text, without the blank lines between what it gives, and its problems."""
    msg = parse(make_message(attachments=((name, "application/octet-stream", data),)))
    text = {p.name: p.text for p in msg.parts}.get(name, "")
    return "\n".join(line for line in text.split("\n") if line), list(msg.problems)


def rels(*relationships: tuple[str, str, str]) -> str:
    """A part's relationships: (id, type's last word, external target) each."""
    return (f'<?xml version="1.0"?><Relationships xmlns="{RELS}">' + "".join(
        f'<Relationship Id="{i}" Type="{R}/{kind}" Target="{target}" TargetMode="External"/>'
        for i, kind, target in relationships) + "</Relationships>")


def tracker(tooltip: str, shown: str = "Open the record",
            target: str = "https://cases.example-council.gov.uk/p?id=9434765919") -> bytes:
    """A workbook whose cell B2 links to a case record as Ctrl+K links it, with a ScreenTip."""
    cell = '<c r="{}" t="inlineStr"><is><t>{}</t></is></c>'
    sheet = (f'<?xml version="1.0"?><worksheet xmlns="{S}" xmlns:r="{R}"><sheetData>'
             f'<row r="1">{cell.format("A1", "Child")}{cell.format("B1", "Record")}</row>'
             f'<row r="2">{cell.format("A2", "AR")}{cell.format("B2", shown)}</row>'
             f'</sheetData><hyperlinks><hyperlink ref="B2" r:id="rId1" display="{shown}"'
             f' tooltip="{tooltip}"/></hyperlinks></worksheet>')
    return testdata.with_members(testdata.make_xlsx([["x"]]), {
        "xl/worksheets/sheet1.xml": sheet,
        "xl/worksheets/_rels/sheet1.xml.rels": rels(("rId1", "hyperlink", target))})


def test_a_cells_link_tooltip_is_read_after_all_else_and_held():
    # the tracker showed "Open the record"; the child was named only as the pointer rested on it
    text, problems = read("tracker.xlsx", tracker(TIP))
    assert problems == []
    assert text.split("\n") == [
        "Child\tRecord", "Child: AR; Record: Open the record",  # where they were
        "https://cases.example-council.gov.uk/p?id=9434765919",  # its address: read already
        f"Tooltip: {TIP}"]
    found, verdict = sent_to_webmail(attachments=(("tracker.xlsx", "application/vnd."
                                                   "openxmlformats-officedocument.spreadsheetml"
                                                   ".sheet", tracker(TIP)),))
    assert ("UK_NHS", "943 476 5919") in found and verdict == "hold"


def test_a_tooltip_that_says_what_the_sheet_shows_is_read_once_and_no_tooltip_reads_as_before():
    said, _ = read("tracker.xlsx", tracker("Amy Reid", shown="Amy Reid"))
    assert said.count("Amy Reid") == 1
    plain, _ = read("tracker.xlsx", tracker(""))
    assert plain == ("Child\tRecord\nChild: AR; Record: Open the record\n"
                     "https://cases.example-council.gov.uk/p?id=9434765919")
    mailto, _ = read("tracker.xlsx", tracker("", target="mailto:amy.reid.family@gmail.com"))
    assert mailto.endswith("\nmailto:amy.reid.family@gmail.com")  # a mailto: read already


def letter(body: str, settings: str = "", settings_rels: str = "") -> bytes:
    members = {"word/settings.xml": f'<?xml version="1.0"?><w:settings xmlns:w="{W}" '
                                    f'xmlns:r="{R}">{settings}</w:settings>'} if settings else {}
    if settings_rels:
        members["word/_rels/settings.xml.rels"] = settings_rels
    data = testdata.make_docx_body(body)
    return testdata.with_members(data, members) if members else data


def paragraph(words: str, before: str = "", after: str = "") -> str:
    return f"<w:p>{before}<w:r><w:t>{words}</w:t></w:r>{after}</w:p>"


def test_a_word_links_tooltip_and_a_bookmarks_name_are_read_after_all_else():
    body = (paragraph("Dear Mrs Reid,", '<w:bookmarkStart w:id="0" w:name="Amy_Reid_LAC_review"/>'
                      '<w:bookmarkStart w:id="1" w:name="_GoBack"/>',
                      '<w:bookmarkEnd w:id="0"/><w:bookmarkEnd w:id="1"/>')
            + f'<w:p><w:hyperlink w:tooltip="{TIP}" w:anchor="x"><w:r><w:t>the plan</w:t>'
              "</w:r></w:hyperlink></w:p>"
            + paragraph("Yours,", '<w:bookmarkStart w:id="2" w:name="Yours"/>'))  # said: once
    text, problems = read("letter.docx", letter(body))
    assert problems == []
    assert text.split("\n") == ["Dear Mrs Reid,", "the plan", "Yours,", f"Tooltip: {TIP}",
                                "Bookmark: Amy Reid LAC review"]


SOURCE = "C:\\Users\\jsmith\\Documents\\Looked after children Westshire.xlsx"
MERGE = (
    '<w:mailMerge><w:mainDocumentType w:val="formLetters"/><w:linkToQuery/>'
    '<w:dataType w:val="native"/><w:connectString w:val="Provider=Microsoft.ACE.OLEDB.12.0;'
    f'User ID=Admin;Data Source={SOURCE};Mode=Read;Extended Properties=&quot;HDR=YES;'
    'IMEX=1;&quot;;"/><w:query w:val="SELECT * FROM `Sheet1$` WHERE `NHS number` = '
    "'943 476 5919'\"/><w:dataSource r:id=\"rId1\"/><w:odso><w:udl w:val=\"Provider="
    f'Microsoft.ACE.OLEDB.12.0;Data Source={SOURCE};"/><w:table w:val="Sheet1$"/>'
    '<w:src r:id="rId2"/></w:odso></w:mailMerge>')


def test_a_merged_letters_data_source_and_query_are_read_once_each_and_found():
    # Word keeps the residents' workbook it merged from, and the query that picked the child
    target = "file:///" + SOURCE.replace(" ", "%20")
    data = letter(paragraph("Dear Mrs Reid,"), MERGE, rels(("rId1", "mailMergeSource", target),
                                                           ("rId2", "mailMergeSource", target)))
    text, problems = read("letter.docx", data)
    assert problems == []
    assert text.split("\n") == [
        "Dear Mrs Reid,", f"Mail merge data source: {SOURCE}",
        "Mail merge query: SELECT * FROM `Sheet1$` WHERE `NHS number` = '943 476 5919'"]
    msg = parse(make_message(attachments=(("letter.docx", "application/octet-stream", data),)))
    found = PatternDetector(SETTINGS).detect(msg, Context(SETTINGS))
    assert ("UK_NHS", "letter.docx") in {(f.entity, f.part) for f in found}


def test_a_letter_with_no_mail_merge_or_a_damaged_list_of_sources_reads_as_before():
    variables = '<w:docVars><w:docVar w:name="ChildName" w:val="Amy Reid"/></w:docVars>'
    assert read("letter.docx", letter(paragraph("Dear Mrs Reid,"), variables))[0] == (
        "Dear Mrs Reid,\nChild Name: Amy Reid")
    damaged = letter(paragraph("Dear Mrs Reid,"), MERGE, rels(
        ("rId1", "mailMergeSource", "file:///C:/a.xlsx"))[:-30])
    text, _ = read("letter.docx", damaged)
    assert f"Mail merge data source: {SOURCE}" in text and "C:/a.xlsx" not in text


def test_an_opendocument_links_title_and_bookmarks_names_are_read_after_all_else_once():
    # LibreOffice keeps a link's tooltip as its title and a bookmark's name in the letter,
    # neither shown: both went out unread from an .odt where a .docx's were read
    data = testdata.make_odt(["Dear Mrs Reid,", "Amy Reid"],
                             links=[("the record", "https://cases.example-council.gov.uk/"),
                                    ("her plan", "https://cases.example-council.gov.uk/p")],
                             titles=[TIP, "Amy Reid"],
                             bookmarks=["Leo_Hart_LAC_review", "__RefHeading__1", "Amy Reid"])
    text, problems = read("letter.odt", data)
    plain, _ = read("letter.odt", testdata.make_odt(
        ["Dear Mrs Reid,", "Amy Reid"], links=[
            ("the record", "https://cases.example-council.gov.uk/"),
            ("her plan", "https://cases.example-council.gov.uk/p")]))
    assert problems == []
    assert text == plain + f"\nTooltip: {TIP}\nBookmark: Leo Hart LAC review"
    found, verdict = sent_to_webmail(attachments=(
        ("letter.odt", "application/vnd.oasis.opendocument.text", data),))
    assert ("UK_NHS", "943 476 5919") in found and verdict == "hold"


SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def formulas(*cells: str) -> bytes:
    """A workbook whose row 2 holds `cells` (each a `<c>` as Excel writes it) under row 1's
    headers, and whose A2 shows "AR"."""
    head = "".join(f'<c r="{col}1" t="inlineStr"><is><t>{col} col</t></is></c>' for col in "ABCD")
    sheet = (f'<?xml version="1.0"?><worksheet xmlns="{S}"><sheetData><row r="1">{head}</row>'
             f'<row r="2"><c r="A2" t="inlineStr"><is><t>AR</t></is></c>{"".join(cells)}</row>'
             "</sheetData></worksheet>")
    return testdata.with_members(testdata.make_xlsx([["x"]]), {"xl/worksheets/sheet1.xml": sheet})


def test_a_formulas_constants_the_sheet_does_not_show_are_read_last_and_held():
    # the cell shows nothing while A2 is filled; the formula names a child and her birthday
    hidden = ('<c r="B2" t="str"><f>IF(A2="","Callum Patel 12/03/2015","")</f><v></v></c>'
              '<c r="C2"><f>IF(A2=9434765919,1,0)</f><v>0</v></c>')
    text, problems = read("tracker.xlsx", formulas(hidden))
    assert problems == []
    assert text.split("\n")[-2:] == ["Formula: Callum Patel 12/03/2015", "Formula: 9434765919"]
    assert text.split("\n")[:2] == ["A col\tB col\tC col\tD col", "A col: AR; C col: 0"]
    numbered = formulas('<c r="B2" t="str"><f>IF(A2="","Callum Patel, NHS 943 476 5919","")'
                        "</f><v></v></c>")
    found, verdict = sent_to_webmail(attachments=(("tracker.xlsx", XLSX, numbered),))
    assert ("UK_NHS", "943 476 5919") in found and verdict == "hold"


def test_a_formula_of_references_functions_and_small_numbers_or_its_shown_value_adds_nothing():
    everyday = ('<c r="B2"><f>SUM(A1:A1048576)*1000000+ROUND(C2,2)-1</f><v>3</v></c>'
                '<c r="C2" t="str"><f>IF(A2="AR","Open","")</f><v>Open</v></c>'
                '<c r="D2" t="b"><f>AND(TRUE,Sheet2!$B$3&gt;0,Q1_2015)</f><v>1</v></c>')
    text, _ = read("budget.xlsx", formulas(everyday))
    assert "Formula" not in text and text.count("Open") == 1


def test_a_shared_formulas_constants_are_read_once_from_the_cell_that_keeps_them():
    # Excel writes a filled-down formula's text in its first cell; the others point at it
    shared = ('<c r="B2" t="str"><f t="shared" ref="B2:D2" si="0">IF(A2="","Amy Reid","")</f>'
              '<v></v></c><c r="C2" t="str"><f t="shared" si="0"/><v></v></c>'
              '<c r="D2" t="str"><f t="shared" si="0"/><v></v></c>')
    text, _ = read("tracker.xlsx", formulas(shared))
    assert text.count("Amy Reid") == 1 and text.endswith("\nFormula: Amy Reid")


def test_an_excel_drawings_shapes_link_tooltip_is_read_last_unless_the_text_says_it():
    def drawn(tip: str) -> bytes:
        drawing = (
            '<?xml version="1.0"?><xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/'
            'drawingml/2006/spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/'
            f'drawingml/2006/main" xmlns:r="{R}"><xdr:twoCellAnchor><xdr:sp><xdr:nvSpPr>'
            f'<xdr:cNvPr id="2" name="Rectangle 1"><a:hlinkClick r:id="rId1" tooltip="{tip}"/>'
            "</xdr:cNvPr><xdr:cNvSpPr/></xdr:nvSpPr><xdr:txBody><a:bodyPr/><a:p><a:r><a:t>"
            "Open the record</a:t></a:r></a:p></xdr:txBody></xdr:sp><xdr:clientData/>"
            "</xdr:twoCellAnchor></xdr:wsDr>")
        return testdata.with_members(testdata.make_xlsx([["Child"], ["AR"]]), {
            "xl/drawings/drawing1.xml": drawing,
            "xl/drawings/_rels/drawing1.xml.rels": rels(("rId1", "hyperlink", "https://x.test/"))})

    text, _ = read("tracker.xlsx", drawn(TIP))
    assert text.split("\n")[-2:] == ["https://x.test/", f"Tooltip: {TIP}"]
    said, _ = read("tracker.xlsx", drawn("Open the record"))
    assert said.count("Open the record") == 1 and "Tooltip" not in said
    found, verdict = sent_to_webmail(attachments=(("tracker.xlsx", XLSX, drawn(TIP)),))
    assert ("UK_NHS", "943 476 5919") in found and verdict == "hold"


P = "http://schemas.openxmlformats.org/presentationml/2006/main"
P14 = "http://schemas.microsoft.com/office/powerpoint/2010/main"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def deck(*sections: str, shows: tuple[str, ...] = ()) -> bytes:
    """A deck of one slide whose presentation.xml names `sections` as PowerPoint 2010 writes
    them (p14:sectionLst in an extension), and custom shows `shows`, declared by type."""
    listed = "".join(f'<p14:section name="{name}" id="{{{n:08d}-0000-0000-0000-000000000000}}">'
                     '<p14:sldIdLst><p14:sldId id="256"/></p14:sldIdLst></p14:section>'
                     for n, name in enumerate(sections))
    custom = "".join(f'<p:custShow name="{name}" id="{n}"><p:sldLst/></p:custShow>'
                     for n, name in enumerate(shows))
    presentation = (
        f'<?xml version="1.0"?><p:presentation xmlns:p="{P}" xmlns:r="{R}">'
        '<p:sldIdLst><p:sldId id="256" r:id="rId2"/></p:sldIdLst>'
        f'<p:sldSz cx="12192000" cy="6858000"/><p:custShowLst>{custom}</p:custShowLst>'
        '<p:extLst><p:ext uri="{521415D9-36F7-43E2-AB2F-B90AF26B5E84}">'
        f'<p14:sectionLst xmlns:p14="{P14}">{listed}</p14:sectionLst></p:ext></p:extLst>'
        "</p:presentation>")
    types = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
             '2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/ppt/presentation.xml" ContentType="application/vnd.'
             'openxmlformats-officedocument.presentationml.presentation.main+xml"/></Types>')
    return testdata.with_members(testdata.make_pptx(["Conference: agenda"]), {
        "[Content_Types].xml": types, "ppt/presentation.xml": presentation})


def test_a_decks_section_and_custom_show_names_are_read_last_and_powerpoints_own_are_not():
    text, problems = read("conference.pptx", deck("Default Section", "Amy Reid (NHS 943 476 "
                                                  "5919)", "Agenda", shows=("Reid family",)))
    assert problems == []
    assert text.split("\n") == ["Conference: agenda", "Custom show: Reid family",  # in the
                                "Section: Amy Reid (NHS 943 476 5919)"]  # file's order; the
    # slide says "Agenda"
    plain, _ = read("conference.pptx", deck("Untitled Section"))
    assert plain == "Conference: agenda"
    found, verdict = sent_to_webmail(attachments=(
        ("conference.pptx", PPTX, deck("Amy Reid (NHS 943 476 5919)")),))
    assert ("UK_NHS", "943 476 5919") in found and verdict == "hold"


ODS = "application/vnd.oasis.opendocument.spreadsheet"


def ods_formulas(*cells: str) -> bytes:
    """A spreadsheet whose row 2 holds "AR" and `cells` (each a `table:table-cell` as
    LibreOffice writes it) under row 1's headers."""
    def shown(text: str, attributes: str = "") -> str:
        return f"<table:table-cell{attributes}><text:p>{text}</text:p></table:table-cell>"

    head = "".join(shown(f"{col} col") for col in "ABCD")
    content = (
        '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:'
        'opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:'
        'table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
        '<office:spreadsheet><table:table table:name="Sheet1">'
        f"<table:table-row>{head}</table:table-row>"
        f'<table:table-row>{shown("AR")}{"".join(cells)}</table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>")
    return testdata.with_members(testdata.make_ods([[["x"]]]), {"content.xml": content})


def ods_cell(formula: str, shown: str = "", repeated: int = 1) -> str:
    quoted = formula.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    times = f' table:number-columns-repeated="{repeated}"' if repeated > 1 else ""
    return (f'<table:table-cell table:formula="{quoted}"{times} office:value-type="string" '
            f'office:string-value="{shown}"><text:p>{shown}</text:p></table:table-cell>')


def test_an_ods_formulas_constants_the_sheet_does_not_show_are_read_last_and_held():
    # LibreOffice's own: the cell shows nothing while A2 is filled; the formula names a child
    hidden = ods_cell('of:=IF([.A2]="";"Callum Patel, NHS 943 476 5919";"")')
    number = ods_cell("of:=IF([.A2]=4010232137;1;0)", "0")
    text, problems = read("tracker.ods", ods_formulas(hidden, number))
    plain, _ = read("tracker.ods", ods_formulas(ods_cell(""), ods_cell("", "0")))
    assert problems == []
    assert text == plain + "\nFormula: Callum Patel, NHS 943 476 5919\nFormula: 4010232137"
    found, verdict = sent_to_webmail(attachments=(
        ("tracker.ods", ODS, ods_formulas(hidden)),))
    assert ("UK_NHS", "943 476 5919") in found and verdict == "hold"


def test_an_ods_formula_of_references_small_numbers_or_its_shown_value_adds_nothing():
    everyday = (ods_cell("of:=SUM([.A1:.A1048576])*1000000+ROUND([.C2];2)-1", "3"),
                ods_cell('of:=IF([.A2]="AR";"Open";"")', "Open"),
                ods_cell("of:=AND(TRUE();[$Sheet2.$B$3]>0;[.B12345678])", "TRUE"),
                ods_cell('of:=IF([.A2]="Amy'))  # its quote never closed
    text, problems = read("budget.ods", ods_formulas(*everyday))
    assert problems == [] and "Formula" not in text and text.count("Open") == 1


def test_an_ods_formula_repeated_across_cells_is_read_once_its_doubled_quotes_as_one():
    text, _ = read("tracker.ods", ods_formulas(
        ods_cell('of:=IF([.A2]="";"Amy ""Mia"" Reid";"")', repeated=3),
        ods_cell('of:=IF([.B2]="";"Amy ""Mia"" Reid";"")')))
    assert text.count("Mia") == 1 and text.endswith('\nFormula: Amy "Mia" Reid')
