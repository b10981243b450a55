from dlpgate.detect.recognizers.case_reference import DlpCaseReferenceRecognizer
from dlpgate.testing import recognized


def test_a_council_pattern_finds_its_references():
    rec = DlpCaseReferenceRecognizer("Mosaic case ID", r"\bMOS-\d{6}\b", context=("case",))
    assert recognized(rec, "case MOS-123456 and MOS-12345") == ["MOS-123456"]
    [r] = rec.analyze("case MOS-123456", None, None)
    assert r.entity_type == "UK_CASE_REFERENCE" and r.score == 1.0
