"""What an Office or OpenDocument file keeps beside the text it shows is read, after that text."""

from __future__ import annotations

import pytest
from defusedxml.ElementTree import fromstring

from dlpgate import testdata
from dlpgate.config import Settings
from dlpgate.parse import officeextras
from dlpgate.parse.mime import parse
from dlpgate.pipeline import Scanner
from dlpgate.testing import make_envelope, make_message

REFERRAL = testdata.sharepoint_properties(
    Child_x0020_Name="Amy Reid", NHSNumber="943 476 5919", DateOfBirth="2015-03-12T00:00:00Z")
# what SharePoint writes into every file of a library: ids, flags and taxonomy, no one's data
LIBRARY = testdata.sharepoint_properties(
    _dlc_DocIdItemGuid="{6C6B1A54-8D1F-4D0C-9E5B-2B1C3E7F9A01}", ContentTypeId="0x0101009B",
    Archived="false", TaxCatchAll="")


def read(name: str, data: bytes) -> tuple[str, list[tuple[str, str, str]]]:
    """The file's text, and its problems with what they say."""
    msg = parse(make_message(attachments=((name, "application/octet-stream", data),)))
    [text] = [p.text for p in msg.parts if p.is_attachment] or [""]
    return text, [(p.kind, p.part, p.detail) for p in msg.problems]


def held(name: str, data: bytes) -> tuple[set[str], str]:
    raw = make_message(to=("x.parent@gmail.com",), body="Hi,\n\nAttached.\n",
                       attachments=((name, "application/octet-stream", data),))
    result = Scanner(Settings.model_validate({
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
        "detection": {"ner": False}})).scan(raw, make_envelope(raw))
    return {f.entity for f in result.evidence.findings}, result.decision.verdict.value


@pytest.mark.parametrize("name, data", [
    ("referral.docx", testdata.make_docx(["Referral"], custom_xml=[LIBRARY, REFERRAL])),
    ("tracker.xlsx", testdata.make_xlsx([["Referral"]], custom_xml=[LIBRARY, REFERRAL])),
    ("review.pptx", testdata.with_members(testdata.make_pptx(["Referral"]), {
        "customXml/item1.xml": LIBRARY, "customXml/item2.xml": REFERRAL})),
])
def test_a_sharepoint_librarys_columns_kept_in_a_file_are_read_last_as_labelled_values(name,
                                                                                      data):
    # a child's name, NHS number and date of birth, in the library's columns: went out unread
    text, problems = read(name, data)
    assert problems == []
    assert text.startswith("Referral\n")  # what was read before keeps its place
    # labels in words, for a recognizer's context; the date-time a date; the ids left out
    assert text.splitlines()[-1] == ("Child Name: Amy Reid; NHS Number: 943 476 5919; "
                                     "Date Of Birth: 2015-03-12")
    assert "6C6B1A54" not in text and "0x0101" not in text and "false" not in text


def test_a_docx_whose_only_personal_data_is_its_custom_xml_is_held():
    entities, verdict = held("referral.docx", testdata.make_docx(
        ["Please find the referral attached."], custom_xml=[REFERRAL]))
    assert "UK_NHS" in entities and verdict in ("hold", "reject")


def test_the_same_file_with_only_sharepoints_own_values_finds_nothing_there():
    for name, data in (("a.docx", testdata.make_docx(["Minutes"], custom_xml=[LIBRARY])),
                       ("a.xlsx", testdata.make_xlsx([["Ref", "Due"], ["R1", "12/03/2025"]],
                                                     custom_xml=[LIBRARY]))):
        assert held(name, data)[0] == set()
        assert read(name, data)[0].endswith(("Minutes\n", "Due: 12/03/2025"))


def test_a_schema_in_custom_xml_is_left_out_and_a_bibliography_is_read():
    schema = ('<ct:contentTypeSchema xmlns:ct="urn:ct"><xs:schema xmlns:xs="urn:xs">'
              "<xs:documentation>Name of the child</xs:documentation></xs:schema>"
              "</ct:contentTypeSchema>")
    sources = ('<b:Sources xmlns:b="urn:b"><b:Source><b:Tag>Rei15</b:Tag><b:Title>Case notes'
               "</b:Title><b:Author><b:Author><b:NameList><b:Person><b:Last>Reid</b:Last>"
               "<b:First>Amy</b:First></b:Person></b:NameList></b:Author></b:Author>"
               "</b:Source></b:Sources>")
    text, _ = read("a.docx", testdata.make_docx(["Report"], custom_xml=[schema, sources]))
    assert text.splitlines()[-2:] == ["Tag: Rei15; Title: Case notes", "Last: Reid; First: Amy"]


def test_damaged_custom_xml_is_read_up_to_its_damage_and_that_is_said_without_its_content():
    cut = REFERRAL[:REFERRAL.index("943")]  # the NHS number's element is cut short
    text, problems = read("a.docx", testdata.make_docx(["Referral"], custom_xml=[cut]))
    assert text.splitlines()[-1] == "Child Name: Amy Reid"
    [(kind, part, detail)] = problems
    assert (kind, part) == ("unscannable", "a.docx") and "custom XML" in detail
    assert "Amy" not in detail and "item1" not in detail


def test_custom_xml_declaring_entities_is_refused_not_expanded():
    laughs = ('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaaaaaaaa">'
              '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><a><b>&b;</b></a>')
    text, problems = read("a.docx", testdata.make_docx(["Referral"], custom_xml=[laughs]))
    assert text == "Referral\n" and "aaaa" not in text
    assert problems == [("unscannable", "a.docx", "a custom XML data part declares XML "
                         "entities or a DTD (refused): read up to there")]


def test_an_excel_dropdown_typed_in_and_names_defined_as_constants_are_read_after_the_tabs():
    book = testdata.make_xlsx(
        [["Child", "Worker"], ["Amy Reid", "Jo Bloggs"]], sheet="Visits",
        validation=['"Amy Reid,Leo Hart,Mia Stone"', "Lists!$A$1:$A$9",
                    '"Amy Reid,Leo Hart,Mia Stone"'],
        defined_names={"ChildName": '"Leo Hart"', "Pupils": '{"Mia Stone",9434765919}',
                       "_xlnm.Print_Area": "Visits!$A$1:$B$3", "Workers": "Lists!$B$1:$B$9",
                       "Flagged": 'IF(Visits!$A$2="Leo Hart",1,0)'})
    text, problems = read("visits.xlsx", book)
    assert problems == []
    assert text.splitlines() == [
        "Child\tWorker", "Child: Amy Reid; Worker: Jo Bloggs",
        "Sheets: Visits",  # read before, and still where it was
        # ranges and Excel's own names left out: their cells are read where they are
        "Child Name: Leo Hart; Pupils: Mia Stone, 9434765919; Flagged: Leo Hart",
        "List: Amy Reid, Leo Hart, Mia Stone"]  # the same list on two ranges: once


def test_excel_2010_dropdowns_kept_in_the_sheets_extensions_are_read():
    sheet = fromstring(
        '<worksheet xmlns="urn:s" xmlns:x14="urn:x14" xmlns:xm="urn:xm"><sheetData/><extLst>'
        '<ext><x14:dataValidations><x14:dataValidation type="list"><x14:formula1>'
        '<xm:f>"Amy Reid,Leo Hart"</xm:f></x14:formula1><xm:sqref>B2</xm:sqref>'
        '</x14:dataValidation><x14:dataValidation type="list"><x14:formula1>'
        "<xm:f>Lists!$A$1:$A$9</xm:f></x14:formula1></x14:dataValidation>"
        "</x14:dataValidations></ext></extLst></worksheet>")
    assert list(officeextras.validation_lists(sheet)) == ["List: Amy Reid, Leo Hart"]


def test_a_word_fields_addresses_and_paths_are_read_and_its_merge_fields_names_are_not():
    body = "".join([
        testdata.word_field(' HYPERLINK "mailto:amy.reid@example.com" \\o "Amy\'s mother" ',
                            "email her mother"),
        testdata.word_field(' INCLUDEPICTURE "C:\\\\Cases\\\\Amy Reid 12-03-2015\\\\photo.jpg"'
                            " \\* MERGEFORMATINET \\d "),
        testdata.word_field(" MERGEFIELD Child_Name \\* MERGEFORMAT ", "«Child_Name»"),
        testdata.word_field(' TOC \\o "1-3" \\h ', "Contents"),
        testdata.word_field(' HYPERLINK \\l "_Toc123456" ', "1. Background"),
        '<w:p><w:fldSimple w:instr=\' XE "Reid, Amy" \'/><w:r><w:t>Index</w:t></w:r></w:p>',
    ])
    text, problems = read("letter.docx", testdata.make_docx_body(body))
    assert problems == []
    assert text.splitlines()[-3:] == ["mailto:amy.reid@example.com Amy's mother",
                                      "C:\\Cases\\Amy Reid 12-03-2015\\photo.jpg",
                                      "Reid, Amy"]
    assert text.startswith("email her mother\n")  # the results, read before, where they were


@pytest.mark.parametrize("instruction, read_as", [
    ("HYPERLINK mailto:amy.reid@example.com", "mailto:amy.reid@example.com"),
    ('SET Child "Amy Reid"', "Amy Reid"),
    ('ASK Child "Which child?" \\d "Amy Reid"', "Which child? Amy Reid"),
    ('IF { MERGEFIELD x } = "1" "Amy Reid" "Leo Hart"', "1 Amy Reid Leo Hart"),
    ('LINK Excel.Sheet.12 "C:\\\\Cases\\\\Amy Reid.xlsx" "Sheet1!R1C1" \\a',
     "C:\\Cases\\Amy Reid.xlsx Sheet1!R1C1"),
    ('DATE \\@ "dd/MM/yyyy"', ""),
    ("DOCPROPERTY ChildName", ""),
    ('"HYPERLINK"', ""),
])
def test_a_fields_arguments_that_hold_data_are_read_and_names_and_formats_are_not(
        instruction, read_as):
    assert officeextras.field_arguments(instruction) == read_as


def test_an_open_documents_user_fields_and_hidden_text_are_read_after_its_text():
    letter = testdata.make_odt(["Dear Ms Reid"], user_fields={"ChildName": "Amy Reid",
                                                             "NHS_Number": "943 476 5919"},
                               hidden=["Leo Hart, DOB 04/05/2016"])
    text, problems = read("letter.odt", letter)
    assert problems == [] and text.startswith("Dear Ms Reid\n")
    assert text.splitlines()[-2:] == ["Child Name: Amy Reid; NHS Number: 943 476 5919",
                                      "Leo Hart, DOB 04/05/2016"]


def test_an_open_documents_dropdowns_conditions_and_a_sheets_lists_and_names_are_read():
    ns = ('xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"')
    content = fromstring(
        f"<doc {ns}><text:p><text:drop-down><text:label text:value='Amy Reid'/>"
        "<text:label text:value='Leo Hart'/>Amy Reid</text:drop-down>"
        "<text:conditional-text text:condition='ooow:Child == &quot;Mia Stone&quot;' "
        "text:string-value-if-true='Mia' text:string-value-if-false='1'>1</text:conditional-text>"
        "</text:p><table:content-validations><table:content-validation "
        "table:condition='of:cell-content-is-in-list(&quot;Amy Reid&quot;;&quot;Leo Hart&quot;)'/>"
        "<table:content-validation table:condition='of:cell-content-is-in-list([.$A$1:.$A$5])'/>"
        "</table:content-validations><table:named-expressions><table:named-expression "
        "table:name='Child' table:expression='of:=&quot;Leo Hart&quot;'/><table:named-range "
        "table:name='Kids' table:cell-range-address='$Sheet1.$A$1:.$A$9'/>"
        "</table:named-expressions></doc>")
    assert list(officeextras.odf_fields(content)) == [
        "Child: Leo Hart", "Amy Reid", "Leo Hart", "Mia", "1", "Mia Stone",
        "List: Amy Reid, Leo Hart"]


def test_quick_parts_saved_in_a_documents_glossary_are_read_after_its_text():
    # a worker saved a case paragraph as a Quick Part: it travels with every file from there
    document = testdata.make_docx(["Minutes"], glossary=[
        "Amy Reid (DOB 04/05/2016) lives with her mother at 1 High Street."])
    text, problems = read("minutes.docx", document)
    assert problems == [] and text.startswith("Minutes\n")
    assert text.splitlines()[-1] == ("Amy Reid (DOB 04/05/2016) lives with her mother at "
                                     "1 High Street.")


def test_a_normal_document_and_workbook_read_as_they_were():
    for name, data, was in (
            ("a.docx", testdata.make_docx(["Minutes", "Actions agreed"]),
             "Minutes\nActions agreed\n"),
            ("a.xlsx", testdata.make_xlsx([["Ref", "Due"], ["R1", "12/03/2025"]]),
             "Ref\tDue\nRef: R1; Due: 12/03/2025")):
        assert read(name, data) == (was, [])
        assert held(name, data)[0] == set()


@pytest.mark.parametrize("name, words", [
    ("Date_x0020_of_x0020_Birth", "Date of Birth"),
    ("NHSNumber", "NHS Number"),
    ("ChildDOB", "Child DOB"),
    ("child_name", "child name"),
])
def test_a_label_is_read_as_the_words_a_recognizer_looks_for(name, words):
    assert officeextras.label(name) == words


def test_a_slide_layouts_own_text_box_is_read_and_its_placeholders_prompts_are_not():
    # a text box on a layout shows on every slide made from it; a placeholder's text is the
    # prompt an empty one shows while it is edited, the same in every presentation
    a = 'xmlns:p="urn:p" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
    layout = (f'<p:sldLayout {a}><p:cSld><p:spTree><p:sp><p:nvSpPr><p:cNvPr id="2" name="T"/>'
              '<p:cNvSpPr/><p:nvPr><p:ph type="title"/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:r>'
              "<a:t>Click to add title</a:t></a:r></a:p></p:txBody></p:sp><p:sp><p:nvSpPr>"
              '<p:cNvPr id="3" name="Box"/><p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr><p:txBody>'
              "<a:p><a:r><a:t>Child protection conference: </a:t></a:r><a:r><a:t>Callum Reid"
              "</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sldLayout>")
    deck = testdata.with_members(testdata.make_pptx(["Review"]),
                                 {"ppt/slideLayouts/slideLayout1.xml": layout})
    text, problems = read("review.pptx", deck)
    assert problems == [] and text.startswith("Review\n")
    assert text.splitlines()[-1] == "Child protection conference: Callum Reid"
    assert "Click to add" not in text


def test_a_links_address_kept_in_the_relationships_is_read_last_once_and_a_bookmark_is_not():
    # "email her mother" linked with Ctrl+K: the address is in word/_rels, not in the text,
    # and went out unread while the same link written as a HYPERLINK field was read
    custom = testdata.make_docx(["Referral"], custom_xml=[REFERRAL], links=[
        ("email her mother", "mailto:amy.reid.family@gmail.com"),
        ("her school", "https://www.example.sch.uk/pupils?name=Amy%20Reid"),
        ("again", "mailto:amy.reid.family@gmail.com"),
        ("see below", "#_Toc123")])
    text, problems = read("referral.docx", custom)
    assert problems == []
    lines = text.splitlines()
    # after all that was read before, the custom XML's line included: it keeps its place
    assert lines[-3].startswith("Child Name: Amy Reid")
    assert lines[-2:] == ["mailto:amy.reid.family@gmail.com",
                          "https://www.example.sch.uk/pupils?name=Amy Reid"]
    assert "_Toc123" not in text
    entities, _ = held("referral.docx", testdata.make_docx(["Please see the family's details."],
                                                          links=[("contact", "mailto:"
                                                                  "amy.reid.family@gmail.com")]))
    assert "EMAIL_ADDRESS" in entities


def test_a_document_with_only_bookmarks_and_no_links_reads_as_before():
    plain = testdata.make_docx(["Contents", "Introduction"], links=[("Introduction", "#_Toc1")])
    text, problems = read("guide.docx", plain)
    assert problems == [] and text.split() == ["Contents", "Introduction", "Introduction"]


def test_an_open_documents_links_addresses_are_read_last_and_a_link_within_it_is_not():
    letter = testdata.make_odt(["Referral"], user_fields={"Child": "Amy Reid"}, links=[
        ("email her mother", "mailto:amy.reid.family@gmail.com"), ("below", "#Introduction")])
    text, problems = read("referral.odt", letter)
    assert problems == []
    lines = text.splitlines()
    assert lines[-2] == "Child: Amy Reid"  # what was read before keeps its place
    assert lines[-1] == "mailto:amy.reid.family@gmail.com" and "Introduction" not in text


@pytest.mark.parametrize("formula, values", [
    ('IF(B2="","Callum Patel 12/03/2015","")', ("Callum Patel 12/03/2015",)),
    ('IF(A2=9434765919,"match","")', ("9434765919", "match")),
    ('"He said ""no"""&A1', ('He said "no"',)),
    ('VLOOKUP(A2,{1,"Amy Reid";2,"Leo Hart"},2,FALSE)', ("Amy Reid", "Leo Hart")),
    ("SUM(A1:A1048576)*1000000+ROUND(B2,2)", ()),  # a row, a budget's million, ROUND's 2
    ("AND(TRUE,Sheet2!$B$3>0,Q1_2015,1:1048576,0.123456789)", ()),
    ('INDEX(Table1[[#This Row],[Name]],1)', ()),
])
def test_a_cells_formula_gives_its_strings_and_long_numbers_and_nothing_else(formula, values):
    assert officeextras.formula_values(formula) == values
