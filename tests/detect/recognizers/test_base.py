from presidio_analyzer import RecognizerRegistry

from dlpgate.detect.recognizers import PATTERN_RECOGNIZERS


def test_every_recognizer_is_a_presidio_recognizer_a_registry_accepts():
    registry = RecognizerRegistry()
    for cls in PATTERN_RECOGNIZERS:
        registry.add_recognizer(cls())
    names = {r.name for r in registry.recognizers}
    assert {cls.__name__ for cls in PATTERN_RECOGNIZERS} <= names


def test_every_result_explains_itself():
    for cls in PATTERN_RECOGNIZERS:
        for r in cls().analyze("Mrs J Brown, NHS 943 476 5919, LS1 4AP, a@b.org", None, None):
            assert r.analysis_explanation.textual_explanation
