"""The review app's history page: an admin answers a subject access or erasure request."""

from __future__ import annotations

import json

from dlpgate.history import Pair

from .test_app import csrf, scanner, signed_in, world  # noqa: F401  (fixtures)

ADDRESS = "sarah.jones@nhs.net"


def _learned(store) -> None:
    store.learn([Pair("kw@example-council.gov.uk", ADDRESS, 1_700_000_000.0, count=4),
                 Pair("kw@example-council.gov.uk", "carer@oldmail.org", 1_700_000_000.0)])
    store.learn_profiles([("kw@example-council.gov.uk", ADDRESS, (1, 2, 3))])


def test_only_an_admin_reaches_the_history_page(world):  # noqa: F811
    ann, audrey, root = (signed_in(world, n) for n in ("ann", "audrey", "root"))
    assert [c.get("/history").status_code for c in (ann, audrey, root)] == [403, 403, 200]
    assert 'href="/history"' in root.get("/dashboard").text
    assert 'href="/history"' not in ann.get("/dashboard").text


def test_a_lookup_needs_a_reason_and_is_audited_without_the_address(world):  # noqa: F811
    store = world["store"]
    _learned(store)
    root = signed_in(world, "root")
    token = csrf(root.get("/history").text)
    assert root.post("/history", data={"address": ADDRESS, "reason": "SAR-1"}).status_code == 403
    bare = root.post("/history", data={"csrf": token, "address": ADDRESS, "reason": ""})
    assert bare.status_code == 400 and "kw@example-council.gov.uk" not in bare.text
    shown = root.post("/history", data={"csrf": token, "address": "Sarah.Jones+x@NHS.net",
                                        "reason": "SAR-2026-114"})
    assert shown.status_code == 200
    assert "<td>kw@example-council.gov.uk</td><td>4</td>" in shown.text
    assert "3 keyed word hash(es), no text" in shown.text
    [entry] = [e for e in store.audit_log() if e.action == "history-show"]
    assert (entry.actor, entry.reason) == ("web:root", "SAR-2026-114")
    assert "sarah" not in f"{entry}"
    # someone who wrote to the housing mailbox and was never written to
    store.mark_replied([("housing@example-council.gov.uk", ADDRESS, 1_700_000_500.0)])
    wrote = root.post("/history", data={"csrf": token, "address": ADDRESS, "reason": "SAR-2"})
    assert "<td>housing@example-council.gov.uk</td><td>none: it wrote in</td>" in wrote.text


def test_erasing_needs_the_box_ticked_then_removes_every_row_naming_the_address(world):  # noqa: F811
    store = world["store"]
    _learned(store)
    root = signed_in(world, "root")
    token = csrf(root.get("/history").text)
    form = {"csrf": token, "address": ADDRESS, "reason": "ER-7"}
    unreasoned = root.post("/history/forget", data={**form, "reason": ""})
    # the table of who wrote to it was shown for no reason and with no audit entry
    assert unreasoned.status_code == 400 and "housing@" not in unreasoned.text
    assert [e.action for e in store.audit_log() if e.action.startswith("history")] == []
    unticked = root.post("/history/forget", data=form)
    assert unticked.status_code == 400 and "Tick the box" in unticked.text
    assert [e.reason for e in store.audit_log() if e.action == "history-show"] == ["ER-7"]
    assert store.addressed([ADDRESS]) == {ADDRESS: 1}
    done = root.post("/history/forget", data={**form, "confirm": "yes"})
    assert done.status_code == 200 and "1 correspondence row(s), 3 profiles row(s)" in done.text
    assert store.addressed([ADDRESS, "carer@oldmail.org"]) == {"carer@oldmail.org": 1}
    assert store.held_about(ADDRESS).profile_rows == 0
    [entry] = [e for e in store.audit_log() if e.action == "history-forget"]
    assert entry.reason == "ER-7" and json.loads(entry.detail)["profiles"] == 3
    assert "sarah" not in f"{entry}"
