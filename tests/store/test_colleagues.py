"""Colleagues' history asked across senders (store/colleagues.py): on both backends."""

from __future__ import annotations

from dlpgate.history import Pair

NOW = 1_000 * 86400.0
KW, TL = "kw@council.gov.uk", "tl@council.gov.uk"


def _history(store) -> None:
    """The team leader writes to the school's safeguarding lead, sarah.khan, about a case;
    the key worker has only written to sarah.jones, once, about the summer fair."""
    store.learn([Pair(TL, "sarah.khan@oakfield.sch.uk", NOW, count=6),
                 Pair(TL, "imran.khan@oakfield.sch.uk", NOW),
                 Pair(TL, "head@oakfield.sch.uk", NOW),
                 Pair(KW, "sarah.jones@oakfield.sch.uk", NOW),
                 Pair(KW, "sarah.khan@nhs.net", NOW)])
    store.learn_profiles([(TL, "sarah.khan@oakfield.sch.uk", (1, 2, 3)),
                          (TL, "imran.khan@oakfield.sch.uk", (3,)),
                          (KW, "sarah.jones@oakfield.sch.uk", (3, 4))])
    store.learn_groups([(TL, ("sarah.khan@oakfield.sch.uk", "head@oakfield.sch.uk"))] * 2)


def test_addresses_are_found_by_first_name_or_surname_at_their_domain(any_store):
    _history(any_store)
    got = any_store.named_alike(["sarah.jones@oakfield.sch.uk", "sarah.khann@oakfield.sch.uk"])
    # sarah at oakfield; not sarah.khan at nhs.net (another domain), not the address itself
    assert got["sarah.jones@oakfield.sch.uk"] == ["sarah.khan@oakfield.sch.uk"]
    # both Sarahs by the first name; khann is no surname of imran's
    assert got["sarah.khann@oakfield.sch.uk"] == ["sarah.jones@oakfield.sch.uk",
                                                  "sarah.khan@oakfield.sch.uk"]
    assert any_store.named_alike(["amir.khan@oakfield.sch.uk"]) == {
        "amir.khan@oakfield.sch.uk": ["imran.khan@oakfield.sch.uk", "sarah.khan@oakfield.sch.uk"]}
    assert any_store.named_alike(["head@oakfield.sch.uk"]) == {}
    # a name is not a spelling: slips are still found among addresses alone
    assert any_store.near(["sarah.jones@oakfield.sch.uk"]) == {}


def test_what_went_to_each_from_anyone_counts_words_few_addresses_had(any_store):
    _history(any_store)
    got = any_store.share_from_anyone(
        ["sarah.khan@oakfield.sch.uk", "sarah.jones@oakfield.sch.uk", "head@oakfield.sch.uk"],
        (1, 2, 3))
    # 1 and 2 went to sarah.khan alone; 3 to three addresses, so a third each
    assert got == {"sarah.khan@oakfield.sch.uk": round(2 + 1 / 3, 9),
                   "sarah.jones@oakfield.sch.uk": round(1 / 3, 9)}
    assert any_store.share_from_anyone(["head@oakfield.sch.uk"], (1,)) == {}


def test_pairs_had_mail_together_from_anyone(any_store):
    _history(any_store)
    got = any_store.together_anyone(["head@oakfield.sch.uk", "sarah.khan@oakfield.sch.uk",
                                     "sarah.jones@oakfield.sch.uk"])
    assert got == {("head@oakfield.sch.uk", "sarah.khan@oakfield.sch.uk"): 2}


def test_an_erased_address_is_no_ones_namesake_any_more(any_store):
    _history(any_store)
    any_store.forget(["sarah.khan@oakfield.sch.uk"])
    assert any_store.named_alike(["sarah.jones@oakfield.sch.uk"]) == {}
    assert any_store.held_about("sarah.khan@oakfield.sch.uk").spellings == 0


def test_an_address_past_retention_is_no_ones_namesake_any_more(any_store):
    _history(any_store)
    any_store.expire_history(NOW + 1)
    assert any_store.named_alike(["sarah.jones@oakfield.sch.uk"]) == {}
