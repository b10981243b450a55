"""The built-in recognizers, one file per identifier, and how to build them from config."""

from __future__ import annotations

from dlpgate.config import Detection
from dlpgate.detect.recognizers.base import FastRecognizer
from dlpgate.detect.recognizers.case_reference import CaseReferenceRecognizer
from dlpgate.detect.recognizers.date_of_birth import DateOfBirthRecognizer
from dlpgate.detect.recognizers.email import EmailRecognizer
from dlpgate.detect.recognizers.financial import CreditCardRecognizer, IbanRecognizer
from dlpgate.detect.recognizers.person import PersonTitleRecognizer
from dlpgate.detect.recognizers.special_category import SpecialCategoryRecognizer, load_lexicon
from dlpgate.detect.recognizers.uk_bank import UkBankAccountRecognizer, UkSortCodeRecognizer
from dlpgate.detect.recognizers.uk_documents import (
    UkDrivingLicenceRecognizer,
    UkPassportRecognizer,
)
from dlpgate.detect.recognizers.uk_nhs import UkNhsRecognizer
from dlpgate.detect.recognizers.uk_nino import UkNinoRecognizer
from dlpgate.detect.recognizers.uk_phone import UkPhoneRecognizer
from dlpgate.detect.recognizers.uk_postcode import UkPostcodeRecognizer
from dlpgate.detect.recognizers.uk_upn import UkUpnRecognizer

PATTERN_RECOGNIZERS: tuple[type[FastRecognizer], ...] = (
    UkNhsRecognizer, UkNinoRecognizer, UkPostcodeRecognizer, UkUpnRecognizer,
    UkSortCodeRecognizer, UkBankAccountRecognizer, UkPhoneRecognizer, UkPassportRecognizer,
    UkDrivingLicenceRecognizer, EmailRecognizer, IbanRecognizer, CreditCardRecognizer,
    DateOfBirthRecognizer, PersonTitleRecognizer,
)


def build(detection: Detection) -> list[FastRecognizer]:
    out: list[FastRecognizer] = [cls() for cls in PATTERN_RECOGNIZERS]
    out.append(SpecialCategoryRecognizer(load_lexicon(list(detection.lexicons))))
    out += [CaseReferenceRecognizer(c.name, c.pattern, c.entity, tuple(c.context))
            for c in detection.case_references]
    if detection.entities is not None:
        wanted = set(detection.entities)
        out = [r for r in out if set(r.supported_entities) & wanted]
    return out
