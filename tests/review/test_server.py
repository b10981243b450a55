"""The review app in a real browser (Debian's Chromium, driven by Playwright), beside a real relay.

Sign in, see the held message, reveal it with a reason, release it, and see it arrive at the
sink; a reviewer cannot open the audit page; a form without its CSRF token is refused. And the
server itself, without a browser: what it logs of a page that fails.
Screenshots of the queue, message and dashboard pages go to docs/screenshots/ when
DLPGATE_UPDATE_SCREENSHOTS=1 (README shows them).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import smtplib
import time
from pathlib import Path

import pytest

from dlpgate.review.auth import hash_password
from dlpgate.store.sqlite import SQLiteStore
from dlpgate.testing import free_port, make_message

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "correct horse battery"
MESSAGE_PAGE = re.compile(r"/m/[0-9a-f]+$")


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's chromium not found at {CHROMIUM} (./scripts/dev test installs it)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


def shot(page, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("DLPGATE_UPDATE_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SHOTS / name)


def sign_in(page, base: str, name: str) -> None:
    page.goto(f"{base}/")
    assert "/login" in page.url
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("text=Sign in >> nth=-1")


def held_and_opened(browser, relay, port: int, sink, raw: bytes, to: str,
                    sender: str = "ot.team@example-council.gov.uk"):
    """`raw` sent through the real relay and held there, then opened by ann in the browser:
    the page of the message, loaded (the click returns before it has)."""
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        client.sendmail(sender, [to], raw)
    assert sink.delivered == []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, f"http://127.0.0.1:{port}", "ann")
    page.click("tbody a")
    page.wait_for_url(MESSAGE_PAGE)
    return page


@functools.cache
def hashed() -> str:
    """PASSWORD's hash at the real cost, once for the module's accounts (half a second each)."""
    return hash_password(PASSWORD)


def relay_with_review(make_settings, relay_factory, sections: dict | None = None,
                      **people: tuple[str, ...]):
    """A real relay with its review app on a free port, and these accounts (name=roles);
    `sections`: more settings."""
    port = free_port()
    sections = dict(sections or {})
    settings = make_settings(review={"enabled": True, "listen": f"127.0.0.1:{port}",
                                     "secure_cookies": False, **sections.pop("review", {})},
                             **sections)
    users = SQLiteStore(settings.storage.url)
    for name, roles in people.items():
        users.save_user(name, hashed(), roles)
    users.close()
    return relay_factory(settings), port


def test_a_reviewer_reveals_and_releases_a_held_message_in_the_browser(
        make_settings, relay_factory, sink, tmp_path, browser):
    relay, port = relay_with_review(make_settings, relay_factory, ann=("reviewer",),
                                    audrey=("auditor",))
    raw = make_message(to=("jane.family@gmail.com",), subject="Assessment for Amelia",
                       body="Dear Priya,\nAmelia Reid, NHS number 943 476 5919, was diagnosed "
                            "with epilepsy in March.\nPlease see the care plan.\n")
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        client.sendmail("ot.team@example-council.gov.uk", ["jane.family@gmail.com"], raw)
    assert sink.delivered == []
    base = f"http://127.0.0.1:{port}"
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    sign_in(page, base, "ann")
    assert page.locator("h1").inner_text() == "Held messages"
    assert page.locator("tbody tr").count() == 1
    assert "special-category-to-unexpected-recipient" in page.locator("tbody").inner_text()
    shot(page, tmp_path, "review-queue.png")

    page.click("tbody a")
    page.wait_for_url(MESSAGE_PAGE)  # the click returns before the message page has loaded
    assert "943 476 5919" not in page.content()
    # the name the greeting gives is masked in the recipient's signals, as the findings are
    assert "greeting P\u2022\u2022\u2022\u2022 but no recipient" in page.content()
    assert "Priya" not in page.content()
    page.fill("input[name=reason]", "checking the address with the sender")
    page.click("text=Show the content")
    # the kind found is said after the value, to a screen reader too (a title is read by few)
    assert page.locator("mark[title='NHS number']").text_content() == "943 476 5919 (NHS number)"
    shot(page, tmp_path, "review-message.png")

    page.locator("form[action$='/release'] input[name=comment]").fill("address confirmed")
    page.click("text=Release to all recipients")
    assert page.locator("#state").inner_text().startswith("released")
    [got] = sink.delivered
    assert got.rcpt_tos == ["jane.family@gmail.com"] and got.data.endswith(raw)

    page.goto(f"{base}/dashboard")  # the release counts for its rules and recipient signals
    webmail = page.locator("tr:has(td:text-is('personal-webmail'))")
    assert webmail.locator("td").all_inner_texts() == ["personal-webmail", "1", "1"]
    shot(page, tmp_path, "review-dashboard.png")

    page.goto(f"{base}/audit")
    assert "needs the auditor role" in page.content()


def test_forty_carers_in_to_are_one_recipients_row_their_addresses_a_click_away(
        make_settings, relay_factory, sink, tmp_path, browser):
    relay, port = relay_with_review(make_settings, relay_factory, ann=("reviewer",))
    carers = [f"carer{i}@{('gmail.com', 'hotmail.co.uk', 'yahoo.co.uk')[i % 3]}"
              for i in range(40)]
    raw = make_message(to=tuple(carers), subject="Foster carers' summer BBQ",
                       body="Dear all,\nJoin us for the foster carers' summer BBQ.\n")
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        client.sendmail("fostering@example-council.gov.uk", carers, raw)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, f"http://127.0.0.1:{port}", "ann")
    page.click("tbody a")
    page.wait_for_url(MESSAGE_PAGE)
    rows = page.locator("table:has(th:text-is('Signals')) tbody tr")
    assert rows.count() == 1
    assert "bulk-exposure" in rows.inner_text()
    assert page.get_by_text("carer39@yahoo.co.uk", exact=True).first.is_hidden()
    page.click("text=40 recipients with the same signals")
    assert page.locator("ul.addresses li").count() == 40
    assert page.locator("ul.addresses li").nth(39).is_visible()
    # releasing to some of forty is a choice made on purpose: folded until asked for
    assert page.locator("input[name=rcpt]").first.is_hidden()
    page.click("text=Or release to only some of the 40 recipients")
    assert page.locator("input[name=rcpt]").count() == 40
    assert page.locator("input[name=rcpt]").first.is_visible()
    shot(page, tmp_path, "review-bulk.png")


def test_a_reviewers_own_held_message_is_left_for_another_reviewer_in_the_browser(
        make_settings, relay_factory, sink, tmp_path, browser):
    # the account is named by its address, as a signing-in proxy names people
    me = "ot.lead@example-council.gov.uk"
    relay, port = relay_with_review(make_settings, relay_factory, **{me: ("reviewer",)},
                                    ann=("reviewer",))
    raw = make_message(sender=me, to=("x@gmail.com",),
                       body="NHS 943 476 5919: diagnosed with asthma.\n")
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        client.sendmail(me, ["x@gmail.com"], raw)
    base = f"http://127.0.0.1:{port}"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, base, me)
    page.click("tbody a")
    page.wait_for_url(MESSAGE_PAGE)
    assert "You sent this message: another reviewer decides" in page.content()
    assert page.locator("form[action$='/release']").count() == 0
    assert page.locator("form[action$='/reject']").count() == 1
    shot(page, tmp_path, "review-own-message.png")
    page.goto(f"{base}/")
    page.check("tbody input[name=ids]")
    page.locator("fieldset.bulk input[name=comment]").fill("it is fine")
    page.click("fieldset.bulk button[value=release]")
    page.wait_for_url(re.compile(r".*/\?n=release.*"))  # the click returns before it lands
    page.wait_for_load_state()
    assert "0 of 1 released. 1 you sent was left for another reviewer." in page.content()
    assert sink.delivered == []
    page.context.clear_cookies()
    sign_in(page, base, "ann")
    page.click("tbody a")
    page.wait_for_url(MESSAGE_PAGE)
    page.locator("form[action$='/release'] input[name=comment]").fill("checked with the lead")
    page.click("text=Release to all recipients")
    assert page.locator("#state").inner_text().startswith("released")
    assert len(sink.delivered) == 1


def test_a_held_scan_shows_its_pages_nhs_number_masked_then_revealed_in_the_browser(
        make_settings, relay_factory, sink, tmp_path, browser, ocr_installed):
    from dlpgate import testdata

    relay, port = relay_with_review(make_settings, relay_factory, ann=("reviewer",))
    scan = testdata.make_scanned_pdf(["Referral to the Early Help Hub",
                                      "Child: Amelia Reid\nNHS number: 943 476 5919\n"
                                      "Date of birth: 04/05/2016"])
    raw = make_message(to=("jane.family@gmail.com",), subject="Referral",
                       body="Please see the attached.\n",
                       attachments=(("scan0001.pdf", "application/pdf", scan),))
    page = held_and_opened(browser, relay, port, sink, raw, "jane.family@gmail.com")
    found = page.locator("ul.findings li").all_inner_texts()
    assert "\u2022\u2022\u2022 \u2022\u2022\u2022 \u2022919 in attachment 1 (.pdf)" in found
    assert "943 476 5919" not in page.content()
    page.fill("input[name=reason]", "checking the referral's recipient")
    page.click("text=Show the content")
    assert page.locator("mark[title='NHS number']").inner_text().startswith("943 476 5919")
    shot(page, tmp_path, "review-scanned.png")


def test_a_form_without_its_csrf_token_is_refused_in_the_browser(
        make_settings, relay_factory, sink, tmp_path, browser):
    relay, port = relay_with_review(make_settings, relay_factory, ann=("reviewer",))
    raw = make_message(to=("x@gmail.com",), body="NHS 943 476 5919: diagnosed with asthma.\n")
    # on the message page, else the tokens removed are the queue page's
    page = held_and_opened(browser, relay, port, sink, raw, "x@gmail.com",
                           sender="a@example-council.gov.uk")
    page.evaluate("document.querySelectorAll('input[name=csrf]').forEach(e => e.remove())")
    page.locator("form[action$='/release'] input[name=comment]").fill("no token")
    page.click("text=Release to all recipients")
    page.wait_for_url(re.compile(r".*/release$"))  # the click returns before the answer lands
    page.wait_for_load_state()
    assert "security token is missing" in page.content()
    assert sink.delivered == []


def test_an_admin_answers_an_erasure_request_in_the_browser(
        make_settings, relay_factory, sink, tmp_path, browser):
    relay, port = relay_with_review(make_settings, relay_factory, root=("admin",))
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        client.sendmail("kw@example-council.gov.uk", ["sarah.jones@nhs.net"],
                        make_message(sender="kw@example-council.gov.uk",
                                     to=("sarah.jones@nhs.net",), subject="Visit on Tuesday",
                                     body="Thanks for the notes from Tuesday's visit.\n"))
    assert len(sink.delivered) == 1
    store = SQLiteStore(relay.settings.storage.url)
    deadline = time.monotonic() + 30  # the relay learns what it sent in the background
    while not store.addressed(["sarah.jones@nhs.net"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, f"http://127.0.0.1:{port}", "root")
    page.click("nav >> text=History")
    page.fill("input[name=address]", "sarah.jones@nhs.net")
    page.fill("input[name=reason]", "ER-2026-7")
    page.click("text=Look up")
    assert page.locator("#held").inner_text() == "sarah.jones@nhs.net"
    assert "kw@example-council.gov.uk" in page.locator("tbody").inner_text()
    shot(page, tmp_path, "review-history.png")
    page.check("input[name=confirm]")
    page.click("button:text-is('Erase')")
    assert page.locator("#forgotten").inner_text().startswith(
        "Erased sarah.jones@nhs.net: 1 correspondence row(s)")
    assert store.addressed(["sarah.jones@nhs.net"]) == {}
    assert [e.action for e in store.audit_log(actor="web:root")][:2] == [
        "history-forget", "history-show"]
    store.close()


def test_a_reviewer_sees_what_the_scan_left_unread_on_the_message_page(
        make_settings, relay_factory, sink, tmp_path, browser, ocr_installed):
    from dlpgate import testdata

    relay, port = relay_with_review(make_settings, relay_factory,
                                    {"scan": {"workers": 0, "ocr": {"max_pages": 2}}},
                                    ann=("reviewer",))
    logos = [testdata.banner_of(f"Partner {n} Trust", 160, 60, scale=1) for n in range(3)]
    raw = make_message(to=("jane.family@gmail.com",), subject="Assessment",
                       body="Amelia Reid, NHS number 943 476 5919, has epilepsy.\n",
                       pasted=tuple((f"image00{n}.png", "image/png", logo)
                                    for n, logo in enumerate(logos)))
    page = held_and_opened(browser, relay, port, sink, raw, "jane.family@gmail.com")
    assert page.locator("ul.unread li").all_inner_texts() == [
        "2 small picture(s) were not read: logos, or small cut-outs of a screen, left for the "
        "larger pictures or not readable. A cut-out of a case list can hold a name and a "
        "number: look at them if the message has any you have not seen."]
    shot(page, tmp_path, "review-message-unread.png")


def given_up_and_opened(browser, relay, port: int, sink, monkeypatch, raw: bytes, to: str):
    """`raw` given up on by the real relay as tests/ingress/test_attempts.py does it (its scan
    made to fail relay.max_scan_attempts times, as a crashing reader would), so held unread;
    then opened by ann, and a reason given to read it."""
    def scan(*args, **kwargs):
        raise MemoryError  # what a reader gone wild on hostile bytes raises

    monkeypatch.setattr(relay.relay.scanner.scanner, "scan", scan)
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        _refused(client, raw, to)
        _refused(client, raw, to)
        client.sendmail("ot.team@example-council.gov.uk", [to], raw)  # held: 250
    assert sink.delivered == []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, f"http://127.0.0.1:{port}", "ann")
    page.click("tbody a")
    page.wait_for_url(MESSAGE_PAGE)
    assert "could be checked" in page.locator("ul.reasons").inner_text()
    page.fill("input[name=reason]", "the sender says it is her care plan")
    page.click("text=Show the content")
    page.wait_for_selector("#content")
    return page


def _refused(client, raw: bytes, to: str) -> None:
    """One attempt the relay answers 451 (the scan failed, and may yet not)."""
    client.ehlo_or_helo_if_needed()
    client.mail("ot.team@example-council.gov.uk")
    client.rcpt(to)
    assert client.data(raw)[0] == 451
    client.rset()


def test_a_message_no_scan_survived_is_opened_for_the_reviewer_in_the_browser(
        make_settings, relay_factory, sink, tmp_path, browser, monkeypatch):
    relay, port = relay_with_review(make_settings, relay_factory, {"scan": {"workers": 0}},
                                    ann=("reviewer",))
    raw = make_message(to=("jane.family@gmail.com",), subject="Care plan for Amelia",
                       body="Dear Jane,\nAmelia's plan is attached, as we agreed.\n",
                       attachments=(("Amelia plan.pdf", "application/pdf", b"%PDF" * 768),))
    page = given_up_and_opened(browser, relay, port, sink, monkeypatch, raw,
                               "jane.family@gmail.com")
    headers = dict(zip(page.locator("#opened-headers dt").all_inner_texts(),
                       page.locator("#opened-headers dd").all_inner_texts(), strict=True))
    assert headers["Subject"] == "Care plan for Amelia"
    assert page.locator("#outline tr:has-text('Amelia plan.pdf') td").all_inner_texts() == [
        "1.2", "application/pdf", "Amelia plan.pdf", "3.0 KB"]
    assert page.locator("pre.content").inner_text().startswith(
        "Dear Jane,\nAmelia's plan is attached, as we agreed.")
    assert page.locator("#outline").evaluate("e => e.closest('[role=region]').tabIndex") == 0
    shot(page, tmp_path, "review-message-given-up.png")
    page.locator("form[action$='/release'] input[name=comment]").fill("her own care plan")
    page.click("text=Release to all recipients")
    assert page.locator("#state").inner_text().startswith("released")
    [got] = sink.delivered
    assert got.data.endswith(raw)


def test_a_message_no_scan_survived_that_cannot_be_opened_in_time_is_still_decided(
        make_settings, relay_factory, sink, tmp_path, browser, monkeypatch):
    relay, port = relay_with_review(make_settings, relay_factory, {
        "scan": {"workers": 0}, "review": {"open_timeout": 0.001}}, ann=("reviewer",))
    raw = make_message(to=("jane.family@gmail.com",), subject="Care plan for Amelia",
                       body="Amelia's plan.\n")
    page = given_up_and_opened(browser, relay, port, sink, monkeypatch, raw,
                               "jane.family@gmail.com")
    assert page.locator("#not-opened").inner_text().startswith(
        "This message could not be opened for display: it ran out of time.")
    assert "Amelia" not in page.locator("main").inner_text()
    shot(page, tmp_path, "review-message-not-opened.png")
    page.locator("form[action$='/reject'] input[name=comment]").fill("cannot tell what it is")
    page.click("button:text-is('Reject')")
    assert page.locator("#state").inner_text().startswith("rejected")
    assert sink.delivered == []


def focused(page) -> str:
    """The focused element as a keyboard user meets it: its tag and its words."""
    return page.evaluate("(() => { const e = document.activeElement; return e.tagName + ' ' + "
                         "(e.getAttribute('aria-label') || e.innerText || e.name || '')"
                         ".trim().slice(0, 60); })()")


def outline(page) -> str:
    return page.evaluate("getComputedStyle(document.activeElement).outlineStyle + ' ' + "
                         "getComputedStyle(document.activeElement).outlineWidth")


def test_a_reviewer_works_a_held_message_with_the_keyboard_alone(
        make_settings, relay_factory, sink, tmp_path, browser):
    relay, port = relay_with_review(make_settings, relay_factory, ann=("reviewer",))
    raw = make_message(to=("jane.family@gmail.com",), subject="Assessment",
                       body="Amelia Reid, NHS number 943 476 5919, has epilepsy.\n")
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        client.sendmail("ot.team@example-council.gov.uk", ["jane.family@gmail.com"], raw)
    base = f"http://127.0.0.1:{port}"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/")
    page.wait_for_function("document.activeElement.name === 'username'")  # it has the focus
    page.keyboard.type("ann")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")
    # the first stop skips the header, is seen when it has the focus, and lands in the page
    page.keyboard.press("Tab")
    assert focused(page) == "A Skip to the page's content"
    assert page.locator("a.skip").bounding_box()["height"] > 10
    assert outline(page) == "solid 3px"
    shot(page, tmp_path, "review-keyboard-skip.png")
    page.keyboard.press("Enter")
    assert focused(page).startswith("MAIN")
    stops = []
    for _ in range(7):
        page.keyboard.press("Tab")
        stops.append(focused(page))
    assert [s.split()[0] for s in stops[:2]] == ["SELECT", "SELECT"]  # state, rule
    assert stops[2:4] == ["INPUT q", "BUTTON Filter"]
    assert stops[4] == "DIV " + page.locator("div.scroll").inner_text().strip()[:60]
    assert stops[5].startswith("INPUT select the message from ot.team@")
    assert stops[6] == "A ot.team@example-council.gov.uk"
    page.keyboard.press("Enter")
    page.wait_for_url(MESSAGE_PAGE)
    # to the reason, the content shown where it begins, and the note, keys only
    page.locator("input[name=reason]").focus()
    page.keyboard.type("checking the address with the sender")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/reveal#content$"))
    page.wait_for_load_state()
    assert page.evaluate("document.querySelector('#content').getBoundingClientRect().top") < 100
    page.locator("textarea[name=note]").focus()
    page.keyboard.type("Phoned the sender; she is checking the address.")
    page.keyboard.press("Tab")
    assert focused(page) == "BUTTON Add the note"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/note#notes$"))
    page.wait_for_load_state()
    assert page.locator("ul.notes li").inner_text().endswith(
        "web:ann: Phoned the sender; she is checking the address.")
    shot(page, tmp_path, "review-note.png")
    assert sink.delivered == []


def test_the_pages_fit_a_narrow_window_without_scrolling_sideways(
        make_settings, relay_factory, sink, tmp_path, browser):
    # WCAG 2.2 1.4.10: at 320 CSS pixels (a phone, or 400% zoom) the header ran off the right
    # and the message's facts past it; the queue's columns broke every word a letter a line
    relay, port = relay_with_review(make_settings, relay_factory, ann=("reviewer",))
    raw = make_message(to=("councillor.home.address@gmail.com",),
                       subject="OFFICIAL-SENSITIVE: budget", body="Options for discussion.\n")
    page = held_and_opened(browser, relay, port, sink, raw, "councillor.home.address@gmail.com",
                           sender="finance.business.partner@example-council.gov.uk")
    page.set_viewport_size({"width": 320, "height": 640})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    shot(page, tmp_path, "review-message-narrow.png")
    page.goto(f"http://127.0.0.1:{port}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    # the table scrolls in its own region, which the keyboard can reach; its headings whole
    region = page.locator("div.scroll")
    assert region.get_attribute("tabindex") == "0"
    lines = page.evaluate("""[...document.querySelectorAll('th')].map(th => {
        const r = document.createRange(); r.selectNodeContents(th);
        return [th.innerText, new Set([...r.getClientRects()].map(b => b.top)).size]; })""")
    assert dict(lines)["Age"] == 1 and dict(lines)["State"] == 1  # was "Ag/e", "St/at/e"
    shot(page, tmp_path, "review-queue-narrow.png")


def test_a_release_sent_after_the_session_lapsed_returns_to_the_message_not_an_error(
        make_settings, relay_factory, sink, tmp_path, browser):
    relay, port = relay_with_review(make_settings, relay_factory, ann=("reviewer",))
    raw = make_message(to=("x@gmail.com",), body="NHS 943 476 5919: diagnosed with asthma.\n")
    page = held_and_opened(browser, relay, port, sink, raw, "x@gmail.com")
    message = page.url
    page.locator("form[action$='/release'] input[name=comment]").fill("checked with her GP")
    store = SQLiteStore(relay.settings.storage.url)
    store.end_sessions(username="ann")  # idle past review.idle_timeout while she typed
    store.close()
    page.click("text=Release to all recipients")
    page.wait_for_url(re.compile(r".*/login\?next=.*"))
    assert page.locator("p.notice").inner_text().startswith(
        "Your session had ended before that reached the server, so nothing was done.")
    shot(page, tmp_path, "review-session-ended.png")
    page.fill("input[name=username]", "ann")
    page.fill("input[name=password]", PASSWORD)
    page.click("text=Sign in >> nth=-1")
    page.wait_for_url(message)  # was "Method Not Allowed", at /m/ID/release
    assert page.locator("#state").inner_text() == "held" and sink.delivered == []


def test_an_auditor_signs_in_to_the_audit_trail_in_the_browser(
        make_settings, relay_factory, sink, tmp_path, browser):
    relay, port = relay_with_review(make_settings, relay_factory, audrey=("auditor",))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, f"http://127.0.0.1:{port}", "audrey")
    page.wait_for_url(re.compile(r".*/audit$"))
    assert page.locator("h1").inner_text() == "Audit trail"
    assert page.locator("nav a[aria-current=page]").inner_text() == "Audit"


def test_a_page_that_fails_is_logged_as_one_json_line_without_its_messages_words(capfd):
    # uvicorn's own log handlers printed the whole traceback to stderr, past the logs'
    # masking: the exception's words (a file named after a child, an address) with it
    import asyncio
    import io
    import json

    import httpx
    from starlette.applications import Starlette
    from starlette.routing import Route

    from dlpgate.config import Logging
    from dlpgate.obs import configure
    from dlpgate.review.server import AppServer

    async def fails(request):
        raise KeyError("no item named 'Amelia-Reid-care-plan.docx' for sarah.khan@nhs.net")

    async def fetch() -> int:
        port = free_port()
        server = AppServer(Starlette(routes=[Route("/", fails)]), f"127.0.0.1:{port}")
        await server.start()
        try:
            async with httpx.AsyncClient() as client:
                return (await client.get(f"http://127.0.0.1:{port}/")).status_code
        finally:
            await server.stop()

    stream = io.StringIO()
    configure(Logging(), stream=stream)
    try:
        assert asyncio.run(fetch()) == 500
    finally:
        configure(Logging())
    printed = capfd.readouterr()
    assert "Amelia" not in stream.getvalue() + printed.out + printed.err
    [event] = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert (event["logger"], event["error"]) == ("uvicorn.error", "KeyError")


def run_alone(tmp_path, config: dict) -> tuple[int, str]:
    """`dlpgate review` with `config` and a listen port of its own, until it listens, then
    SIGTERM: the port and what it wrote to stderr (its JSON log lines)."""
    import signal
    import subprocess
    import sys

    import yaml

    from dlpgate.testing import wait_for_port

    port = free_port()
    cfg = tmp_path / "review.yaml"
    cfg.write_text(yaml.safe_dump({**config, "review": {"listen": f"127.0.0.1:{port}"}}))
    proc = subprocess.Popen([sys.executable, "-m", "dlpgate", "review", "--config", str(cfg)],
                            stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
    return port, proc.stderr.read().decode()


def test_the_app_run_alone_says_when_it_listens_and_stops_on_sigterm(tmp_path):
    # `dlpgate review` wrote nothing at all: a running app and a hung one looked the same
    import json

    port, text = run_alone(tmp_path, {"storage": {"url": f"sqlite:///{tmp_path / 'r.db'}"}})
    events = [json.loads(line) for line in text.splitlines()]
    assert [e["event"] for e in events] == ["review_listening", "stopping", "stopped"]
    assert events[0]["listen"] == f"127.0.0.1:{port}" and events[1]["signal"] == "SIGTERM"


def test_the_app_run_alone_on_a_node_left_behind_a_key_rotation_says_so_at_start(tmp_path):
    # serve said so at start and `dlpgate review` did not: every reviewer's action there is
    # an audit entry signed with the old key, said only at the first one
    import json

    from dlpgate.store.auditkeys import key_id
    from dlpgate.store.base import AuditEntry, open_store

    old = "the key every node had, thirty-two characters"
    new = "the key rolled out, also long enough"
    url = f"sqlite:///{tmp_path / 'r.db'}"
    for key, retired in ((old, ()), (new, (old,))):
        store = open_store(url, key, retired)
        store.audit(AuditEntry("web:ann", "reveal", "m1", reason="case", via="web", at=1.7e9))
        store.close()
    _, text = run_alone(tmp_path, {"storage": {"url": url}, "quarantine": {"audit_key": old}})
    events = [json.loads(line) for line in text.splitlines()]
    [said] = [e for e in events if e["event"] == "audit_key_behind"]
    assert said["level"] == "error" and said["chain_keys"] == [key_id(new.encode())]
    assert old not in text and new not in text
