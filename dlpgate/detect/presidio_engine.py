"""dlpgate's recognizers inside a Presidio AnalyzerEngine, configured from `detection:`.

The relay does not call AnalyzerEngine.analyze on whole messages: its context
enhancer grows with the square of the text and its pattern path is far slower
than compiled `re` (DESIGN.md, "Detection"), so detect/pii.py calls the same
recognizers directly. This factory is for everything else that speaks Presidio:
a council's notebook, Presidio's anonymizer, or checking a new recognizer
against Presidio's own before adding it. It builds the engine in code (no
download, the configured model) with exactly the recognizers dlpgate runs.
"""

from __future__ import annotations

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpEngineProvider

from dlpgate.config import Settings
from dlpgate.detect import ner, recognizers


def build_analyzer(settings: Settings) -> AnalyzerEngine:
    detection = settings.detection
    ner.check_model(detection.model)
    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": detection.model}],
        "ner_model_configuration": {
            "model_to_presidio_entity_mapping": {"PERSON": "PERSON", "PER": "PERSON"},
            "labels_to_ignore": ["ORG", "GPE", "LOC", "DATE", "TIME", "CARDINAL", "ORDINAL",
                                 "MONEY", "PERCENT", "QUANTITY", "NORP", "FAC", "PRODUCT",
                                 "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"],
        },
    })
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in recognizers.build(detection):
        registry.add_recognizer(recognizer)
    if detection.ner:
        from presidio_analyzer.predefined_recognizers import SpacyRecognizer

        registry.add_recognizer(SpacyRecognizer(supported_entities=["PERSON"]))
    return AnalyzerEngine(nlp_engine=provider.create_engine(), registry=registry,
                          supported_languages=["en"],
                          default_score_threshold=detection.default_threshold)
