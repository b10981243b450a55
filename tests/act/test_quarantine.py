"""Release, reject and expire: once only, never lost, every step on the audit trail."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import sqlite3
import threading

import pytest

from dlpgate import testdata
from dlpgate.act.quarantine import expire, purge, reject, release
from dlpgate.config import Settings
from dlpgate.pipeline import Scanner
from dlpgate.store.base import HeldMessage, StoreError, open_store
from dlpgate.store.sqlite import SQLiteStore
from dlpgate.testing import Sink, free_port, make_envelope, make_message

ORG = {"internal_domains": ["example-council.gov.uk"]}


def settings_for(hop: str, **quarantine) -> Settings:
    return Settings.model_validate({"organisation": ORG, "detection": {"ner": False},
                                    "relay": {"next_hop": hop, "next_hop_timeout": 5},
                                    "quarantine": quarantine})


@functools.cache
def scanner() -> Scanner:
    return Scanner(settings_for("127.0.0.1:1"))


def held(store: SQLiteStore, created: float = 1000.0, mail_options: tuple[str, ...] = (),
         rcpt_options: tuple[tuple[str, ...], ...] = ()) -> tuple[HeldMessage, bytes]:
    """A message held for an encrypted zip; with the DSN options its envelope came with."""
    raw = make_message(to=("x@example.org",), attachments=(
        ("l.zip", "application/zip", testdata.make_encrypted_zip({"a": b"b"})),))
    env = dataclasses.replace(make_envelope(raw, bcc=("hidden@example.org",)),
                              mail_options=mail_options, rcpt_options=rcpt_options)
    result = scanner().scan(raw, env)
    assert result.decision.verdict == "hold"
    item = HeldMessage.of(result, env, raw, created)
    store.hold(item)
    return item, raw


@pytest.fixture
def store(any_store):
    """Every quarantine test runs on SQLite and on PostgreSQL."""
    return any_store


def test_a_release_sends_the_original_bytes_and_envelope_once_and_is_audited(store):
    item, raw = held(store)
    with Sink() as sink:
        result = asyncio.run(release(store, settings_for(sink.address), item.id, "web:ann",
                                     "checked with the sender", "web"))
        again = asyncio.run(release(store, settings_for(sink.address), item.id, "web:bob", "",
                                    "web"))
    assert result.ok and result.state == "released"
    [got] = sink.received
    assert got.rcpt_tos == ["x@example.org", "hidden@example.org"]
    # the recipients are told how it was released, not by whom (relay.dlp_headers: minimal)
    assert got.data.startswith(b"X-DLP-Released-By: web at ")
    assert got.data.endswith(raw)
    assert not again.ok and again.message == "not released: it is already released"
    assert store.get_held(item.id).decided_by == "web:ann"
    [entry] = store.audit_log(item_id=item.id)
    assert (entry.actor, entry.action, entry.reason) == ("web:ann", "release",
                                                         "checked with the sender")


def test_full_dlp_headers_name_the_reviewer_on_a_release(store):
    item, _ = held(store)
    settings = settings_for("127.0.0.1:1")
    with Sink() as sink:
        full = settings.model_copy(update={"relay": settings.relay.model_copy(
            update={"next_hop": sink.address, "dlp_headers": "full"})})
        assert asyncio.run(release(store, full, item.id, "web:ann", "fine", "web")).ok
    assert sink.delivered[0].data.startswith(b"X-DLP-Released-By: web:ann at ")


def test_a_next_hop_that_is_down_leaves_the_message_held_with_the_error(store):
    item, _ = held(store)
    result = asyncio.run(release(store, settings_for(f"127.0.0.1:{free_port()}"), item.id,
                                 "cli:ann", "", "cli"))
    assert not result.ok and result.state == "held"
    now = store.get_held(item.id)
    assert now.state == "held" and "451" in now.last_error
    assert [e.action for e in store.audit_log(item_id=item.id)] == ["release-failed"]


def test_a_next_hop_that_refuses_the_data_leaves_it_held(store):
    item, _ = held(store)
    with Sink() as sink:
        sink.handler.data_reply = "554 5.7.1 No thanks"
        result = asyncio.run(release(store, settings_for(sink.address), item.id, "cli:ann",
                                     "", "cli"))
        assert sink.received == []
    assert not result.ok and "554" in store.get_held(item.id).last_error


def test_a_release_declares_its_size_to_a_next_hop_that_offers_size(store):
    # RFC 1870, as the relay passes on a client's SIZE=: the release sent MAIL with none
    item, raw = held(store)
    with Sink() as sink:
        assert asyncio.run(release(store, settings_for(sink.address), item.id, "web:ann",
                                   "fine", "web")).ok
    [got] = sink.delivered
    assert f"SIZE={len(got.data)}" in got.mail_options and len(got.data) > len(raw)
    # a next hop that offers no SIZE is given none
    item, _ = held(store)
    with Sink(size=0) as sink:
        assert asyncio.run(release(store, settings_for(sink.address), item.id, "web:ann",
                                   "fine", "web")).ok
    [got] = sink.delivered
    assert not [o for o in got.mail_options if o.startswith("SIZE")]


def test_a_message_bigger_than_the_next_hop_takes_is_not_sent_and_the_error_says_so(store):
    # it went whole, and the next hop refused it only after the DATA ("552 Error: Too much
    # mail data"): now the figures it offers are compared first, and nothing is sent
    item, raw = held(store)
    with Sink(size=len(raw) // 2) as sink:
        result = asyncio.run(release(store, settings_for(sink.address), item.id, "web:ann",
                                     "fine", "web"))
        assert sink.handler.commands == []  # not even MAIL
    assert not result.ok and result.state == "held"
    error = store.get_held(item.id).last_error
    assert error.startswith("next hop: 552 5.3.4 Message size exceeds the next hop's fixed "
                            "maximum message size: ")
    assert error.endswith(f" octets, over its {len(raw) // 2}")
    assert result.message == f"not released, still held: {error}"


def test_two_reviewers_releasing_at_the_same_moment_send_it_once(store, store_url):
    item, _ = held(store)
    with Sink() as sink:
        sink.handler.data_delay = 0.5  # the first release is still sending when the second asks
        results = []

        def reviewer(name: str) -> None:
            own = open_store(store_url)  # its own connection, as another node would have
            try:
                results.append(asyncio.run(release(own, settings_for(sink.address), item.id,
                                                   name, "", "web")))
            finally:
                own.close()

        threads = [threading.Thread(target=reviewer, args=(f"web:{n}",)) for n in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert sorted(r.ok for r in results) == [False, True]
    assert len(sink.received) == 1
    loser = next(r for r in results if not r.ok)
    assert loser.message.startswith("not released: ")


def test_reject_closes_it_for_good(store):
    item, _ = held(store)
    assert reject(store, item.id, "cli:ann", "wrong recipient", "cli").ok
    assert store.get_held(item.id).state == "rejected"
    with Sink() as sink:
        later = asyncio.run(release(store, settings_for(sink.address), item.id, "cli:bob", "",
                                    "cli"))
    assert not later.ok and sink.received == []


def test_retention_expires_old_messages_and_leaves_new_ones(store):
    old, _ = held(store, created=1000.0)
    new, _ = held(store, created=1000.0 + 29 * 86400)
    results = asyncio.run(expire(store, settings_for("127.0.0.1:1"), now=1000.0 + 31 * 86400))
    assert [r.state for r in results] == ["expired"]
    assert store.get_held(old.id).state == "expired" and store.get_held(new.id).state == "held"
    [entry] = store.audit_log(item_id=old.id)
    assert (entry.actor, entry.action) == ("system:retention", "expire")


def test_retention_may_release_instead(store):
    old, _ = held(store, created=1000.0)
    with Sink() as sink:
        results = asyncio.run(expire(store, settings_for(sink.address, on_expiry="release"),
                                     now=1000.0 + 31 * 86400))
        assert [r.state for r in results] == ["released"] and len(sink.received) == 1


def test_a_decided_message_is_deleted_decided_days_after_its_decision_not_its_arrival(store):
    import time

    item, _ = held(store, created=1000.0)  # held long ago, decided now
    reject(store, item.id, "cli:ann", "wrong person", "cli")
    now = time.time()

    assert purge(store, settings_for("127.0.0.1:1"), now=now + 89 * 86400) == 0
    assert purge(store, settings_for("127.0.0.1:1", decided_days=None),
                 now=now + 1000 * 86400) == 0  # null: kept for ever
    assert store.get_held(item.id).state == "rejected"
    assert purge(store, settings_for("127.0.0.1:1"), now=now + 91 * 86400) == 1
    assert store.get_held(item.id) is None
    assert [e.action for e in store.audit_log(item_id=item.id)] == ["purge", "reject"]


def test_the_audit_trail_cannot_be_edited_or_deleted(store):
    item, _ = held(store)
    reject(store, item.id, "cli:ann", "x", "cli")
    for sql in ("UPDATE audit SET actor = 'someone else'", "DELETE FROM audit"):
        with pytest.raises(StoreError, match="append-only"):
            store._write(sql, [()])
    assert store.audit_log()[0].actor == "cli:ann"


def test_the_sqlite_audit_trail_refuses_changes_made_by_hand_too(tmp_path):
    store = SQLiteStore(f"sqlite:///{tmp_path / 'q.db'}")
    item, _ = held(store)
    reject(store, item.id, "cli:ann", "x", "cli")
    db = sqlite3.connect(tmp_path / "q.db", isolation_level=None)
    for sql in ("UPDATE audit SET actor = 'someone else'", "DELETE FROM audit"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(sql)
    db.close()
    store.close()


def test_a_release_to_some_recipients_sends_to_those_only_and_says_so(store):
    item, raw = held(store)
    with Sink() as sink:
        bad = asyncio.run(release(store, settings_for(sink.address), item.id, "web:ann", "",
                                  "web", only=("stranger@example.org",)))
        assert not bad.ok and store.get_held(item.id).state == "held"
        result = asyncio.run(release(store, settings_for(sink.address), item.id, "web:ann",
                                     "only the first", "web", only=("x@example.org",)))
    assert result.ok
    [got] = sink.delivered
    assert got.rcpt_tos == ["x@example.org"]
    [entry] = store.audit_log(item_id=item.id)
    assert entry.detail == "to 1 of 2 recipients: x@example.org"
    # the sender was told it was held; now, that one recipient will not get it
    [notice] = sink.notices
    assert notice.rcpt_tos == [item.mail_from]
    assert b"has been sent to x@example.org." in notice.data
    assert b"hidden@example.org: your information governance team released it to the other " \
        b"recipients only" in notice.data
    assert b"only the first" not in notice.data  # the reviewer's comment is theirs


# as an MTA that speaks DSN gives them: a receipt for the one, no bounce for the Bcc
DSN_MAIL = ("RET=HDRS", "ENVID=Case+2B42")
DSN_RCPT = (("NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;X@Example.org"), ("NOTIFY=NEVER",))


def test_a_released_message_leaves_with_the_dsn_requests_it_came_with(store):
    # they were not kept: a receipt asked for never came, and a NOTIFY=NEVER recipient's
    # failure bounced to a sender who had asked for none
    item, _ = held(store, mail_options=("SIZE=4000", *DSN_MAIL), rcpt_options=DSN_RCPT)
    assert store.get_held(item.id).rcpt_dsn == DSN_RCPT
    with Sink() as sink:
        assert asyncio.run(release(store, settings_for(sink.address), item.id, "web:ann",
                                   "fine", "web")).ok
    [got] = sink.delivered
    assert got.rcpt_tos == ["x@example.org", "hidden@example.org"]
    assert got.rcpt_options == [list(o) for o in DSN_RCPT]
    assert set(DSN_MAIL) <= set(got.mail_options)


def test_a_release_to_some_recipients_gives_each_its_own_dsn_requests(store):
    item, _ = held(store, mail_options=DSN_MAIL, rcpt_options=DSN_RCPT)
    with Sink() as sink:
        assert asyncio.run(release(store, settings_for(sink.address), item.id, "web:ann",
                                   "the Bcc only", "web", only=("hidden@example.org",))).ok
    [got] = sink.delivered
    assert (got.rcpt_tos, got.rcpt_options) == (["hidden@example.org"], [["NOTIFY=NEVER"]])


def test_a_message_held_without_dsn_requests_is_released_without_them(store):
    # as every message held before they were kept: its row has none, and it leaves as before
    item, _ = held(store)
    assert (store.get_held(item.id).mail_dsn, store.get_held(item.id).rcpt_dsn) == ((), ())
    with Sink() as sink:
        assert asyncio.run(release(store, settings_for(sink.address), item.id, "web:ann",
                                   "fine", "web")).ok
    [got] = sink.delivered
    assert got.rcpt_options == [[], []]
    assert not any(o.startswith(("RET=", "ENVID=")) for o in got.mail_options)


def test_a_release_to_a_next_hop_without_dsn_leaves_them_off_and_delivers(store):
    item, _ = held(store, mail_options=DSN_MAIL, rcpt_options=DSN_RCPT)
    with Sink(dsn=False) as sink:  # it refuses any DSN parameter (555)
        assert asyncio.run(release(store, settings_for(sink.address), item.id, "web:ann",
                                   "fine", "web")).ok
    [got] = sink.delivered
    assert got.rcpt_tos == ["x@example.org", "hidden@example.org"]


def test_the_sender_is_told_which_recipients_the_next_hop_refused_on_release(store):
    item, _ = held(store)
    with Sink() as sink:
        sink.handler.refuse["hidden@example.org"] = "550 5.1.1 Amy Jones has left"
        result = asyncio.run(release(store, settings_for(sink.address), item.id, "web:ann",
                                     "the address is right", "web"))
        assert result.ok
        [notice] = sink.notices
    assert b"hidden@example.org: the receiving mail system refused it (550)" in notice.data
    assert b"Amy" not in notice.data and item.id.encode() in notice.data


def test_a_release_to_everyone_sends_the_sender_no_notice(store):
    item, _ = held(store)
    with Sink() as sink:
        assert asyncio.run(release(store, settings_for(sink.address), item.id, "web:ann",
                                   "fine", "web")).ok
        assert len(sink.delivered) == 1
    assert sink.notices == []


def test_the_sender_is_told_of_a_reject_without_the_reviewers_comment(store):
    from dlpgate.act.quarantine import reject_and_tell

    item, _ = held(store)
    with Sink() as sink:
        result = asyncio.run(reject_and_tell(store, settings_for(sink.address), item.id,
                                             "web:ann", "Mrs Smith's file, wrong carer", "web"))
        assert result.ok
        [notice] = sink.notices
    assert notice.rcpt_tos == [item.mail_from]
    assert b"information governance team rejected it" in notice.data
    assert b"Smith" not in notice.data and item.id.encode() in notice.data


def test_an_expired_message_is_reported_to_its_sender(store):
    old, _ = held(store, created=1000.0)
    with Sink() as sink:
        asyncio.run(expire(store, settings_for(sink.address), now=1000.0 + 31 * 86400))
        [notice] = sink.notices
    assert b"nobody released it within 30 days" in notice.data and sink.delivered == []


def test_a_released_message_is_learned_for_the_recipients_the_next_hop_took(store):
    item, raw = held(store)
    sender = "alice.jones@example-council.gov.uk"
    assert store.correspondence(sender, ["x@example.org"]) == {}
    with Sink() as sink:
        sink.handler.refuse["hidden@example.org"] = "550 5.1.1 No such user"
        result = asyncio.run(release(store, settings_for(sink.address), item.id, "web:ann",
                                     "the address is right", "web"))
    assert result.ok and "refused 1 recipient(s): hidden@example.org (550)" in result.message
    # a reviewer let it go: the recipient is a correspondent now, not new again next time
    learned = store.correspondence(sender, ["x@example.org", "hidden@example.org"])
    assert list(learned) == ["x@example.org"] and learned["x@example.org"].count == 1
    assert learned["x@example.org"].smallest == 1
    assert store.held_about("x@example.org").profile_rows > 0
    assert store.domains(["example.org"])["example.org"].count == 1


def test_released_mail_from_outside_is_learned_as_its_sender_writing_in(store):
    resident = "k.reid.home@gmail.com"
    raw = make_message(sender=resident, to=("housing@example-council.gov.uk",))
    env = make_envelope(raw)
    item = HeldMessage.of(scanner().scan(raw, env), env, raw, 1000.0)  # a council rule held it
    store.hold(item)
    with Sink() as sink:
        assert asyncio.run(release(store, settings_for(sink.address), item.id, "web:ann",
                                   "a resident's own files", "web")).ok
    assert store.contacts(resident) == [] and store.wrote_in([resident]) == {resident}


def test_a_message_held_unread_is_released_unread_and_learned_without_being_parsed(
        store, monkeypatch):
    # held because its scan failed relay.max_scan_attempts times: whatever killed the scan
    # workers is in its bytes, and the release must not parse it in the relay's process
    raw = make_message(to=("x@example.org",), body="Notes on Callum, NHS 943 476 5919.\n")
    env = make_envelope(raw)
    result = scanner().unread(raw, env, "", "the scan failed 3 times (the last: scan "
                              "worker died)")
    item = HeldMessage.of(result, env, raw, 1000.0)
    assert item.unread and result.decision.verdict == "hold"
    store.hold(item)

    def crash(*args, **kwargs):
        raise AssertionError("the held message was parsed")

    monkeypatch.setattr("dlpgate.parse.mime.parse", crash)
    with Sink() as sink:
        released = asyncio.run(release(store, settings_for(sink.address), item.id, "web:ann",
                                       "checked by phone with the sender", "web"))
    assert released.ok
    [got] = sink.delivered
    assert got.data.endswith(raw)
    sender = "alice.jones@example-council.gov.uk"
    assert list(store.correspondence(sender, ["x@example.org"])) == ["x@example.org"]
    assert store.held_about("x@example.org").profile_rows == 0  # nothing read: no words
