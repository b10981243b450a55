"""The words a picture carries beside its pixels (EXIF, PNG text, a HEIC's EXIF) are read with
what OCR reads, for a picture attached and for one inside a document."""

from __future__ import annotations

import functools
import shutil
import subprocess
from email.message import EmailMessage

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dlpgate import testdata, testpictures
from dlpgate.config import Limits, Ocr, Settings
from dlpgate.detect.pii import PatternDetector
from dlpgate.detect.registry import Context
from dlpgate.parse import imagemeta, ocr
from dlpgate.parse.mime import parse

needs_exiftool = pytest.mark.skipif(
    not shutil.which("exiftool"),
    reason="exiftool (libimage-exiftool-perl) is not installed (./scripts/dev test installs it)")
needs_heif_enc = pytest.mark.skipif(
    not shutil.which("heif-enc"),
    reason="heif-enc (libheif-examples) is not installed (./scripts/dev test installs it)")
needs_poppler = pytest.mark.skipif(
    not ocr.available(),
    reason="tesseract-ocr and poppler-utils are not installed (./scripts/dev test installs them)")

SETTINGS = Settings()
HIDDEN = "Amy Reid, NHS number 943 476 5919, date of birth 12/03/2015"


def tagged(picture: bytes, *assignments: str, suffix: str = "jpg") -> bytes:
    """`picture` with metadata written by exiftool, as a photo manager or Windows' Properties
    dialog writes it ("-XPComment=...")."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/picture.{suffix}"
        with open(path, "wb") as f:
            f.write(picture)
        subprocess.run(["exiftool", "-q", "-overwrite_original", *assignments, path],
                       check=True, capture_output=True)
        with open(path, "rb") as f:
            return f.read()


@functools.cache
def photo() -> bytes:
    """A small photograph of a wall (a JPEG): nothing in its pixels to read."""
    return testpictures.jpeg(testpictures.scene(0, "damp wall", (320, 240)))


@functools.cache
def screenshot() -> bytes:
    return testdata.screenshot_of([("Ward", "Room")])


def message(name: str, ctype: str, data: bytes) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@westshire.gov.uk", "b@example.org", "Photos"
    msg.set_content("See attached.")
    maintype, _, subtype = ctype.partition("/")
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


@needs_exiftool
@pytest.mark.parametrize("tag", ["ImageDescription", "UserComment", "XPComment", "XPSubject"])
def test_a_photographs_exif_description_or_comment_is_read_and_found(tag):
    # typed into Windows' Properties dialog or a photo manager, it went out unread
    picture = tagged(photo(), f"-{tag}={HIDDEN}")
    for settings_ in (Ocr(), Ocr(enabled=False)):  # read without OCR: no decoding needed
        msg = parse(message("IMG_0042.jpg", "image/jpeg", picture), None, Limits(), settings_)
        [text] = [p.text for p in msg.parts if p.name == "IMG_0042.jpg"]
        assert HIDDEN in text
        found = PatternDetector(SETTINGS).detect(msg, Context(SETTINGS))
        assert ("UK_NHS", "943 476 5919") in {(f.entity, f.text) for f in found}


@needs_exiftool
@pytest.mark.parametrize("assignment, options", [
    (f"-PNG:Comment={HIDDEN}", ()),  # tEXt
    (f"-PNG:Comment={HIDDEN}", ("-z",)),  # zTXt: compressed
    (f"-PNG:Description-en-GB={HIDDEN}", ()),  # iTXt: UTF-8, with a language
])
def test_a_screenshots_png_text_is_read(assignment, options):
    picture = tagged(screenshot(), *options, assignment, suffix="png")
    assert HIDDEN in imagemeta.text(picture)
    msg = parse(message("case list.png", "image/png", picture), None, Limits(),
                Ocr(enabled=False))
    assert HIDDEN in {p.name: p.text for p in msg.parts}["case list.png"]


@needs_exiftool
@needs_poppler
def test_what_ocr_reads_comes_first_and_the_metadata_after_it():
    letter = testdata.picture_of(testdata.make_pdf("Referral for Leo Hart\nNHS 401 023 2137"),
                                 150, "jpeg")
    msg = parse(message("letter.jpg", "image/jpeg", tagged(letter, f"-XPComment={HIDDEN}")),
                None, Limits(), Ocr())
    text = {p.name: p.text for p in msg.parts}["letter.jpg"]
    assert text.index("401 023 2137") < text.index(f"Comment: {HIDDEN}")
    assert text.endswith(f"Comment: {HIDDEN}")


@needs_exiftool
def test_a_pasted_logos_comment_is_nothing_the_message_says_and_a_screenshots_data_is():
    def pasted(picture: bytes) -> dict[str, str]:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "a@westshire.gov.uk", "b@example.org", "Hi"
        msg.set_content("See below.")
        msg.add_alternative('<p>See below.</p><img src="cid:logo1">', subtype="html")
        msg.get_payload()[1].add_related(picture, "image", "png", cid="<logo1>",
                                         disposition="inline")
        got = parse(msg.as_bytes(), None, Limits(), Ocr(enabled=False))
        return {p.name: p.text for p in got.parts}

    logo = tagged(screenshot(), "-PNG:Comment=Created with GIMP", suffix="png")
    assert "body picture 1" not in pasted(logo)
    shot = tagged(screenshot(), f"-PNG:Comment={HIDDEN}", suffix="png")
    assert HIDDEN in pasted(shot)["body picture 1"]


GPS = ("-GPSLatitude=51.5", "-GPSLatitudeRef=N", "-GPSLongitude=0.1278", "-GPSLongitudeRef=W")


@needs_exiftool
def test_where_a_photograph_was_taken_is_read_after_its_words():
    # a phone's photograph of a child's home, on a visit: its GPS position
    picture = tagged(photo(), f"-ImageDescription={HIDDEN}", *GPS)
    assert imagemeta.text(picture) == (f"Description: {HIDDEN}\n"
                                       "GPS position: 51.50000 N, 0.12780 W")


@needs_exiftool
@needs_heif_enc
def test_a_heic_photographs_own_exif_is_read_from_its_exif_item():
    # an iPhone's photograph: its EXIF is an item of the HEIF file, which heif-convert's
    # JPEG (what OCR reads) need not carry; it went out unread
    picture = testpictures.heic(tagged(photo(), f"-XPComment={HIDDEN}", *GPS))
    assert imagemeta.text(picture) == (f"Comment: {HIDDEN}\n"
                                       "GPS position: 51.50000 N, 0.12780 W")
    msg = parse(message("IMG_0042.heic", "image/heic", picture), None, Limits(),
                Ocr(enabled=False))
    assert HIDDEN in {p.name: p.text for p in msg.parts}["IMG_0042.heic"]


@needs_exiftool
@needs_poppler
@pytest.mark.parametrize("name", ["report.docx", "visit.pptx", "report.pdf"])
def test_a_photograph_inside_a_document_has_its_metadata_read_as_an_attached_ones(name):
    picture = tagged(photo(), f"-ImageDescription={HIDDEN}", *GPS)
    # a page of text with a photograph on it (a page of little text is read as a scan)
    page = "\n".join(["Inspection report", *["The kitchen wall shows damp along the skirting "
                                              "board."] * 12])
    document = {
        "report.docx": lambda: testpictures.report([picture]),
        "visit.pptx": lambda: testdata.with_members(testdata.make_pptx(["Visit photographs"]),
                                                    {"ppt/media/image1.jpeg": picture}),
        "report.pdf": lambda: testdata.make_report_pdf([page], [[(picture, (50, 100, 320,
                                                                            240))]])}[name]()
    msg = parse(message(name, "application/octet-stream", document), None, Limits(), Ocr())
    [(part, text)] = [(p.name, p.text) for p in msg.parts if p.name.startswith(f"{name}/")]
    assert text.endswith(f"Description: {HIDDEN}\nGPS position: 51.50000 N, 0.12780 W")
    found = PatternDetector(SETTINGS).detect(msg, Context(SETTINGS))
    assert ("UK_NHS", part) in {(f.entity, f.part) for f in found}


def test_a_programs_own_text_is_left_out():
    body = screenshot()
    software = _chunk(b"tEXt", b"Software\x00Greenshot") + _chunk(
        b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:xmpmeta/>")
    assert imagemeta.text(body[:33] + software + body[33:]) == ""


def _chunk(kind: bytes, body: bytes) -> bytes:
    import struct
    import zlib

    return struct.pack(">I", len(body)) + kind + body + struct.pack(
        ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["jpg", "png", "heic"]), st.lists(st.tuples(st.floats(0, 1), st.binary(
    min_size=1, max_size=8)), max_size=6))
@example("png", [(0.5, b"\xff\xff\xff\xff")])
def test_no_metadata_however_damaged_breaks_the_reading(kind, changes):
    data = SAMPLES.get(kind) or (screenshot() if kind == "png" else photo())
    for at, piece in changes:
        cut = int(at * len(data))
        data = data[:cut] + piece + data[cut + len(piece):]
    assert len(imagemeta.text(data)) <= imagemeta.MOST


SAMPLES: dict[str, bytes] = {}
if shutil.which("exiftool"):
    SAMPLES = {"jpg": tagged(photo(), f"-XPComment={HIDDEN}", f"-UserComment={HIDDEN}", *GPS),
               "png": tagged(screenshot(), "-z", f"-PNG:Comment={HIDDEN}", suffix="png")}
    if shutil.which("heif-enc"):
        SAMPLES["heic"] = testpictures.heic(SAMPLES["jpg"])


@needs_exiftool
@pytest.mark.parametrize("assignment, suffix, line", [
    (f"-XMP-dc:Description={HIDDEN}", "jpg", f"XMP description: {HIDDEN}"),  # a caption
    (f"-XMP-photoshop:Headline={HIDDEN}", "jpg", f"XMP Headline: {HIDDEN}"),
    (f"-XMP-dc:Subject={HIDDEN}", "png", f"XMP subject: {HIDDEN}"),  # keywords, in an iTXt
])
def test_a_pictures_xmp_packet_is_read_last_and_held(assignment, suffix, line):
    # a photo manager's caption or keywords, kept only in the XMP packet, went out unread
    from dlpgate.testing import sent_to_webmail

    picture = tagged(photo() if suffix == "jpg" else screenshot(), assignment, suffix=suffix)
    assert imagemeta.text(picture).splitlines()[-1] == line
    found, verdict = sent_to_webmail(attachments=((f"visit.{suffix}", f"image/{suffix}",
                                                   picture),))
    assert ("UK_NHS", "943 476 5919") in found and verdict == "hold"


@needs_exiftool
def test_what_a_pictures_xmp_repeats_and_its_programs_own_are_read_once_or_not_at_all():
    picture = tagged(photo(), f"-EXIF:ImageDescription={HIDDEN}",
                     f"-XMP-dc:Description={HIDDEN}", "-XMP-xmp:CreatorTool=Adobe Lightroom",
                     "-XMP-exif:ExposureTime=1/250", "-XMP-xmpMM:DocumentID=xmp.did:1234567890")
    assert imagemeta.text(picture) == f"Description: {HIDDEN}"


def test_a_damaged_xmp_packet_is_passed_over():
    assert imagemeta.xmp(b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF") == []


def test_a_logos_xmp_from_an_editor_says_nothing_of_its_own():
    # Photoshop's and Illustrator's packet on a signature's logo: its dates, page count,
    # digest and rating are the program's, and a pasted logo with a number read counts
    packet = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 5.6"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
        b'xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        b'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" '
        b'xmlns:xmpTPg="http://ns.adobe.com/xap/1.0/t/pg/" '
        b'xmlns:MicrosoftPhoto="http://ns.microsoft.com/photo/1.0/" '
        b'xmp:CreateDate="2019-03-01T10:00:00" xmp:Rating="5" photoshop:DateCreated="2019-03-01" '
        b'photoshop:LegacyIPTCDigest="0123456789ABCDEF0123456789ABCDEF" xmpTPg:NPages="1" '
        b'MicrosoftPhoto:RatingPercent="99" MicrosoftPhoto:DateAcquired="2019-03-01T10:00:00">'
        b'<photoshop:Headline>Westshire Council</photoshop:Headline>'
        b'</rdf:Description></rdf:RDF></x:xmpmeta>')
    assert imagemeta.xmp(packet) == ["XMP Headline: Westshire Council"]
