"""UK_POSTCODE: a full UK postcode (outward and inward code), as Royal Mail defines them."""

from __future__ import annotations

from dlpgate.detect.recognizers.base import FastRecognizer


class DlpUkPostcodeRecognizer(FastRecognizer):
    ENTITY = "UK_POSTCODE"
    PATTERN = (r"\b(?:GIR ?0AA|(?:[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPSTUW]"
               r"|[A-HK-Y]\d[ABEHMNPRVWXY])) ?\d[ABD-HJLNP-UW-Z]{2})\b")
    DIGITS = 1
    SCORE = 0.85
    CONTEXT = ("postcode", "address", "lives at", "road", "street", "avenue", "lane", "close",
               "drive", "flat", "house",
               # Welsh: postcode, address, lives at, road, street, lane, avenue, flat, house
               "cod post", "cyfeiriad", "byw yn", "heol", "ffordd", "stryd", "lôn", "rhodfa",
               "cilgant", "fflat", "tŷ")
    DESCRIPTION = "a full UK postcode"

    def analyze(self, text, entities=None, nlp_artifacts=None):
        out = []
        for result in super().analyze(text, entities, nlp_artifacts):
            if " " not in text[result.start:result.end] and result.score < self.CONTEXT_SCORE:
                result.score = 0.6  # unspaced: could be a product code
            out.append(result)
        return out
