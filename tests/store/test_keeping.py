"""History retention, what is held about one address, and erasing it: on both backends."""

from __future__ import annotations

from dlpgate.history import Pair

DAY = 86400.0
NOW = 1_000 * DAY
OLD = NOW - 800 * DAY  # past the default two years


def _history(store) -> None:
    """key.worker writes to sarah.jones often and lately, to a carer once long ago; the
    carer also wrote back long ago; a colleague writes to sarah.jones too."""
    store.learn([Pair("kw@council.gov.uk", "sarah.jones@nhs.net", NOW - DAY, count=5),
                 Pair("kw@council.gov.uk", "carer@oldmail.org", OLD),
                 Pair("tl@council.gov.uk", "sarah.jones@nhs.net", NOW - 2 * DAY)])
    store.mark_replied([("kw@council.gov.uk", "carer@oldmail.org", OLD),
                        ("kw@council.gov.uk", "gp@surgery.nhs.uk", OLD)])
    store.learn_groups([("kw@council.gov.uk", ("sarah.jones@nhs.net", "carer@oldmail.org"))])
    store.learn_profiles([("kw@council.gov.uk", "sarah.jones@nhs.net", (11, 12)),
                          ("kw@council.gov.uk", "carer@oldmail.org", (11, 13))])


def test_history_past_its_days_goes_with_its_profile_groups_and_spellings(any_store):
    _history(any_store)
    slips = ["carr@oldmail.org", "@oldmai.org"]
    assert set(any_store.near(slips)) == set(slips)  # slips of it are found
    done = any_store.expire_history(NOW - 730 * DAY)
    # the old pair, the reply-only row of the GP who wrote once, and the domains no one
    # has written to since
    assert done == {"pairs": 2, "domains": 1}
    assert any_store.correspondence("kw@council.gov.uk", ["carer@oldmail.org",
                                                          "gp@surgery.nhs.uk"]) == {}
    assert any_store.domains(["oldmail.org"]) == {}
    assert any_store.profile_fit("kw@council.gov.uk", ["carer@oldmail.org"], (13,)) == {}
    assert any_store.together("kw@council.gov.uk",
                              ["sarah.jones@nhs.net", "carer@oldmail.org"]) == {}
    assert any_store.near(slips) == {}
    # what is current stays, whole
    kept = any_store.correspondence("kw@council.gov.uk", ["sarah.jones@nhs.net"])
    assert kept["sarah.jones@nhs.net"].count == 5
    assert any_store.profile_fit("kw@council.gov.uk", ["sarah.jones@nhs.net"], (11, 12)) == {
        "sarah.jones@nhs.net": 2}
    assert any_store.near(["sarah.jone@nhs.net"]) == {"sarah.jone@nhs.net": [
        "sarah.jones@nhs.net"]}
    assert any_store.expire_history(NOW - 730 * DAY) == {"pairs": 0, "domains": 0}


def test_an_address_learned_again_after_expiry_is_filed_for_slips_again(any_store):
    _history(any_store)
    any_store.expire_history(NOW - 730 * DAY)
    any_store.learn([Pair("kw@council.gov.uk", "carer@oldmail.org", NOW)])
    assert any_store.near(["carr@oldmail.org", "@oldmai.org"]) == {
        "carr@oldmail.org": ["carer@oldmail.org"], "@oldmai.org": ["@oldmail.org"]}


def test_a_reply_keeps_a_row_alive_without_making_our_last_message_newer(any_store):
    any_store.mark_replied([("kw@council.gov.uk", "gp@surgery.nhs.uk", OLD)])
    any_store.mark_replied([("kw@council.gov.uk", "gp@surgery.nhs.uk", NOW)])
    assert any_store.expire_history(NOW - 730 * DAY)["pairs"] == 0  # they wrote lately
    # once we write, the row's dates are ours: their reply does not make our last message
    # newer, but while they still write the pair is kept (and what `wrote-to-us` reads)
    any_store.learn([Pair("kw@council.gov.uk", "gp@surgery.nhs.uk", OLD)])
    any_store.mark_replied([("kw@council.gov.uk", "gp@surgery.nhs.uk", NOW)])
    [row] = any_store.correspondence("kw@council.gov.uk", ["gp@surgery.nhs.uk"]).values()
    assert (row.count, row.first_seen, row.last_seen, row.replied) == (1, OLD, OLD, True)
    assert any_store.expire_history(NOW - 730 * DAY)["pairs"] == 0
    assert any_store.wrote_in(["gp@surgery.nhs.uk"]) == {"gp@surgery.nhs.uk"}
    # an old reply to an old pair keeps nothing
    any_store.learn([Pair("kw@council.gov.uk", "carer@oldmail.org", OLD)])
    any_store.mark_replied([("kw@council.gov.uk", "carer@oldmail.org", OLD + DAY)])
    assert any_store.expire_history(NOW - 730 * DAY)["pairs"] == 1


def test_what_is_held_about_an_address_is_counted_without_text(any_store):
    _history(any_store)
    held = any_store.held_about("sarah.jones@nhs.net")
    assert [(s, c.count) for s, c in held.written_by] == [("kw@council.gov.uk", 5),
                                                         ("tl@council.gov.uk", 1)]
    assert (held.writes_to, held.profile_rows, held.group_rows) == (0, 2, 1)
    assert held.spellings == len("sarah.jones") + 1 + 2  # and its two names at nhs.net
    worker = any_store.held_about("kw@council.gov.uk")
    assert (worker.written_by, worker.writes_to, worker.profile_rows) == ((), 2, 4)
    assert any_store.held_about("nobody@example.org").profile_rows == 0


def test_forgetting_an_address_erases_every_row_that_names_it_and_nothing_else(any_store):
    _history(any_store)
    done = any_store.forget(["sarah.jones@nhs.net"])
    assert done == {"correspondence": 2, "profiles": 2, "groups": 1,
                    "spellings": len("sarah.jones") + 1 + 2}  # with its two names
    gone = any_store.held_about("sarah.jones@nhs.net")
    assert (gone.written_by, gone.profile_rows, gone.group_rows, gone.spellings) == ((), 0, 0, 0)
    assert any_store.addressed(["sarah.jones@nhs.net"]) == {}
    # the carer's history is untouched, and so is the organisation's count for nhs.net
    assert any_store.held_about("carer@oldmail.org").profile_rows == 2
    assert any_store.domains(["nhs.net"])["nhs.net"].count == 6
    # a sender is forgotten as a sender: every pair and profile row from them
    any_store.forget(["kw@council.gov.uk"])
    assert any_store.contacts("kw@council.gov.uk") == []
    assert any_store.held_about("carer@oldmail.org").profile_rows == 0
    assert any_store.forget(["kw@council.gov.uk"]) == dict.fromkeys(
        ("correspondence", "profiles", "groups", "spellings"), 0)


def test_expiry_goes_a_batch_at_a_time_and_spares_a_pair_written_to_meanwhile(any_store,
                                                                             monkeypatch):
    from dlpgate.store import keeping

    monkeypatch.setattr(keeping, "EXPIRE_BATCH", 2)
    any_store.learn([Pair("kw@council.gov.uk", f"old{i}@oldmail.org", OLD) for i in range(5)])
    assert any_store.expire_history(NOW - 730 * DAY) == {"pairs": 5, "domains": 1}
    # a pair read as old but written to before its batch's transaction is not deleted
    any_store.learn([Pair("kw@council.gov.uk", "again@oldmail.org", NOW)])
    gone = any_store._atomic(lambda db: any_store._expire_pairs(
        db, [("kw@council.gov.uk", "again@oldmail.org")], NOW - 730 * DAY))
    assert gone == [] and any_store.addressed(["again@oldmail.org"]) == {"again@oldmail.org": 1}


def test_forgetting_hundreds_of_addresses_at_once_stays_inside_sqlites_parameter_limit(
        any_store):
    _history(any_store)
    many = [f"left{i}@example.org" for i in range(700)] + ["carer@oldmail.org"]
    assert any_store.forget(many)["correspondence"] == 1  # the one pair that names it
    assert any_store.addressed(["carer@oldmail.org", "sarah.jones@nhs.net"]) == {
        "sarah.jones@nhs.net": 2}


def test_words_not_sent_for_history_days_leave_a_profile_the_pair_still_uses(any_store):
    any_store.learn([Pair("kw@council.gov.uk", "sarah.jones@nhs.net", NOW)])
    any_store.learn_profiles([("kw@council.gov.uk", "sarah.jones@nhs.net", (1, 2))], OLD)
    any_store.learn_profiles([("kw@council.gov.uk", "sarah.jones@nhs.net", (2, 3))], NOW)
    assert any_store.expire_words(NOW - 730 * DAY) == 1  # word 1, last sent 800 days ago
    assert any_store.profile_fit("kw@council.gov.uk", ["sarah.jones@nhs.net"], (1, 2, 3)) == {
        "sarah.jones@nhs.net": 2}
    # words learned before profiles were dated count from the upgrade
    any_store._atomic(lambda db: db.execute("UPDATE profiles SET seen = NULL"))
    assert any_store.expire_words(NOW - 730 * DAY) == 0  # this store was upgraded just now
    any_store._atomic(lambda db: db.execute(
        "UPDATE meta SET value = ? WHERE key = 'profiles_dated_from'", (str(int(OLD)),)))
    assert any_store.expire_words(NOW - 730 * DAY) == 2


def test_the_history_in_all_is_counted_without_an_address(any_store):
    _history(any_store)
    stats = any_store.history_stats()
    assert stats == {"pairs": 3, "senders": 2, "addresses": 2, "replied": 2, "domains": 2,
                     "profile_words": 4, "group_pairs": 1, "oldest_last_seen": OLD,
                     "newest_last_seen": NOW - DAY}


def test_an_address_forgotten_elsewhere_is_filed_for_slips_again_when_next_learned(store_url):
    # a relay keeps what it has filed in a cache; an erasure by the CLI (another process)
    # must not leave the address without its near spellings for the rest of the hour
    from dlpgate.store.base import open_store

    relay, cli = open_store(store_url), open_store(store_url)
    try:
        relay.learn([Pair("kw@council.gov.uk", "carer@oldmail.org", NOW)])
        cli.forget(["carer@oldmail.org"])
        relay.learn([Pair("kw@council.gov.uk", "carer@oldmail.org", NOW)])
        assert relay.near(["carr@oldmail.org"]) == {"carr@oldmail.org": ["carer@oldmail.org"]}
    finally:
        relay.close()
        cli.close()


def test_of_two_nodes_asking_for_a_turn_at_a_job_one_gets_it(store_url):
    from dlpgate.store.base import open_store

    a, b = open_store(store_url), open_store(store_url)
    try:
        hour = 3240.0  # what serve asks: 90% of the hourly expire_interval
        assert a.take_turn("history-retention", hour, NOW)
        assert not b.take_turn("history-retention", hour, NOW + 60)  # a has it this hour
        assert b.take_turn("history-words", DAY, NOW + 60)  # another job, its own turns
        assert not a.take_turn("history-words", DAY, NOW + 3600)  # as after a restart
        assert b.take_turn("history-retention", hour, NOW + 3600)
        assert not a.take_turn("history-retention", hour, NOW + 3600)
    finally:
        a.close()
        b.close()
