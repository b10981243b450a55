"""The queue: a page of held messages at a time, searched and counted over all of them."""

from __future__ import annotations

import dataclasses
import functools
import re
import time

import pytest
from starlette.testclient import TestClient

from dlpgate.config import Settings
from dlpgate.pipeline import Scanner
from dlpgate.review import auth
from dlpgate.review.app import create_app
from dlpgate.review.queue import PAGE, asked
from dlpgate.store.base import HeldMessage
from dlpgate.store.sqlite import SQLiteStore
from dlpgate.testing import make_envelope, make_message


@functools.cache
def template() -> HeldMessage:
    """One held message, scanned once; the queue's rows are copies of it under other ids."""
    scanner = Scanner(Settings.model_validate({
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
        "detection": {"ner": False}}))
    raw = make_message(to=("carer@gmail.com",), body="NHS number 943 476 5919: epilepsy.\n")
    result = scanner.scan(raw, make_envelope(raw))
    return HeldMessage.of(result, make_envelope(raw), raw, 0.0)


@pytest.fixture
def world(tmp_path):
    store = SQLiteStore(f"sqlite:///{tmp_path / 'r.db'}")
    store.save_user("ann", "unused", ("reviewer",))  # signed in below, with no password
    settings = Settings.model_validate({"storage": {"url": f"sqlite:///{tmp_path / 'r.db'}"},
                                        "review": {"secure_cookies": False}})
    yield store, settings
    store.close()


def hold(store, n: int, start: float, **changed) -> None:
    for i in range(n):
        store.hold(dataclasses.replace(template(), id=f"{changed.get('state', 'held')}{i:05d}",
                                       created=start + i,
                                       mail_from=f"worker{i}@example-council.gov.uk",
                                       rcpt_tos=(f"resident{i}@gmail.com",), **changed))


def signed_in(store, settings) -> TestClient:
    token = auth.new_token()
    store.create_session(auth.token_hash(token), "ann", auth.new_token(),
                         store.get_user("ann").generation)
    c = TestClient(create_app(settings, store), follow_redirects=False)
    c.cookies.set("dlpgate_session", token)
    return c


def rows(page: str) -> list[str]:
    return re.findall(r'<a href="/m/([^"]+)">', page)


def test_two_hundred_held_messages_are_shown_a_hundred_at_a_time_oldest_first(world):
    store, settings = world
    hold(store, 205, time.time() - 86400)
    ann = signed_in(store, settings)
    first = ann.get("/").text
    assert rows(first) == [f"held{i:05d}" for i in range(PAGE)]
    assert "Messages 1 to 100 of 205, oldest first." in first
    assert '<a href="/?page=2" rel="next">Next page</a>' in first and 'rel="prev"' not in first
    last = ann.get("/?page=3").text
    assert rows(last) == [f"held{i:05d}" for i in range(200, 205)]
    assert "Messages 201 to 205 of 205" in last and 'rel="next"' not in last
    assert '<a href="/?page=2" rel="prev">Previous page</a>' in last
    # each page's showing is on the trail with how many matched in all, and which page
    trail = [e.detail for e in store.audit_log(action="list")]
    assert trail == ["state=open; 205 found; page 3", "state=open; 205 found"]


def test_a_search_finds_a_message_past_the_oldest_two_thousand(world):
    store, settings = world
    hold(store, 2001, time.time() - 30 * 86400, state="released")
    ann = signed_in(store, settings)
    # the newest first, where someone looking a decided message up starts
    assert rows(ann.get("/?state=all").text)[:2] == ["released02000", "released01999"]
    found = ann.get("/?state=all&q=RESIDENT2000@gmail.com").text
    assert rows(found) == ["released02000"]
    assert "Messages 1 to 1 of 1, newest first." in found
    [search] = store.audit_log(action="search")
    assert (search.reason, search.detail) == ("resident2000@gmail.com", "state=all; 1 found")


def test_the_pages_keep_the_filters_and_a_rule_is_its_whole_id(world):
    store, settings = world
    hold(store, 120, time.time() - 86400, rules=("identifiers-leaving",))
    store.hold(dataclasses.replace(template(), id="other", rules=("identifiers-leaving-x",)))
    ann = signed_in(store, settings)
    page = ann.get("/?rule=identifiers-leaving&q=worker1").text
    assert "of 31," in page and "other" not in rows(page)  # worker1, worker10-19, 100-119
    assert ann.get("/?rule=identifiers-leaving").text.count(
        'href="/?rule=identifiers-leaving&amp;page=2"') == 2  # above the table and below
    assert '<option selected>identifiers-leaving</option>' in page


def test_what_the_queue_is_asked_is_read_as_the_store_is_asked_it():
    assert asked({}) == ("open", "", "", 1)
    assert asked({"state": "all", "q": " Jo\x00.Smith ", "page": "3"}) == ("all", "jo.smith",
                                                                          "", 3)
    for page in ("0", "-1", "two", "9" * 12, ""):
        assert asked({"page": page})[3] == 1
    with pytest.raises(ValueError):
        asked({"state": "everything"})


def test_the_queue_names_what_was_found_in_the_words_of_the_messages_page(world):
    store, settings = world
    settings = Settings.model_validate({
        **settings.model_dump(mode="json", exclude_unset=True),
        "detection": {"case_references": [{"name": "Mosaic case ID",
                                           "pattern": r"\bMC-\d{6}\b"}]}})
    findings = template().findings
    [nhs] = [f for f in findings if f["entity"] == "UK_NHS"]
    store.hold(dataclasses.replace(template(), id="named", findings=(
        nhs, nhs, {**nhs, "entity": "UK_CASE_REFERENCE"}, {**nhs, "entity": "SITE_THING"})))
    ann = signed_in(store, settings)
    queue = ann.get("/").text
    message = ann.get("/m/named").text
    # one table for both pages, the council's own reference by the name it gave it; a kind
    # the table does not know by its own name
    assert "<td>NHS numbers: 2, Mosaic case ID: 1, SITE_THING: 1</td>" in queue
    assert "UK_NHS" not in queue
    assert "<h3>NHS numbers (UK_NHS): 2 found" in message
    assert "<h3>Mosaic case ID (UK_CASE_REFERENCE): 1 found" in message


def test_one_of_a_kind_is_named_in_the_singular_on_the_queue_and_the_messages_page(world):
    store, settings = world
    settings = Settings.model_validate({
        **settings.model_dump(mode="json", exclude_unset=True),
        "detection": {"case_references": [{"name": "Mosaic case ID",
                                           "pattern": r"\bMC-\d{6}\b"}]}})
    [nhs] = [f for f in template().findings if f["entity"] == "UK_NHS"]
    store.hold(dataclasses.replace(template(), id="one", findings=(
        nhs, {**nhs, "entity": "DATE_OF_BIRTH"}, {**nhs, "entity": "UK_CASE_REFERENCE"},
        {**nhs, "entity": "UNSCANNABLE"}, {**nhs, "entity": "SITE_THING"})))
    ann = signed_in(store, settings)
    queue = ann.get("/").text
    message = ann.get("/m/one").text
    # "NHS numbers: 1" read as if more than one had been found; a council's own name and a
    # kind the table does not know stay as they are
    assert ("<td>NHS number: 1, Date of birth or age: 1, Mosaic case ID: 1, Could not be read: 1, "
            "SITE_THING: 1</td>") in queue
    assert "<h3>NHS number (UK_NHS): 1 found" in message
    assert "<h3>Date of birth or age (DATE_OF_BIRTH): 1 found" in message


def test_a_row_names_the_rules_that_held_the_message_and_counts_those_asking_for_less(world):
    # a child-protection report to the wrong Sarah matched thirteen rules, and the queue and
    # the page's heading named all thirteen: the four that held it were lost among nine
    # asking the sender to confirm or only to log
    store, settings = world
    store.hold(dataclasses.replace(template(), id="cp"))
    ann = signed_in(store, settings)
    queue = ann.get("/").text
    assert ('<td>special-category-to-unexpected-recipient <span class="quiet">and 4 more '
            'asking for less</span></td>') in queue
    # found by a rule that asked for less: the row says so
    assert ('<td>special-category-to-unexpected-recipient, identifiers-leaving <span '
            'class="quiet">and 3 more asking for less</span></td>'
            ) in ann.get("/?rule=identifiers-leaving").text
    message = ann.get("/m/cp").text
    assert "<h1>Held: special-category-to-unexpected-recipient</h1>" in message
    assert ("Other rules matched too (special-category-about-named-person-to-new-webmail, "
            "special-category-leaving, identifiers-to-new-webmail, identifiers-leaving), asking "
            "for less than hold") in message


def test_a_hold_whose_matches_were_not_kept_names_all_its_rules(world):
    store, settings = world
    store.hold(dataclasses.replace(template(), id="old", matches=()))
    queue = signed_in(store, settings).get("/").text
    assert ("<td>special-category-to-unexpected-recipient, special-category-about-named-person-"
            "to-new-webmail, special-category-leaving, identifiers-to-new-webmail, "
            "identifiers-leaving</td>") in queue
