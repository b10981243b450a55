"""The Store contract, run on both backends (SQLite file, PostgreSQL schema)."""

from __future__ import annotations

import dataclasses
import functools
import time

import pytest

from dlpgate.config import Settings
from dlpgate.history import Pair
from dlpgate.model import Outcome
from dlpgate.pipeline import Scanner
from dlpgate.store.base import AuditEntry, Correspondence, DecisionRecord, HeldMessage, StoreError
from dlpgate.testing import make_envelope, make_message


@functools.cache
def scanner() -> Scanner:
    return Scanner(Settings.model_validate({"organisation": {
        "internal_domains": ["example-council.gov.uk"]}, "detection": {"ner": False}}))


def held_item(created: float = 1000.0) -> tuple[HeldMessage, bytes]:
    raw = make_message(to=("x@gmail.com",), body="NHS 943 476 5919: diagnosed with asthma.\n")
    env = make_envelope(raw, bcc=("hidden@example.org",))
    return HeldMessage.of(scanner().scan(raw, env), env, raw, created), raw


def assert_upgraded_history(upgraded) -> None:
    """A store upgraded from before spellings, holding jo.bloggs@ (dated 1970) and a row for
    they.wrote@ (who only wrote to us, undated), as both backends' upgrade tests leave it."""
    assert upgraded.near(["jo.blogs@nhs.net", "@nhs.ent", "they.wrot@nhs.net"]) == {
        "jo.blogs@nhs.net": ["jo.bloggs@nhs.net"], "@nhs.ent": ["@nhs.net"]}
    # and rows learned before copies into conversations were counted start at none
    [kept] = upgraded.correspondence("a@x.gov.uk", ["jo.bloggs@nhs.net"]).values()
    assert (kept.count, kept.joined, kept.smallest) == (3, 0, None)  # nor their audiences
    # an undated row (they only wrote to us) counts as seen at the upgrade, not in 1970,
    # so that history retention keeps it; dated rows keep their dates
    [wrote] = upgraded.correspondence("a@x.gov.uk", ["they.wrote@nhs.net"]).values()
    assert wrote.last_seen > time.time() - 3600 and (kept.first_seen, kept.last_seen) == (1, 2)
    # retention then takes the pair and domain last seen in 1970, not the undated row
    assert upgraded.expire_history(time.time() - 730 * 86400) == {"pairs": 1, "domains": 1}
    assert list(upgraded.correspondence("a@x.gov.uk", ["they.wrote@nhs.net"])) == [
        "they.wrote@nhs.net"]


def test_a_held_message_keeps_its_bytes_envelope_and_decision_but_no_values(any_store):
    item, raw = held_item()
    any_store.hold(item)
    got = any_store.get_held(item.id)
    assert got == item and got.raw == raw
    assert got.rcpt_tos == ("x@gmail.com", "hidden@example.org")
    assert all("text" not in f for f in got.findings)
    assert any_store.held() == [item] and any_store.held("released") == []
    [listed] = any_store.held(raw=False)  # queues and lists do not carry the bytes around
    assert listed.raw == b"" and listed.id == item.id and listed.findings == item.findings


def test_a_decision_record_round_trips_and_is_written_once(any_store):
    raw = make_message(to=("x@example.org", "y@nhs.net"))
    rec = DecisionRecord.of(scanner().scan(raw, make_envelope(raw)), make_envelope(raw),
                            Outcome.RELAYED, 250, "n1", 5.0)
    any_store.record_decisions([rec])
    any_store.record_decisions([rec])  # a retried batch does not double-count
    assert any_store.decisions() == [rec]


def test_the_decisions_log_is_kept_only_so_long(any_store):
    # it keeps each sender's address, and had no end
    raw = make_message(to=("x@example.org",))
    result = scanner().scan(raw, make_envelope(raw))
    old, new = (DecisionRecord.of(result, make_envelope(raw), Outcome.RELAYED, 250, "n1", t)
                for t in (100.0, 1_000.0))
    any_store.record_decisions([old, dataclasses.replace(new, scan_id="newer")])
    assert any_store.prune_decisions(500.0) == 1
    assert [d.scan_id for d in any_store.decisions()] == ["newer"]
    assert any_store.audit_log() == []  # asked without its retention: no entry


def test_a_decisions_log_retention_pass_is_on_the_audit_trail_as_a_count(any_store):
    raw = make_message(to=("x@example.org",))
    result = scanner().scan(raw, make_envelope(raw))
    any_store.record_decisions([
        dataclasses.replace(DecisionRecord.of(result, make_envelope(raw), Outcome.RELAYED, 250,
                                              "n1", t), scan_id=f"s{t}")
        for t in (100.0, 200.0, 1_000.0)])
    assert any_store.prune_decisions(500.0, days=400) == 2
    assert any_store.prune_decisions(500.0, days=400) == 0  # nothing deleted: nothing said
    [entry] = any_store.audit_log()
    assert (entry.actor, entry.action, entry.via, entry.reason, entry.detail) == (
        "system:retention", "retention", "retention", "decisions log: kept 400 days", "rows 2")
    assert "example.org" not in str(entry) and any_store.verify_audit().intact


def test_a_journal_retention_pass_is_on_the_audit_trail_as_counts(any_store):
    # the delivery journal and the scan-failure counts were pruned with nothing on the trail,
    # while the decisions log's pruning was counted there
    any_store.begin_deliveries([("k1", "node-a", "s1"), ("k2", "node-a", "s2")])
    any_store.end_deliveries([("k1", "s1", True), ("k2", "s2", True)])
    any_store.scan_failed("k3", 100.0)
    assert any_store.prune_journal(time.time() - 3600, 7.0) == {"deliveries": 0,
                                                                 "scan failures": 1}
    assert any_store.prune_journal(time.time() + 1, 7.0) == {"deliveries": 2,
                                                             "scan failures": 0}
    assert any_store.prune_journal(time.time() + 1, 7.0) == {"deliveries": 0,
                                                             "scan failures": 0}
    assert any_store.delivery("k1") is None and any_store.scan_failures("k3") == 0
    assert [(e.actor, e.action, e.via, e.reason, e.detail) for e in any_store.audit_log()] == [
        ("system:retention", "retention", "retention", "delivery journal: kept 7 days",
         "deliveries 2, scan failures 0"),
        ("system:retention", "retention", "retention", "delivery journal: kept 7 days",
         "deliveries 0, scan failures 1")]  # and nothing when nothing went
    assert any_store.verify_audit().intact


def test_a_claim_moves_a_message_once_and_writes_its_audit_row_with_it(any_store):
    item, _ = held_item()
    any_store.hold(item)
    entry = AuditEntry("web:ann", "reject", item.id, "wrong person", "web")
    got = any_store.claim(item.id, ("held",), "rejected", "web:ann", entry)
    assert got.state == "rejected" and got.decided_by == "web:ann"
    assert any_store.claim(item.id, ("held",), "rejected", "web:bob", entry) is None
    [row] = any_store.audit_log(item_id=item.id)
    assert (row.actor, row.action, row.reason) == ("web:ann", "reject", "wrong person")
    assert any_store.finish(item.id, "releasing", "released", entry) is False


def test_the_audit_trail_refuses_changes(any_store):
    any_store.audit(AuditEntry("cli:ann", "list"))
    for sql in ("UPDATE audit SET actor = 'x'", "DELETE FROM audit"):
        with pytest.raises(StoreError, match="append-only"):
            any_store._write(sql, [()])
    assert [e.actor for e in any_store.audit_log()] == ["cli:ann"]


def test_the_audit_trail_is_asked_for_one_action_however_much_else_a_message_has(any_store):
    any_store.audit(AuditEntry("sender:a@example.org", "false-alarm", "m1", via="link"))
    for _ in range(5):
        any_store.audit(AuditEntry("web:ann", "view", "m1", via="web"))
    assert any_store.audit_log(item_id="m1", limit=3)[-1].action == "view"
    [entry] = any_store.audit_log(item_id="m1", action="false-alarm", limit=1)
    assert entry.actor == "sender:a@example.org"
    assert any_store.audit_log(item_id="m2", action="false-alarm") == []


def test_the_whole_audit_trail_is_read_in_batches_newest_first_up_to_where_an_export_began(
        any_store):
    for n in range(7):
        any_store.audit(AuditEntry("web:ann", "view", f"m{n}", via="web"))
    any_store.audit(AuditEntry("web:bob", "view", "m0", via="web"))
    found, newest = any_store.audit_extent(actor="web:ann")
    any_store.audit(AuditEntry("web:ann", "view", "late", via="web"))  # after it began
    batches = list(any_store.audit_batches(actor="web:ann", upto=newest, batch=3))
    assert found == 7 and [len(b) for b in batches] == [3, 3, 1]
    assert [e.item_id for b in batches for e in b] == [f"m{n}" for n in range(6, -1, -1)]
    assert any_store.audit_extent(action="no-such") == (0, 0)
    assert list(any_store.audit_batches(action="no-such")) == []


def test_an_actor_asked_by_any_of_several_names_finds_each(any_store):
    for actor in ("web:ann", "cli:ann", "web:anna", "sender:ann"):
        any_store.audit(AuditEntry(actor, "view", "m1"))
    names = ("web:ann", "cli:ann", "sender:ann")
    assert sorted(e.actor for e in any_store.audit_log(actor=names)) == sorted(names)
    assert any_store.audit_extent(actor=names)[0] == 3
    assert [len(b) for b in any_store.audit_batches(actor=names, batch=2)] == [2, 1]


def test_a_page_of_the_queue_is_searched_and_counted_over_every_held_message(any_store):
    item, _ = held_item()
    made = [
        dataclasses.replace(item, id="q1", created=1, mail_from="Jo.Smith@example-council.gov.uk",
                            rcpt_tos=("resident@gmail.com",), rules=("identifiers-leaving",)),
        dataclasses.replace(item, id="q2", created=2, mail_from="a_b@example-council.gov.uk",
                            rcpt_tos=("100%@example.org",),
                            rules=("identifiers-leaving-partner",)),
        dataclasses.replace(item, id="q3", created=3, state="released",
                            mail_from="axb@example-council.gov.uk",
                            rcpt_tos=("Resident@GMAIL.com",), rules=("misdirected",)),
        dataclasses.replace(item, id="q4", created=4, mail_from="zoë.reid@example-council.gov.uk",
                            rcpt_tos=("zoë.parent@example.org",), rules=("misdirected",)),
        *(dataclasses.replace(item, id=f"r{n}", created=10 + n, mail_from=f"w{n}@x.gov.uk",
                              rcpt_tos=(f"p{n}@nhs.net",), rules=("many",)) for n in range(5)),
    ]
    for m in made:
        any_store.hold(m)

    def ids(*args, **kw) -> tuple[list[str], int]:
        items, total = any_store.held_page(*args, **kw)
        assert all(i.raw == b"" for i in items)  # a page carries no message's bytes
        return [i.id for i in items], total

    assert ids(None) == (["q1", "q2", "q3", "q4", "r0", "r1", "r2", "r3", "r4"], 9)
    assert ids(("held",), limit=2, offset=2) == (["q4", "r0"], 8)
    assert ids(None, limit=2, newest_first=True) == (["r4", "r3"], 9)
    # sender, recipients or id, any case; _ and % are the characters, not wildcards
    assert ids(None, query="jo.smith") == (["q1"], 1)
    assert ids(None, query="resident@gmail") == (["q1", "q3"], 2)
    assert ids(("held",), query="resident@gmail") == (["q1"], 1)
    assert ids(None, query="a_b") == (["q2"], 1)
    assert ids(None, query="100%") == (["q2"], 1)
    assert ids(None, query="r3") == (["r3"], 1)
    # a recipient with a letter past ASCII, kept escaped in the store's JSON list
    assert ids(None, query="zoë.parent") == (["q4"], 1)
    # a rule by its whole id: one whose id begins with it is another rule
    assert ids(None, rule="identifiers-leaving") == (["q1"], 1)
    assert ids(None, rule="many", query="nhs.net", limit=3) == (["r0", "r1", "r2"], 5)
    assert any_store.held_rules() == ["identifiers-leaving", "identifiers-leaving-partner",
                                      "many", "misdirected"]


def test_a_dashboards_holds_are_those_made_since_its_day_with_no_content(any_store):
    item, _ = held_item()
    for n, (created, state) in enumerate([(100, "released"), (200, "held"), (300, "rejected")]):
        any_store.hold(dataclasses.replace(item, id=f"d{n}", created=created, state=state,
                                           updated=created + 60, rules=(f"rule-{n}",)))
    summaries = any_store.hold_summaries(since=200)
    assert [(s.id, s.state, s.rules, s.created, s.updated) for s in summaries] == [
        ("d1", "held", ("rule-1",), 200, 260), ("d2", "rejected", ("rule-2",), 300, 360)]
    assert summaries[0].recipients == item.recipients  # the signals, read as held
    assert not hasattr(summaries[0], "findings") and not hasattr(summaries[0], "raw")


def test_the_audit_trail_is_read_since_a_time_for_several_actions(any_store):
    for at, action in [(100, "false-alarm"), (200, "view"), (300, "release"),
                       (400, "false-alarm")]:
        any_store.audit(AuditEntry("web:ann", action, f"i{at}", at=at))
    got = any_store.audit_log(action=("false-alarm", "release"), since=300)
    assert [(e.action, e.item_id) for e in got] == [("false-alarm", "i400"), ("release", "i300")]
    assert len(any_store.audit_log(since=150)) == 3


def test_retention_finds_old_open_messages(any_store):
    old, _ = held_item(created=1000.0)
    any_store.hold(old)
    assert [i.id for i in any_store.held_before(("held",), 2000.0)] == [old.id]
    assert any_store.held_before(("held",), 500.0) == []


def test_messages_decided_before_the_cutoff_are_deleted_each_with_an_audit_entry(any_store):
    # a released or rejected message stayed whole in the store for ever
    rejected, released, expired, still_held, releasing = (
        held_item(created=1000.0 + n)[0] for n in range(5))
    for item in (rejected, released, expired, still_held, releasing):
        any_store.hold(item)
    for item, state in ((rejected, "rejected"), (released, "released"), (expired, "expired"),
                        (releasing, "releasing")):
        assert any_store.claim(item.id, ("held",), state, "cli:ann") is not None
    entry = AuditEntry("system:retention", "purge", reason="decided long ago", via="retention")

    assert any_store.purge_decided(time.time() - 60, entry) == []  # decided just now: kept
    first = any_store.purge_decided(time.time() + 60, entry, limit=2)
    rest = any_store.purge_decided(time.time() + 60, entry, limit=2)

    # the oldest first (in any order within a batch: RETURNING keeps none)
    assert (set(first), rest) == ({rejected.id, released.id}, [expired.id])
    assert any_store.purge_decided(time.time() + 60, entry) == []
    for item in (rejected, released, expired):
        assert any_store.get_held(item.id) is None
        [purged] = any_store.audit_log(item_id=item.id, action="purge")
        assert (purged.actor, purged.reason) == ("system:retention", "decided long ago")
    # an open hold is for retention_days to end; an interrupted release is for a person
    assert any_store.get_held(still_held.id).state == "held"
    assert any_store.get_held(releasing.id).state == "releasing"


def test_correspondence_counts_and_widens_first_and_last_seen(any_store):
    any_store.learn([Pair("a@x.gov.uk", "b@nhs.net", 200.0), Pair("a@x.gov.uk", "b@nhs.net", 100.0,
                                                                   count=3)])
    [c] = any_store.correspondence("a@x.gov.uk", ["b@nhs.net", "nobody@x.org"]).values()
    assert (c.count, c.first_seen, c.last_seen, c.replied) == (4, 100.0, 200.0, False)
    any_store.mark_replied([("a@x.gov.uk", "b@nhs.net", 300.0)])
    assert any_store.contacts("a@x.gov.uk")[0].replied
    assert any_store.domains(["nhs.net"])["nhs.net"].count == 4
    assert [d.recipient for d in any_store.top_domains()] == ["nhs.net"]


def test_contact_rows_are_the_contacts_as_read(any_store):
    # a scan reads the rows and makes a Correspondence of the few it needs (names.Contacts)
    any_store.learn([Pair("a@x.gov.uk", r, 100.0 + i, n)
                     for i, (r, n) in enumerate([("b@nhs.net", 2), ("c@nhs.net", 5),
                                                 ("d@nhs.net", 2)])])
    any_store.mark_replied([("a@x.gov.uk", "c@nhs.net", 300.0)])
    rows = any_store.contact_rows("a@x.gov.uk")
    assert [r[0] for r in rows] == ["c@nhs.net", "b@nhs.net", "d@nhs.net"]
    assert [Correspondence(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows] == \
        any_store.contacts("a@x.gov.uk")


def test_wrote_in_names_who_has_written_to_anyone_here_whoever_wrote_to_them(any_store):
    any_store.learn([Pair("a@x.gov.uk", "b@nhs.net", 100.0)])
    any_store.mark_replied([("housing@x.gov.uk", "resident@gmail.com", 200.0),
                            ("a@x.gov.uk", "b@nhs.net", 300.0)])
    asked = ["resident@gmail.com", "b@nhs.net", "stranger@example.org"]
    assert any_store.wrote_in(asked) == {"resident@gmail.com", "b@nhs.net"}
    assert any_store.wrote_in([]) == set()


def test_copies_into_conversations_are_counted_per_sender_and_recipient(any_store):
    any_store.learn([Pair("a@x.gov.uk", "pa@x.gov.uk", 100.0, joined=1),
                     Pair("a@x.gov.uk", "pa@x.gov.uk", 200.0),
                     Pair("a@x.gov.uk", "pa@x.gov.uk", 300.0, joined=1)])
    [c] = any_store.correspondence("a@x.gov.uk", ["pa@x.gov.uk"]).values()
    assert (c.count, c.joined) == (3, 2)
    assert any_store.correspondence("b@x.gov.uk", ["pa@x.gov.uk"]) == {}


def test_the_fewest_recipients_a_contact_had_mail_among_is_kept_and_unknown_stays_so(any_store):
    any_store.learn([Pair("a@x.gov.uk", "k@x.gov.uk", 100.0, audience=171),
                     Pair("a@x.gov.uk", "k@x.gov.uk", 200.0, audience=40)])
    assert any_store.correspondence("a@x.gov.uk", ["k@x.gov.uk"])["k@x.gov.uk"].smallest == 40
    any_store.learn([Pair("a@x.gov.uk", "k@x.gov.uk", 300.0, audience=1)])
    assert any_store.correspondence("a@x.gov.uk", ["k@x.gov.uk"])["k@x.gov.uk"].smallest == 1
    # a pair from a CSV file says nothing of its messages: what is known is no longer all
    any_store.learn([Pair("a@x.gov.uk", "m@x.gov.uk", 100.0, count=12)])
    any_store.learn([Pair("a@x.gov.uk", "m@x.gov.uk", 200.0, audience=171)])
    assert any_store.correspondence("a@x.gov.uk", ["m@x.gov.uk"])["m@x.gov.uk"].smallest is None
    # a correspondent who only wrote to us has no messages from us to count
    any_store.mark_replied([("a@x.gov.uk", "r@nhs.net", 50.0)])
    any_store.learn([Pair("a@x.gov.uk", "r@nhs.net", 100.0, audience=25)])
    assert any_store.correspondence("a@x.gov.uk", ["r@nhs.net"])["r@nhs.net"].smallest == 25


def test_groups_and_content_profiles(any_store):
    any_store.learn_groups([("a@x", ("b@y", "c@z")), ("a@x", ("c@z", "b@y", "d@w"))])
    assert any_store.together("a@x", ["b@y", "c@z"]) == {("b@y", "c@z"): 2}  # not d@w's pairs
    big = [f"m{i}@list.example" for i in range(30)]
    any_store.learn_groups([("a@x", tuple(big))] * 2)
    got = any_store.together("a@x", big)
    assert len(got) == 4 * 29 - 6 and set(got.values()) == {2}  # a list: by its anchors
    key = any_store.profile_key()
    assert len(key) == 32 and any_store.profile_key() == key
    any_store.learn_profiles([("a@x", "b@y", (1, 2, 3)), ("a@x", "c@z", (3,))])
    assert any_store.profile_fit("a@x", ["b@y", "c@z"], (2, 3, 2**62)) == {"b@y": 2, "c@z": 1}
    # token 3 has gone to both, so it counts a half for each; token 2 only to b@y
    assert any_store.profile_share("a@x", ["b@y", "c@z"], (2, 3, 2**62)) == {
        "b@y": 1.5, "c@z": 0.5}


def test_six_words_each_gone_to_six_people_fit_as_one_word_on_either_store(any_store):
    # 6 x 1/6 was 1.00000000000000000002 on PostgreSQL and 0.9999999999999999 on SQLite, and
    # content_min is 1.0: the same history held the message on one store and sent it on the
    # other
    people = [f"p{i}@y" for i in range(6)]
    any_store.learn_profiles([("a@x", p, (1, 2, 3, 4, 5, 6)) for p in people])
    assert any_store.profile_share("a@x", people[:1], (1, 2, 3, 4, 5, 6)) == {"p0@y": 1.0}


def test_addressed_counts_the_senders_who_have_written_to_an_address(any_store):
    any_store.learn([Pair("a@x.gov.uk", "b@nhs.net", 1.0), Pair("c@x.gov.uk", "b@nhs.net", 2.0),
                     Pair("a@x.gov.uk", "d@nhs.net", 1.0)])
    any_store.mark_replied([("a@x.gov.uk", "e@nhs.net", 3.0)])  # they wrote; no one wrote to them
    assert any_store.addressed(["b@nhs.net", "d@nhs.net", "e@nhs.net", "f@nhs.net"]) == {
        "b@nhs.net": 2, "d@nhs.net": 1}


def test_near_finds_the_known_addresses_and_domains_a_typing_slip_away(any_store):
    any_store.learn([Pair("a@x.gov.uk", "jo.bloggs@nhs.net", 1.0),
                     Pair("a@x.gov.uk", "sam.smith@leeds.gov.uk", 1.0)])
    got = any_store.near(["jo.blogs@nhs.net", "jo.bolggs@nhs.net", "jo.bloggss@nhs.net",
                          "jo.bloqgs@nhs.net", "jo.bloggs@nhs.ent", "@nhs.ent", "@leds.gov.uk",
                          "pat.brown@nhs.net", "@example.org", "jo.bloggs@nhs.net"])
    for slip in ("jo.blogs", "jo.bolggs", "jo.bloggss", "jo.bloqgs"):  # dropped, swapped,
        assert got[f"{slip}@nhs.net"] == ["jo.bloggs@nhs.net"]       # added, changed
    assert got["@nhs.ent"] == ["@nhs.net"]
    assert got["@leds.gov.uk"] == ["@leeds.gov.uk"]
    # a domain slip is found as a domain; an address is never offered for a domain, the
    # same address is no slip of itself, and strangers are near nothing
    assert set(got) == {"jo.blogs@nhs.net", "jo.bolggs@nhs.net", "jo.bloggss@nhs.net",
                        "jo.bloqgs@nhs.net", "@nhs.ent", "@leds.gov.uk"}


def test_near_finds_the_same_addresses_before_and_after_the_store_is_analyzed(any_store):
    # PostgreSQL reads all of `spellings` for near's keys until the store is analyzed, and
    # its index after: the plan changes, and the addresses found must not
    known = [f"contact{i}@org{i % 50}.example" for i in range(3000)]
    any_store.learn([Pair(f"user{i % 20}@x.gov.uk", r, 1.0) for i, r in enumerate(known)])
    asked = ["contcat17@org17.example", "cntact2017@org17.example", "@org17.exmple",
             "@og3.example", "contact5@org5.example", "stranger@nowhere.example"]
    want = {"contcat17@org17.example": ["contact17@org17.example"],  # one slip, and two
            "cntact2017@org17.example": ["contact2017@org17.example", "contact217@org17.example"],
            "@org17.exmple": ["@org1.example", "@org17.example", "@org7.example"],
            "@og3.example": ["@org3.example"],
            "contact5@org5.example": ["contact55@org5.example"]}  # a known one: its neighbour
    assert any_store.near(asked) == want
    any_store.analyze()
    assert any_store.near(asked) == want


def test_review_accounts_and_sessions(any_store):
    any_store.save_user("ann", "scrypt$hash", ("reviewer",))
    assert any_store.get_user("ann").mailboxes == ()
    any_store.save_user("ann", "scrypt$new", ("reviewer", "auditor"), disabled=True,
                        mailboxes=("ann.lee@x.gov.uk",))
    user = any_store.get_user("ann")
    assert user.roles == ("reviewer", "auditor") and user.disabled
    assert user.mailboxes == ("ann.lee@x.gov.uk",) == any_store.users()[0].mailboxes
    assert user.password_hash == "scrypt$new" and any_store.get_user("bob") is None
    any_store.create_session("h1", "ann", "csrf1", user.generation)
    assert any_store.get_session("h1").csrf == "csrf1"
    any_store.end_sessions(username="ann")
    assert any_store.get_session("h1") is None


def test_a_password_change_or_a_disable_moves_the_accounts_credential_generation_on(any_store):
    # a session, or a browser's known cookie, issued before is then no good (review/app.py)
    def generation() -> int:
        return any_store.get_user("ann").generation

    any_store.save_user("ann", "scrypt$one", ("reviewer",))
    assert generation() == 0
    any_store.save_user("ann", "scrypt$one", ("reviewer", "admin"), mailboxes=("a@x.gov.uk",))
    assert generation() == 0  # roles and mailboxes are no credentials
    any_store.save_user("ann", "scrypt$two", ("reviewer",))
    assert generation() == 1
    any_store.save_user("ann", "scrypt$two", ("reviewer",), disabled=True)
    assert generation() == 2
    any_store.save_user("ann", "scrypt$two", ("reviewer",), disabled=True)
    assert generation() == 2  # disabled again is no change
    any_store.create_session("h1", "ann", "csrf1", 2)
    assert any_store.get_session("h1").generation == 2


def test_a_hash_made_again_at_todays_cost_keeps_the_generation_and_loses_to_a_new_password(
        any_store):
    # the same password hashed at a higher cost is no new credential: nothing issued under
    # it ends; and a `users passwd` while the sign-in was checked is not written over
    any_store.save_user("ann", "scrypt$16384$old", ("reviewer",))
    assert any_store.rehash_user("ann", "scrypt$16384$old", "scrypt$131072$new")
    user = any_store.get_user("ann")
    assert (user.password_hash, user.generation) == ("scrypt$131072$new", 0)
    any_store.save_user("ann", "scrypt$131072$changed", ("reviewer",))
    assert not any_store.rehash_user("ann", "scrypt$131072$new", "scrypt$131072$stale")
    assert any_store.get_user("ann").password_hash == "scrypt$131072$changed"


def test_a_session_found_by_who_and_where_is_begun_and_audited_once_until_it_lapses(any_store):
    # a signing-in proxy's user has no cookie of ours: their session is found by a key made
    # from their name and address, and the requests (and nodes) of a page racing to begin it
    # must write one sign-in, not one each
    from concurrent.futures import ThreadPoolExecutor

    entry = AuditEntry("web:ann", "sign-in", via="web", detail="198.51.100.7")
    now = time.time()

    def begin(_=None) -> bool:
        return any_store.open_session("k1", "ann", "csrf1", now - 900, now - 43200, entry)

    with ThreadPoolExecutor(8) as pool:
        began = list(pool.map(begin, range(16)))
    assert began.count(True) == 1
    assert [e.action for e in any_store.audit_log()] == ["sign-in"]
    assert any_store.get_session("k1").username == "ann" and not begin()
    # lapsed (idle too long), it is begun again: a new sign-in
    assert any_store.open_session("k1", "ann", "csrf1", time.time() + 1, 0, entry)
    assert any_store.open_session("k1", "ann", "csrf1", 0, time.time() + 1, entry)
    assert [e.action for e in any_store.audit_log()] == ["sign-in"] * 3
    any_store.end_sessions(token_hash="k1")
    assert begin() and len(any_store.audit_log()) == 4


def test_sessions_past_their_idle_timeout_or_lifetime_are_swept_and_live_ones_kept(any_store):
    # a session nobody presented again or signed out of (a closed browser, a proxy's user:
    # one row per name and address) was never deleted
    entry = AuditEntry("web:bob", "sign-in", via="web", detail="198.51.100.7")
    for key in ("idle", "too-old", "live"):
        any_store.create_session(key, "ann", "csrf", 0)
    any_store.open_session("proxy-idle", "bob", "csrf", 0, 0, entry)
    any_store._atomic(lambda db: db.execute(
        "UPDATE sessions SET last_seen = last_seen - 3600 WHERE token_hash IN (?, ?)",
        ("idle", "proxy-idle")))
    any_store._atomic(lambda db: db.execute(
        "UPDATE sessions SET created = created - 86400 WHERE token_hash = ?", ("too-old",)))
    now = time.time()
    assert any_store.prune_sessions(now - 1800, now - 43200) == 3
    kept = [k for k in ("idle", "too-old", "live", "proxy-idle") if any_store.get_session(k)]
    assert kept == ["live"]
    assert any_store.prune_sessions(now - 1800, now - 43200) == 0


def test_near_spellings_of_a_thousand_long_addresses_are_looked_up_in_parts(any_store):
    # 3,000 ordinary addresses passed PostgreSQL's limit of 65,535 parameters in one
    # statement (SQLite's 250,000 with longer ones): the scan failed, or under on_error: pass
    # the message went unscanned
    any_store.learn([Pair("a@x.gov.uk", "childrens.services.hub@organisation00007.org.uk", 1.0)])
    asked = [f"childrens.services.hub.case{i:05}@organisation{i:05}.org.uk" for i in range(3000)]
    asked.append("childrens.servces.hub@organisation00007.org.uk")  # a slip of the known one
    found = any_store.near(asked)
    assert found["childrens.servces.hub@organisation00007.org.uk"] == [
        "childrens.services.hub@organisation00007.org.uk"]
