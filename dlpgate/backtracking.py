"""Patterns written by people, checked before they run on mail: no ambiguous repeated repetition.

Information-governance staff write regular expressions into policies (`matches:`) and
administrators into the configuration (`detection.case_references`). Python's engine
backtracks: a repetition inside another that can split the same run of text between its
turns, such as `(\\w+\\s?)+` or `(.*,)*`, tries exponentially many splits of a run that fails
to match at its end, and on a few hundred characters the scan of every message runs until
`relay.scan_timeout` and the mail is deferred. The shape is easy to write by accident and
easy to see in the parsed pattern, so it is refused when the pattern is loaded, with the way
out: a possessive inner repetition (`\\w++`) or an atomic group (`(?>...)`), which Python 3.11
runs and which never give back what they matched, or a pattern without the nesting.

A repetition inside a repeated group is refused only when every character the group must
match besides it could be one the inner repetition takes as well, so that a turn of the
group can end in more than one place: `(\\s*[A-Z]{2}\\d+)+` (a reference list, "AB12 CD34")
is fine, because each turn must start with two letters that `\\d+` cannot take. Overlapping
alternatives (`(a|ab)+`) and adjacent repetitions (`\\d+\\d+x`) are not looked for: they cost
more than they should but grow polynomially with the text, which `scan.limits` bounds.
"""

from __future__ import annotations

import re
import string
from re import _constants as c
from re import _parser as parser

# A repetition up to this many times is bounded enough not to count as "repeated".
_BOUNDED = 10

# The characters a pattern's pieces are compared on: enough of each kind that two classes
# which share any character share one of these.
_SAMPLE = string.printable + "éÉßŁł\u00a0\u2019"

ADVICE = ("a repetition inside a repeated group, where the group's turns can split the same "
          "text more than one way (like (\\w+\\s?)+ or (.*,)*), can take time exponential in "
          "the length of the text and stall every message's scan; make the inner repetition "
          "possessive (\\w++), put the group's inside in an atomic group ((?>\\w+\\s?)+), or "
          "write it without the nesting")


def ambiguous_repetition(pattern: str, ignore_case: bool = True) -> bool:
    """Whether `pattern` has a repeated group whose inner repetition can shift its turns
    (`ignore_case`: as policies compile it; a case reference is compiled as written)."""
    try:
        parsed = parser.parse(pattern, re.IGNORECASE if ignore_case else 0)
    except re.error:
        return False  # the caller's own compile reports it
    fold = ignore_case or bool(parsed.state.flags & re.IGNORECASE)  # or (?i) inside it
    return _search(list(parsed), fold)


def _search(items: list, fold: bool) -> bool:
    """Look through `items` for an unbounded repetition whose body is ambiguous."""
    for op, av in items:
        if op in (c.MAX_REPEAT, c.MIN_REPEAT):
            _, hi, body = av
            if (hi == c.MAXREPEAT or hi > _BOUNDED) and _ambiguous(list(body), fold):
                return True
            if _search(list(body), fold):
                return True
        elif op in (c.POSSESSIVE_REPEAT, c.ATOMIC_GROUP):
            # never gives back what it matched, so its own turns are not split again; what
            # it holds still backtracks while it is being matched
            if _search(list(av[2] if op == c.POSSESSIVE_REPEAT else av), fold):
                return True
        elif any(_search(sub, fold) for sub in _children(op, av)):
            return True
    return False


def _ambiguous(body: list, fold: bool) -> bool:
    """A body with an unbounded inner repetition X such that every character the body
    must match outside X is one X could take too: the turns' boundaries can move."""
    for inner, rest in _inner_repeats(body):
        takes = _chars(inner, fold)
        if all(_chars([atom], fold) & takes for atom in rest):
            return True
    return False


def _inner_repeats(body: list) -> list[tuple[list, list]]:
    """(what an unbounded greedy or lazy repetition repeats, the body's other mandatory
    atoms) for each such repetition in `body`, at any depth outside atomic parts."""
    found = []
    for i, (op, av) in enumerate(body):
        others = _mandatory(body[:i] + body[i + 1:])
        if op in (c.MAX_REPEAT, c.MIN_REPEAT):
            lo, hi, sub = av
            if hi == c.MAXREPEAT:
                found.append((list(sub), others))
            found += [(x, rest + others) for x, rest in _inner_repeats(list(sub))]
        elif op == c.SUBPATTERN:
            found += [(x, rest + others) for x, rest in _inner_repeats(list(av[3]))]
        elif op == c.BRANCH:
            for branch in av[1]:
                found += [(x, rest + others) for x, rest in _inner_repeats(list(branch))]
    return found


def _mandatory(items: list) -> list:
    """The atoms `items` cannot match without (repetitions of at least one turn, literals,
    classes); optional parts, anchors, lookarounds and alternatives are left out, which
    only makes a body look more ambiguous, never less."""
    out = []
    for op, av in items:
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            if av[0] >= 1:
                out.append((op, av))
        elif op == c.SUBPATTERN:
            out += _mandatory(list(av[3]))
        elif op == c.ATOMIC_GROUP:
            out += _mandatory(list(av))
        elif op in (c.LITERAL, c.NOT_LITERAL, c.ANY, c.IN):
            out.append((op, av))
    return out


def _children(op, av) -> list[list]:
    if op == c.SUBPATTERN:
        return [list(av[3])]
    if op == c.BRANCH:
        return [list(b) for b in av[1]]
    if op in (c.ASSERT, c.ASSERT_NOT):
        return [list(av[1])]
    if op == c.GROUPREF_EXISTS:
        return [list(p) for p in av[1:] if p is not None]
    return []


def _chars(items: list, fold: bool) -> set[str]:
    """The sample characters any atom of `items` can match (in any case, with `fold`)."""
    out: set[str] = set()
    for op, av in items:
        if op in (c.LITERAL, c.NOT_LITERAL, c.ANY, c.IN):
            out |= {ch for ch in _SAMPLE if _accepts(op, av, ch, fold)}
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            out |= _chars(list(av[2]), fold)
        elif op == c.ATOMIC_GROUP:
            out |= _chars(list(av), fold)
        elif op in (c.SUBPATTERN, c.BRANCH):
            for sub in _children(op, av):
                out |= _chars(sub, fold)
    return out


def _accepts(op, av, ch: str, fold: bool) -> bool:
    forms = {x for x in (ch, ch.lower(), ch.upper()) if len(x) == 1} if fold else {ch}
    if op == c.ANY:
        return ch != "\n"
    if op in (c.LITERAL, c.NOT_LITERAL):
        same = chr(av) in forms
        return same if op == c.LITERAL else not same
    negate, hit = False, False  # IN: a set of the items below
    for kind, value in av:
        if kind == c.NEGATE:
            negate = True
        elif kind == c.LITERAL:
            hit |= chr(value) in forms
        elif kind == c.RANGE:
            hit |= any(value[0] <= ord(x) <= value[1] for x in forms)
        elif kind == c.CATEGORY:
            hit |= _CATEGORIES.get(value, lambda _x: True)(ch)
    return hit != negate


_CATEGORIES = {
    c.CATEGORY_DIGIT: str.isdigit,
    c.CATEGORY_NOT_DIGIT: lambda x: not x.isdigit(),
    c.CATEGORY_SPACE: str.isspace,
    c.CATEGORY_NOT_SPACE: lambda x: not x.isspace(),
    c.CATEGORY_WORD: lambda x: x.isalnum() or x == "_",
    c.CATEGORY_NOT_WORD: lambda x: not (x.isalnum() or x == "_"),
}
