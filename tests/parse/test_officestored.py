"""What an Office file stores beside what it shows is read, after everything else it gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dlpgate import testdata
from dlpgate.config import Limits, Settings
from dlpgate.detect.pii import PatternDetector
from dlpgate.detect.registry import Context
from dlpgate.parse import officestored
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message

CHILD = "Amy Reid (943 476 5919)"
SETTINGS = Settings()


def text(name: str, data: bytes, limits: Limits | None = None) -> tuple[str, list]:
    msg = parse(make_message(attachments=((name, "application/octet-stream", data),)),
                limits=limits)
    return ({p.name: p.text for p in msg.parts}.get(name, ""),
            [(p.kind, p.part, p.detail) for p in msg.problems])


def lines(name: str, data: bytes) -> list[str]:
    return [line for line in text(name, data)[0].split("\n") if line]


def test_a_dropdowns_choices_and_a_form_fields_default_are_read_after_the_links():
    # a content control's list of the children on a plan showed only the one chosen, and a
    # legacy dropdown field's entries none at all: the others went out unread
    body = (testdata.content_control([CHILD, "Leo Hart"], "Leo Hart")
            + testdata.content_control(["Oakfield", "Elm Park"], "Choose an item.",
                                       kind="comboBox")
            + testdata.form_field(entries=["Callum Reid", CHILD])
            + testdata.form_field(default="Leo Hart")  # shown: read once
            + testdata.form_field(default="Callum Reid").replace(  # a template's last child
                "<w:t>Callum Reid</w:t>", "<w:t>Leo Hart</w:t>")
            + testdata.word_field('HYPERLINK "mailto:amy.mum@gmail.com"', "her mother"))
    data = testdata.make_docx_body(body)
    assert lines("plan.docx", data) == [
        "Leo Hart", "Choose an item.", "Leo Hart", "Leo Hart", "her mother",  # shown
        "mailto:amy.mum@gmail.com",  # a field's instruction (PARSER 12)
        f"List: {CHILD}", "List: Oakfield, Elm Park", f"List: Callum Reid, {CHILD}",
        "Callum Reid"]


def test_a_documents_variables_are_read_as_labelled_values():
    # a case system's letter template fills them for its DOCVARIABLE fields
    data = testdata.with_members(testdata.make_docx(["Dear parent"]), testdata.word_variables(
        ChildName="Amy Reid", NHSNumber="943 476 5919", Blank=""))
    assert lines("letter.docx", data) == [
        "Dear parent", "Child Name: Amy Reid; NHS Number: 943 476 5919"]


def test_the_values_a_workbook_keeps_of_another_it_looks_up_are_read_as_a_sheet():
    data = testdata.with_members(testdata.make_xlsx([["Child"], ["Leo Hart"]]),
                                 testdata.external_link("Looked after children.xlsx", [
                                     ["Name", "NHS number"], ["Amy Reid", "943 476 5919"]]))
    assert lines("tracker.xlsx", data)[-1] == "Name: Amy Reid; NHS number: 943 476 5919"
    # counted as built: a lookup over a whole column keeps every cell of it
    many = testdata.with_members(testdata.make_xlsx([["Child"]]), testdata.external_link(
        "Children.xlsx", [["Name", "NHS number"]] + [["Amy Reid", "943 476 5919"]] * 5000))
    read, problems = text("big.xlsx", many, Limits(max_text=20_000))
    assert len(read) <= 20_000 and ("unscannable", "big.xlsx",
                                    "only the first 20000 characters scanned") in problems


def test_a_charts_cached_labels_are_read_a_line_a_series():
    # in a report whose chart's workbook is linked, not embedded, they are all there is
    chart = testdata.chart_part("word/charts/chart1.xml", "Attendance", [CHILD, "Leo Hart"])
    data = testdata.with_members(testdata.make_docx(["Attendance below."]), chart)
    assert lines("report.docx", data) == ["Attendance below.", "Attendance",
                                          f"{CHILD}; Leo Hart"]
    deck = testdata.with_members(testdata.make_pptx(["Review"]), testdata.chart_part(
        "ppt/charts/chart3.xml", "Visits", [CHILD]))
    assert lines("review.pptx", deck)[-2:] == ["Visits", CHILD]


def test_a_sheets_validation_messages_are_read_after_its_dropdown_lists():
    data = testdata.make_xlsx([["Child", "School", "NHS number"], ["Leo Hart", "", ""]],
                              validation=['"Oakfield,Elm Park"'],
                              messages=[("Amy Reid", "NHS number 943 476 5919"), ("", "")])
    assert lines("tracker.xlsx", data)[-2:] == ["List: Oakfield, Elm Park",
                                                "Amy Reid: NHS number 943 476 5919"]


def test_a_damaged_settings_part_is_read_up_to_its_damage_and_said():
    broken = testdata.word_variables(ChildName="Amy Reid")
    broken["word/settings.xml"] = broken["word/settings.xml"].replace("</w:docVars>", "<w:x")
    read, problems = text("letter.docx", testdata.with_members(testdata.make_docx(["Dear"]),
                                                               broken))
    assert read.endswith("Child Name: Amy Reid")
    assert problems == [("unscannable", "letter.docx", "the document's settings is not "
                         "well-formed XML: read up to there")]


def test_many_choices_beside_a_long_text_are_weighed_in_one_pass():
    # each choice looked for in the text as a substring cost the text's length again
    body = "".join(f"<w:p><w:r><w:t>Line {n} of the plan</w:t></w:r></w:p>" for n in range(20_000))
    body += testdata.content_control([f"Child-{n}" for n in range(20_000)], "Child-1")
    [line] = lines("plan.docx", testdata.make_docx_body(body))[-1:]
    assert line.startswith("List: Child-0, Child-2, ") and line.endswith("Child-19999")


def test_a_date_pickers_whole_date_is_read_last_where_its_text_shows_less():
    # a date picker formatted "MMMM yyyy" shows "March 2015" and keeps 2015-03-12; one left
    # at its prompt keeps the date it was once given: both went out unread
    body = ("<w:p><w:r><w:t>Child: Amy Reid</w:t></w:r></w:p>"
            + testdata.date_picker("2015-03-12", "March 2015", title="Date of birth")
            + testdata.date_picker("2026-11-30", "Click or tap to enter a date.")
            + testdata.date_picker("2026-12-01", "01/12/2026", date_format="dd/MM/yyyy")
            + testdata.content_control([CHILD, "Leo Hart"], "Leo Hart"))
    assert lines("referral.docx", testdata.make_docx_body(body)) == [
        "Child: Amy Reid", "March 2015", "Click or tap to enter a date.", "01/12/2026",
        "Leo Hart",  # shown
        f"List: {CHILD}",  # a dropdown's choices, where they were (PARSER 16)
        "Date of birth: 12/03/2015", "Date: 30/11/2026"]  # then the dates, last


def test_a_date_pickers_date_of_birth_is_found_as_one():
    body = ("<w:p><w:r><w:t>Child: Amy Reid</w:t></w:r></w:p>"
            + testdata.date_picker("2015-03-12", "March 2015", title="Date of birth"))
    msg = parse(make_message(attachments=(("referral.docx", "application/octet-stream",
                                            testdata.make_docx_body(body)),)))
    found = PatternDetector(SETTINGS).detect(msg, Context(SETTINGS))
    assert ("DATE_OF_BIRTH", "12/03/2015") in {(f.entity, f.text) for f in found}


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"\A[0-9]{0,5}-?[0-9]{0,3}-?[0-9]{0,3}[T:Z /x0-9]{0,8}\Z"))
def test_no_date_a_picker_keeps_however_malformed_breaks_the_reading(full):
    from xml.etree.ElementTree import fromstring

    root = fromstring('<w:body xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006'
                      '/main">' + testdata.date_picker("", "x").replace(
                          'w:fullDate="T00:00:00Z"', f'w:fullDate="{testdata._quoted(full)}"')
                      + "</w:body>")
    for line in officestored.word_dates(root, "x"):
        assert line.startswith("Date: ") and len(line) == len("Date: 12/03/2015")
