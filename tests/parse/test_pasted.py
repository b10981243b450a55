"""Pictures pasted into the body are read as attached ones are; a signature's are not."""

from __future__ import annotations

import base64
from email.message import EmailMessage

import pytest

from dlpgate import testdata
from dlpgate.config import Limits, Ocr, Settings
from dlpgate.model import Envelope
from dlpgate.parse import ocr, pasted
from dlpgate.parse.mime import parse
from dlpgate.pipeline import Scanner
from dlpgate.testing import make_message

needs_ocr = pytest.mark.skipif(
    not ocr.available(),
    reason="tesseract-ocr and poppler-utils are not installed (./scripts/dev test installs them)")

CASES = [("Name", "Date of birth", "NHS number", "Status"),
         ("Amy Reid", "12/03/2015", "943 476 5919", "CP plan"),
         ("Leo Turner", "04/05/2016", "401 023 2137", "CIN"),
         *[(f"Child {c}", "01/09/2014", "", "Closed") for c in "ABCDEFGH"]]


def screenshot() -> bytes:
    picture = testdata.screenshot_of(CASES)
    width, height = ocr.image_size(picture)
    assert width * height >= Ocr().min_pixels and not pasted.is_strip(width, height)
    return picture


def read(raw: bytes, settings: Ocr | None = None):
    got = parse(raw, None, Limits(), settings or Ocr())
    return {p.name: p for p in got.parts}, list(got.problems), got


def outlook(name: str | None = "image001.png") -> bytes:
    """Outlook's: multipart/related around the alternatives, the picture inline and named."""
    return make_message(to=("x@gmail.com",), body="The list as it stands:\n",
                        pasted=((name, "image/png", screenshot()),))


def thunderbird() -> bytes:
    """Thunderbird's and Apple Mail's: the related parts inside the HTML alternative."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example-council.gov.uk", "x@gmail.com", "List"
    msg.set_content("The list as it stands:\n")
    msg.add_alternative('<p>The list as it stands:</p><img src="cid:abc">', subtype="html")
    [_, rich] = msg.get_payload()
    rich.add_related(screenshot(), maintype="image", subtype="png", cid="<abc>",
                     disposition="inline", filename="cases.png")
    return msg.as_bytes()


def bare() -> bytes:
    """A picture with no name and no disposition, in multipart/mixed after the text."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example-council.gov.uk", "x@gmail.com", "List"
    msg.set_content("The list as it stands:\n")
    msg.add_attachment(screenshot(), maintype="image", subtype="png")
    del msg.get_payload()[1]["Content-Disposition"]
    return msg.as_bytes()


@needs_ocr
@pytest.mark.parametrize("raw", [outlook(), outlook(None), thunderbird(), bare()],
                         ids=["outlook", "outlook-unnamed", "thunderbird", "unnamed-in-mixed"])
def test_a_screenshot_pasted_into_the_body_is_read_as_a_body_picture(raw):
    parts, problems, got = read(raw)
    assert problems == [] and got.attachments == ()  # a picture in the body, not a file
    picture = parts["body picture 1"]
    assert "12/03/2015" in picture.text and "943 476 5919" in picture.text
    assert not picture.is_attachment and picture.content_type == "image/png"
    assert parts["body"].text == "The list as it stands:\n"


@needs_ocr
def test_a_pasted_pictures_own_name_is_read_with_the_attached_files_names():
    # Thunderbird keeps the name of a picture dragged into the body
    raw = make_message(to=("x@gmail.com",), body="Below.", pasted=(
        ("Amy Reid DOB 12-03-2015.png", "image/png", screenshot()),))
    parts, _, _ = read(raw)
    assert parts["attachment names"].text == "Amy Reid DOB 12-03-2015.png"


@needs_ocr
def test_a_picture_pasted_into_an_attached_message_is_read_inside_it():
    inner = outlook()
    raw = make_message(to=("x@gmail.com",), body="Forwarded.",
                       attachments=(("list.eml", "message/rfc822", inner),))
    parts, problems, _ = read(raw)
    assert "943 476 5919" in parts["list.eml/body picture 1"].text
    assert problems == [] and "body picture 1" not in parts


@needs_ocr
def test_a_small_logo_and_a_banner_make_no_findings():
    # a signature under every message: the banner's slogan a special-category word each time
    # (no scheme's name the lexicon knows as about no one)
    logo = testdata.banner_of("Westshire Council", 160, 60, scale=1)
    banner = testdata.banner_of("Supporting staff living with dementia", 750)
    for picture, shape in ((logo, "small"), (banner, "strip")):
        width, height = ocr.image_size(picture)
        assert (width * height < Ocr().min_pixels) == (shape == "small")
        assert pasted.is_strip(width, height) == (shape == "strip")
    raw = make_message(to=("someone@gmail.com",), subject="Thursday",
                       body="See you at the meeting on Thursday.\n\nKind regards\n",
                       pasted=(("image001.png", "image/png", logo),
                               ("image002.png", "image/png", banner)))
    parts, problems, _ = read(raw)
    assert problems == [] and not [n for n in parts if n.startswith("body picture")]
    settings = Settings.model_validate({"detection": {"ner": False}})
    result = Scanner(settings).scan(raw, Envelope("a@example-council.gov.uk",
                                                  ("someone@gmail.com",)))
    assert result.evidence.findings == () and result.decision.rules == ()


@needs_ocr
def test_a_banner_on_every_message_is_read_by_tesseract_once(monkeypatch):
    banner = testdata.banner_of("Mindful Employer, the banner of the once test")
    runs = []
    real = ocr.Reader._run
    monkeypatch.setattr(ocr.Reader, "_run", lambda self, argv, *a, **k: (
        runs.append(argv), real(self, argv, *a, **k))[1])
    for n in range(3):
        read(make_message(to=("x@gmail.com",), body=f"Message {n}.",
                          pasted=(("image001.png", "image/png", banner),)))
    assert len(runs) == 1  # the second and third messages' banner came from the cache


@needs_ocr
def test_a_strip_cropped_from_a_case_list_is_read_for_its_dates_and_numbers():
    # a banner's shape, and what the reading is for
    strip = testdata.screenshot_of(CASES[:3], scale=2)
    width, height = ocr.image_size(strip)
    assert width * height >= Ocr().min_pixels and pasted.is_strip(width, height)
    parts, _, _ = read(make_message(to=("x@gmail.com",), body="These two:",
                                    pasted=(("image001.png", "image/png", strip),)))
    assert "943 476 5919" in parts["body picture 1"].text


@pytest.mark.parametrize("text, data", [
    ("Amy Reid 943 476 5919", True), ("DOB 12/03/2015", True), ("born 12 March 2015", True),
    ("QQ 12 34 56 C", True), ("Call 0300 123 4567", True),
    ("Disability Confident Employer", False), ("Disability Confident Leader 2024-2027", False),
    ("Investors in People Gold", False), ("Level 2", False)])
def test_a_strip_shows_data_by_a_number_or_a_date_not_a_year(text, data):
    assert pasted.shows_data(text) == data


@needs_ocr
def test_the_same_picture_shown_twice_is_read_once():
    shot = screenshot()
    raw = make_message(to=("x@gmail.com",), body="Before and after:", pasted=(
        ("image001.png", "image/png", shot), ("image002.png", "image/png", shot)))
    parts, problems, _ = read(raw, Ocr(max_pages=1))  # the second not counted against it
    assert problems == []
    assert "943 476 5919" in parts["body picture 1"].text and "body picture 2" not in parts


@needs_ocr
def test_pasted_pictures_past_the_messages_ocr_are_said_not_read():
    # pictures no other test has had read (and kept): the first one's reading takes the time
    fresh = [testdata.screenshot_of([(f"Allowance test {n}", "Opened"), *CASES[1:]])
             for n in (1, 2)]
    raw = make_message(to=("x@gmail.com",), body="Two lists:", pasted=(
        ("image001.png", "image/png", fresh[0]), ("image002.png", "image/png", fresh[1])))
    _, problems, _ = read(raw, Ocr(max_seconds=0.001))
    assert [(p.kind, p.part, p.detail) for p in problems] == [
        ("unscannable", "body picture 1", "image not read: OCR could not read it within the "
         "message's time for OCR (scan.ocr.max_seconds)"),
        ("unscannable", "body picture 2", "image not read: the message's 0.001 s of OCR were "
         "spent before it (scan.ocr.max_seconds)")]
    _, problems, _ = read(raw, Ocr(max_pages=1))
    assert [(p.kind, p.part, p.detail) for p in problems] == [
        ("unscannable", "body picture 2", "image not read: the message had 1 scanned pages "
         "and images read before it (scan.ocr.max_pages)")]


def test_with_ocr_off_a_pasted_picture_is_passed_over_as_an_attached_one_is():
    raw = make_message(to=("x@gmail.com",), body="Below.", pasted=(
        ("image001.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"0" * 64),))
    parts, problems, _ = read(raw, Ocr(enabled=False))
    assert problems == [] and set(parts) == {"subject", "body", "attachment names"}


def test_a_file_labelled_as_a_pasted_picture_is_read_as_the_file_it_is():
    rows = b"Child,NHS number\nAmy Reid,943 476 5919\n"
    raw = make_message(to=("x@gmail.com",), body="Below.", pasted=((None, "image/png", rows),))
    parts, _, got = read(raw)
    [name] = [a.name for a in got.attachments]
    assert "943 476 5919" in parts[name].text and name == "attachment-1"


def test_no_file_takes_a_pasted_pictures_name():
    raw = make_message(to=("x@gmail.com",), body="Below.", attachments=(
        ("body picture 1", "text/plain", b"NHS number 943 476 5919"),))
    parts, _, _ = read(raw)
    assert "943 476 5919" in parts["body picture 1 (2)"].text and "body picture 1" not in parts


def webmail(plain: bool) -> bytes:
    """A screenshot pasted in a web mail editor: written into the HTML as a data: address,
    with or without a plain-text twin."""
    shot = base64.encodebytes(screenshot()).decode()
    markup = f'<p>The list as it stands:</p><img src="data:image/png;base64,{shot}">'
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example-council.gov.uk", "x@gmail.com", "List"
    if plain:
        msg.set_content("The list as it stands:\n")
        msg.add_alternative(markup, subtype="html")
    else:
        msg.set_content(markup, subtype="html")
    return msg.as_bytes()


@needs_ocr
@pytest.mark.parametrize("plain", [True, False], ids=["with-plain-twin", "html-only"])
def test_a_screenshot_written_into_the_html_is_read_as_a_body_picture(plain):
    parts, problems, got = read(webmail(plain))
    assert problems == [] and got.attachments == ()
    picture = parts["body picture 1"]
    assert "943 476 5919" in picture.text and not picture.is_attachment
    assert picture.content_type == "image/png"


@needs_ocr
def test_a_screenshot_written_into_the_html_is_held_through_the_shipped_policy():
    # the leak it closes: a case list pasted in web mail to a personal address went unread
    settings = Settings.model_validate({"detection": {"ner": False}})
    result = Scanner(settings).scan(webmail(True), Envelope("a@example-council.gov.uk",
                                                            ("x@gmail.com",)))
    assert {f.part for f in result.evidence.findings} == {"body picture 1"}
    assert result.decision.verdict.value in ("hold", "reject")


@needs_ocr
def test_a_picture_inside_a_saved_html_page_is_read_as_part_of_the_file():
    shot = base64.b64encode(screenshot()).decode()
    page = f'<html><body><h1>Report</h1><img src="data:image/png;base64,{shot}"></body></html>'
    raw = make_message(to=("x@gmail.com",), body="Attached.",
                       attachments=(("report.html", "text/html", page.encode()),))
    parts, problems, _ = read(raw)
    picture = parts["report.html/picture 1"]
    assert "943 476 5919" in picture.text and picture.is_attachment
    assert problems == [] and "picture 1" not in parts["attachment names"].text


def test_with_ocr_off_a_picture_in_the_html_is_passed_over():
    parts, problems, _ = read(webmail(True), Ocr(enabled=False))
    assert problems == [] and not [n for n in parts if "picture" in n]


@needs_ocr
@pytest.mark.parametrize("rows, scale", [(1, 1.0), (1, 1.5), (3, 1.0), (3, 1.5)])
def test_a_row_or_three_cropped_from_a_case_list_at_ordinary_scaling_is_read(rows, scale):
    # under min_pixels (one row at 100%: 640 x 38), and went out unread
    crop = testdata.screenshot_of(CASES[1:1 + rows], scale=scale)
    width, height = ocr.image_size(crop)
    assert Ocr().crop_min_pixels <= width * height < Ocr().min_pixels
    parts, problems, got = read(make_message(to=("x@gmail.com",), body="This one:",
                                             pasted=(("image001.png", "image/png", crop),)))
    assert "943 476 5919" in parts["body picture 1"].text
    assert problems == [] and got.notes == ()


@needs_ocr
def test_a_one_row_crop_pasted_to_gmail_is_held_for_its_nhs_number():
    crop = testdata.screenshot_of(CASES[1:2])
    raw = make_message(to=("x@gmail.com",), body="This one:",
                       pasted=(("image001.png", "image/png", crop),))
    settings = Settings.model_validate({"detection": {"ner": False}})
    result = Scanner(settings).scan(raw, Envelope("a@example-council.gov.uk", ("x@gmail.com",)))
    assert ("UK_NHS", "body picture 1") in {(f.entity, f.part)
                                                for f in result.evidence.findings}
    assert result.decision.verdict.value in ("hold", "reject")


@needs_ocr
def test_a_small_badge_with_a_special_category_slogan_gives_no_words():
    badge = testdata.banner_of("Mental Health", 220, 80, scale=1)
    width, height = ocr.image_size(badge)
    assert Ocr().crop_min_pixels <= width * height < Ocr().min_pixels
    assert not pasted.is_strip(width, height)
    assert "Mental Health" in ocr.Reader(Ocr()).image(badge)  # read, and left out
    parts, problems, got = read(make_message(to=("x@gmail.com",), body="Thanks.",
                                             pasted=(("image001.png", "image/png", badge),)))
    assert "body picture 1" not in parts and problems == [] and got.notes == ()


@needs_ocr
def test_the_logos_of_a_long_thread_leave_the_screenshot_after_them_its_room():
    # half the message's OCR is kept from pictures under min_pixels
    logos = [testdata.banner_of(f"Partner {n} Trust", 160, 60, scale=1) for n in range(5)]
    raw = make_message(to=("x@gmail.com",), body="See below.", pasted=(
        *((f"image00{n}.png", "image/png", logo) for n, logo in enumerate(logos)),
        ("image009.png", "image/png", screenshot())))
    parts, problems, got = read(raw, Ocr(max_pages=4))
    assert "943 476 5919" in parts["body picture 6"].text and problems == []
    assert got.notes == ("3 small picture(s) not read (logos, or crops of a screen under "
                         "scan.ocr.min_pixels): half the message's OCR is kept for larger "
                         "ones, or OCR could not read them",)


@needs_ocr
def test_a_small_picture_ocr_fails_on_is_counted_not_held(monkeypatch):
    def fails(self, data, left=None):
        raise ocr.OcrFailed("OCR could not read it: damaged")
    monkeypatch.setattr(ocr.Reader, "image", fails)
    crop = testdata.screenshot_of(CASES[1:2])
    parts, problems, got = read(make_message(to=("x@gmail.com",), body="This one:",
                                             pasted=(("image001.png", "image/png", crop),)))
    assert problems == [] and got.notes[0].startswith("1 small picture(s) not read")


@needs_ocr
def test_crop_min_pixels_at_min_pixels_reads_nothing_smaller():
    crop = testdata.screenshot_of(CASES[1:2])
    parts, problems, got = read(make_message(to=("x@gmail.com",), body="This one:",
                                             pasted=(("image001.png", "image/png", crop),)),
                                Ocr(crop_min_pixels=Ocr().min_pixels))
    assert "body picture 1" not in parts and problems == [] and got.notes == ()
