from dlpgate.config import Settings
from dlpgate.detect.presidio_engine import build_analyzer


def test_presidios_engine_runs_dlpgates_recognizers_with_the_configured_model():
    engine = build_analyzer(Settings())
    text = "Callum Reid, NHS number 943 476 5919, lives at LS1 4AP and has a child protection plan."
    found = {(r.entity_type, text[r.start:r.end]) for r in engine.analyze(text, language="en")}
    assert {("UK_NHS", "943 476 5919"), ("UK_POSTCODE", "LS1 4AP"),
            ("SPECIAL_CATEGORY", "child protection plan"), ("PERSON", "Callum Reid")} <= found
    assert not {e for e, _ in found} - {"UK_NHS", "UK_POSTCODE", "SPECIAL_CATEGORY", "PERSON"}
