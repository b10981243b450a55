"""Asked across every sender here: the namesakes colleagues write to, and what went to them.

A sender's own history knows only the Sarahs she has written to. When the Sarah meant is
one she has never written to and colleagues have (a caseworker new to a family writing to
the school's safeguarding lead, whom the team writes to every week), her autocomplete
offers the other Sarah she met on a circular, and her history has no namesake to compare
with. These queries let the organisation's history speak for her: the addresses filed
under a recipient's first name or surname at its domain (`keeping.name_keys`), what went to
each from anyone here (the content profiles, by word), and
with whom (the co-recipient pairs, by pair). Each is one indexed statement.
"""

from __future__ import annotations

from dlpgate.store.keeping import name_keys

# How many addresses a word is counted across before it is taken as common: a word that has
# gone to more counts as little as one that has gone to this many (bounds the index read).
WORD_SPREAD_MAX = 200


class ColleaguesHistory:
    """Mixed into the SQL stores (needs `_read` and `_filed_near`)."""

    def named_alike(self, addresses: list[str]) -> dict[str, list[str]]:
        """For each address, the addresses anyone here has written to that share its first
        name or its surname at its domain, itself left out: two name keys each, one indexed
        read for them all. A shared name is what `names.similar_names` asks; the caller
        leaves out the address's own other addresses and those the sender knows. A slip
        with no name in common (jskilling, jskiling) is not looked for: asking each
        address's spelling keys too cost five times as much and found no more on the
        benchmark's validation split."""
        return self._filed_near(addresses, name_keys)

    def share_from_anyone(self, recipients: list[str],
                          tokens: tuple[int, ...]) -> dict[str, float]:
        """What of `tokens` has gone to each of `recipients` from anyone here, each word
        weighted by 1 / how many addresses here it has gone to (counted up to
        WORD_SPREAD_MAX): a word only one address has had counts 1, a word everyone gets
        next to nothing. `profile_share` asks the same of one sender's mail."""
        if not recipients or not tokens:
            return {}
        words = sorted(set(tokens))
        t_marks, r_marks = ",".join("?" * len(words)), ",".join("?" * len(recipients))
        got = self._read(f"SELECT DISTINCT recipient, token FROM profiles WHERE token IN "
                         f"({t_marks}) AND recipient IN ({r_marks})", (*words, *recipients))
        if not got:
            return {}
        had = sorted({t for _, t in got})
        spread = dict(self._read(
            "SELECT w.token, (SELECT count(*) FROM (SELECT DISTINCT recipient FROM profiles "
            f"WHERE token = w.token LIMIT {WORD_SPREAD_MAX}) s) FROM (SELECT DISTINCT token "
            f"FROM profiles WHERE token IN ({','.join('?' * len(had))})) w", tuple(had)))
        out: dict[str, float] = {}
        for r, t in got:
            out[r] = out.get(r, 0.0) + 1.0 / max(1, spread.get(t, 1))
        return {r: round(v, 9) for r, v in out.items()}

    def together_anyone(self, addresses: list[str]) -> dict[tuple[str, str], int]:
        """How often each pair of `addresses` has had mail together from anyone here."""
        if len(addresses) < 2:
            return {}
        wanted = sorted(set(addresses))
        marks = ",".join("?" * len(wanted))
        rows = self._read(f"SELECT a, b, sum(count) FROM groups WHERE a IN ({marks}) AND b IN "
                          f"({marks}) GROUP BY a, b", (*wanted, *wanted))
        return {(a, b): int(n) for a, b, n in rows}
