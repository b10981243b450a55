"""EMAIL_ADDRESS, without tldextract: Presidio's version would fetch the public suffix list."""

from __future__ import annotations

from dlpgate.detect.recognizers.base import FastRecognizer


class DlpEmailRecognizer(FastRecognizer):
    ENTITY = "EMAIL_ADDRESS"
    PATTERN = r"(?<![\w.+-])[A-Za-z0-9._%+'-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}\b"
    SCORE = 1.0
    DESCRIPTION = "an e-mail address"
