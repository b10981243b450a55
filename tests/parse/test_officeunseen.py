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
