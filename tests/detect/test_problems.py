"""Parse problems become findings that explain themselves without quoting content."""

from __future__ import annotations

from dlpgate import testdata
from dlpgate.config import Settings
from dlpgate.detect.problems import ProblemDetector
from dlpgate.detect.registry import Context, registered
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message


def test_an_encrypted_attachment_becomes_an_explained_finding():
    msg = parse(make_message(attachments=(
        ("locked.pdf", "application/pdf", testdata.make_encrypted_pdf("Callum")),)))
    [f] = ProblemDetector().detect(msg, Context(Settings()))
    assert (f.entity, f.part, f.text) == ("ENCRYPTED_ATTACHMENT", "locked.pdf", "")
    assert f.explanation == "locked.pdf: password-protected PDF"


def test_built_in_detectors_use_the_public_registry():
    assert {"problems", "recipients"} <= set(registered())
