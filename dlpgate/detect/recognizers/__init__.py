"""The built-in recognizers, one file per identifier, and how to build them from config."""

from __future__ import annotations

from dlpgate.config import Detection
from dlpgate.detect.recognizers.base import FastRecognizer
from dlpgate.detect.recognizers.case_reference import DlpCaseReferenceRecognizer
from dlpgate.detect.recognizers.date_of_birth import DlpDateOfBirthRecognizer
from dlpgate.detect.recognizers.email import DlpEmailRecognizer
from dlpgate.detect.recognizers.financial import DlpCreditCardRecognizer, DlpIbanRecognizer
from dlpgate.detect.recognizers.person import DlpPersonTitleRecognizer
from dlpgate.detect.recognizers.special_category import (
    DlpSpecialCategoryRecognizer,
    load_compounds,
    load_lexicon,
    load_phrases,
    load_welsh,
)
from dlpgate.detect.recognizers.uk_bank import DlpUkBankAccountRecognizer, DlpUkSortCodeRecognizer
from dlpgate.detect.recognizers.uk_documents import (
    DlpUkDrivingLicenceRecognizer,
    DlpUkPassportRecognizer,
)
from dlpgate.detect.recognizers.uk_nhs import DlpUkNhsRecognizer
from dlpgate.detect.recognizers.uk_nino import DlpUkNinoRecognizer
from dlpgate.detect.recognizers.uk_phone import DlpUkPhoneRecognizer
from dlpgate.detect.recognizers.uk_postcode import DlpUkPostcodeRecognizer
from dlpgate.detect.recognizers.uk_upn import DlpUkUpnRecognizer

PATTERN_RECOGNIZERS: tuple[type[FastRecognizer], ...] = (
    DlpUkNhsRecognizer, DlpUkNinoRecognizer, DlpUkPostcodeRecognizer, DlpUkUpnRecognizer,
    DlpUkSortCodeRecognizer, DlpUkBankAccountRecognizer, DlpUkPhoneRecognizer,
    DlpUkPassportRecognizer, DlpUkDrivingLicenceRecognizer, DlpEmailRecognizer,
    DlpIbanRecognizer, DlpCreditCardRecognizer,
    DlpDateOfBirthRecognizer, DlpPersonTitleRecognizer,
)


def build(detection: Detection) -> list[FastRecognizer]:
    out: list[FastRecognizer] = [cls() for cls in PATTERN_RECOGNIZERS]
    lexicons = list(detection.lexicons)
    out.append(DlpSpecialCategoryRecognizer(load_lexicon(lexicons), load_phrases(lexicons),
                                            load_compounds(lexicons), load_welsh(lexicons)))
    out += [DlpCaseReferenceRecognizer(c.name, c.pattern, c.entity, tuple(c.context))
            for c in detection.case_references]
    if detection.entities is not None:
        wanted = set(detection.entities)
        out = [r for r in out if set(r.supported_entities) & wanted]
    return out
