"""File names as shown: the values found in them masked as findings' values are, nothing else."""

from __future__ import annotations

import pytest

from dlpgate import testdata
from dlpgate.config import Settings
from dlpgate.detect.filenames import masked_names
from dlpgate.model import FILE_NAMES, name_line
from dlpgate.pipeline import Scanner
from dlpgate.testing import make_envelope, make_message

NHS = "943 476 5919"
NAME = f"Amy Reid NHS {NHS} DOB 12-03-2015.zip"


def spans(line: str, *values: tuple[str, str]) -> list[tuple[str, int, int]]:
    """(entity, start, end) of each value in `line`, as findings in the names part give them."""
    return [(entity, line.index(v), line.index(v) + len(v)) for entity, v in values]


@pytest.fixture(scope="module")
def scanner():
    return Scanner(Settings.model_validate({
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
        "detection": {"ner": False}}))


def test_each_value_found_in_a_name_is_masked_in_place_and_the_rest_is_kept():
    found = spans(NAME, ("UK_NHS", NHS), ("DATE_OF_BIRTH", "12-03-2015"), ("PERSON", "Amy Reid"))
    assert masked_names([NAME], NAME, found) == {
        NAME: "A\u2022\u2022 R\u2022\u2022\u2022 NHS \u2022\u2022\u2022 \u2022\u2022\u2022 "
              "\u2022919 DOB \u2022\u2022-\u2022\u2022-\u2022015.zip"}


def test_a_name_with_nothing_found_in_it_stays_as_it_is():
    listed = "minutes.docx\n" + NAME
    found = spans(listed, ("UK_NHS", NHS))
    assert masked_names(["minutes.docx", NAME], listed, found) == {
        NAME: "Amy Reid NHS \u2022\u2022\u2022 \u2022\u2022\u2022 \u2022919 DOB 12-03-2015.zip"}
    assert masked_names(["minutes.docx"], "minutes.docx", []) == {}


def test_underscores_and_doubled_spaces_stay_where_the_sender_put_them():
    sent = "Amy_Reid__943 476 5919.pdf"
    line = name_line(sent)
    found = spans(line, ("PERSON", "Amy Reid"), ("UK_NHS", NHS))
    assert masked_names([sent], line, found) == {
        sent: "A\u2022\u2022_R\u2022\u2022\u2022__\u2022\u2022\u2022 \u2022\u2022\u2022 "
              "\u2022919.pdf"}


def test_an_archive_named_after_its_person_is_masked_where_its_member_is_named():
    listed = f"{NHS}.zip\nreport.docx"
    found = spans(listed, ("UK_NHS", NHS))
    assert masked_names([f"{NHS}.zip/report.docx", f"{NHS}.zip"], listed, found) == {
        f"{NHS}.zip/report.docx": "\u2022\u2022\u2022 \u2022\u2022\u2022 \u2022919.zip/report.docx",
        f"{NHS}.zip": "\u2022\u2022\u2022 \u2022\u2022\u2022 \u2022919.zip"}


def test_overlapping_findings_are_masked_as_one_leaving_no_end_of_either_in_view():
    line = "Reid 943 476 5919.txt"
    found = [("PERSON", 0, 8), ("UK_NHS", 5, 17)]
    [shown] = masked_names([line], line, found).values()
    assert "943" not in shown and "Reid" not in shown and shown.endswith(".txt")


def test_a_password_protected_zip_named_after_its_person_is_explained_masked_and_in_full(
        scanner):
    raw = make_message(to=("someone@example.com",), body="See attached.\n", attachments=(
        (NAME, "application/zip", testdata.make_encrypted_zip({"a.txt": b"hello"})),))
    result = scanner.scan(raw, make_envelope(raw))
    [problem] = [f for f in result.evidence.findings if f.entity == "ENCRYPTED_ATTACHMENT"]
    assert problem.part == NAME  # the key stays: policy and the review app read by it
    assert NHS not in problem.explanation and "12-03-2015" not in problem.explanation
    assert problem.explanation.endswith("\u2022919 DOB \u2022\u2022-\u2022\u2022-\u2022015.zip: "
                                        "password-protected ZIP archive")
    assert problem.revealed == f"{NAME}: password-protected ZIP archive"
    assert result.evidence.shown(NAME) == problem.explanation.partition(":")[0]
    assert result.evidence.shown(FILE_NAMES) == FILE_NAMES
    assert all(NHS not in r for r in result.decision.reasons)
    assert any(f"{NAME}: password-protected" in r for r in result.decision.revealed)
