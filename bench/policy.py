"""Policy: how much risky mail the shipped policy holds, and how much genuine mail.

    .venv/bin/python bench/policy.py [--per-kind 40] [--seed 2026] [--train 0.7] [--no-ner]

Runs the real pipeline (parse, detect, decide) with the shipped policy
(policies/default.yaml) and prints two reports:

(a) The scenario corpus (dlpgate.testscenarios): generated council messages of
    twelve risky kinds (look-alike domains, new webmail, lists to new
    organisations, foster carers in To, OFFICIAL-SENSITIVE to insecure places, the
    autocomplete error, a reply to another contact of the asker's first name, the
    autocomplete's first suggestion when a child's details have only gone to the
    other contact of that name, a child's details to a namesake met only on a
    circular, unreadable attachments, address slips, social care sending
    identifiers outside) and eleven benign twins, each run with its own correspondence history
    as `dlpgate policy test` runs examples. Per kind: how many, the share held
    (verdict hold or reject; confirm and delay are holds), the share given the
    action the kind wants where it names one, and the rules that chose the action.
    Totals: detection rate (risky held / risky) and false-hold rate (benign held /
    benign), against the targets >= 95% and <= 2%.
    The Welsh kinds (Welsh-only case mail to a
    family's new webmail address; everyday Welsh and bilingual mail to residents)
    are counted in the totals and also reported on their own line, beside the
    totals of the other kinds.

(b) Genuine mail: the Enron sent mail (../shared/corpora/enron-sent). As in
    bench/misdirection.py, history (pairs, groups, content profiles) is learned
    from the first 70% of each user's messages, in date order, all users into one
    store; every later message is then scanned as sent, with the recipient
    assessor's "now" set to the message's own date. None of it was misdirected,
    so every hold is a false hold: the share held, against the target <= 1%, and
    the rules that held them. Enron is not a council (no NHS numbers, no social
    care), so this measures the misdirection and exposure rules on real
    correspondence patterns, not the special-category ones.

(c) The detection corpus, misrouted (dlpgate.testcorpus, written for the
    detection issue before the policy existed, so not shaped to it): each message
    is sent four ways: to a colleague, to the right partner contact (with
    history), to a look-alike of that partner (nhs.com for nhs.net, with history
    for the real one), and to a new personal webmail address. A message counts as
    risky when it is misrouted (look-alike or new webmail) and carries personal
    data about someone other than its sender (an identifier, special-category
    data, or contact details); everything else counts as benign.

Timings are printed for all; they are for orientation, not a target.
"""

from __future__ import annotations

import argparse
import dataclasses
import email
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dlpgate import testscenarios  # noqa: E402
from dlpgate.cli import envelope_from_headers  # noqa: E402
from dlpgate.config import Settings  # noqa: E402
from dlpgate.history import pairs_from_message  # noqa: E402
from dlpgate.model import Decision, Verdict  # noqa: E402
from dlpgate.pipeline import Scanner  # noqa: E402
from dlpgate.policy.examples import run_example  # noqa: E402
from dlpgate.policy.load import load_policy  # noqa: E402
from dlpgate.record import learn_sent  # noqa: E402
from dlpgate.store.sqlite import SQLiteStore  # noqa: E402

ENRON = ROOT.parent / "shared" / "corpora" / "enron-sent"
# as bench/misdirection.py configures the organisation (enron.net: Enron's own second domain)
ORGANISATION = {"organisation": {"internal_domains": ["enron.com"]},
                "recipients": {"distinct_domains": ["enron.net"]}}
HELD = (Verdict.HOLD, Verdict.REJECT)
TARGET_RISKY, TARGET_BENIGN, TARGET_GENUINE = 0.95, 0.02, 0.01


def deciding(d: Decision) -> list[str]:
    """The rules whose action is the one chosen: those that made the verdict."""
    return [m.rule for m in d.matches if m.counts and m.action == d.chosen]


def _detection(no_ner: bool) -> dict:
    return {"detection": {"ner": False}} if no_ner else {}


def scenario_report(per_kind: int, seed: int, no_ner: bool, show: int) -> None:
    settings = Settings.model_validate(_detection(no_ner))
    policy = load_policy(settings)
    corpus = testscenarios.generate(per_kind, seed)
    scanners: dict = {}
    by_kind: dict[str, list[tuple[testscenarios.Scenario, bool, str, list[str]]]] = \
        defaultdict(list)
    times: list[float] = []
    for s in corpus:
        t0 = time.perf_counter()
        outcome, result = run_example(s.example, policy, settings, scanners)
        times.append(time.perf_counter() - t0)
        d = result.decision
        by_kind[s.kind].append((s, d.verdict in HELD, outcome.action, deciding(d)))

    print(f"(a) scenario corpus: {len(corpus)} messages, {per_kind} per kind, seed {seed}, "
          f"NER {'off' if no_ner else 'on'}")
    print(f"    {'kind':<30}{'n':>4}{'held':>7}{'wanted':>14}  rules that chose the action")
    totals = {True: [0, 0], False: [0, 0]}
    welsh = {True: [0, 0], False: [0, 0]}  # the Welsh kinds, also counted in `totals`
    misses: list[str] = []
    for risky in (True, False):
        print(f"    {'risky (want held)' if risky else 'benign (want not held)'}")
        for kind, items in by_kind.items():
            if items[0][0].risky != risky:
                continue
            n, held = len(items), sum(h for _, h, _, _ in items)
            totals[risky][0] += held
            totals[risky][1] += n
            if kind in testscenarios.WELSH_KINDS:
                welsh[risky][0] += held
                welsh[risky][1] += n
            wanted = items[0][0].wanted
            got = f"{sum(a == wanted for _, _, a, _ in items) / n:.0%} {wanted}" if wanted else ""
            rules = Counter(r for _, _, _, rs in items for r in rs)
            top = ", ".join(f"{r} {c}" for r, c in rules.most_common(3)) or "-"
            print(f"    {kind:<30}{n:>4}{held / n:>7.0%}{got:>14}  {top}")
            wrong = [(s, a, rs) for s, h, a, rs in items if h != risky]
            misses += [f"{s.example.name}: {a} ({', '.join(rs) or 'no rule'}) -> "
                       f"{', '.join(s.example.to[:2])}" for s, a, rs in wrong[:show]]
    (rh, rn), (bh, bn) = totals[True], totals[False]
    print(f"    detection rate, risky held:  {rh}/{rn} = {rh / rn:.1%}   "
          f"target >= {TARGET_RISKY:.0%} risky held "
          f"[{'met' if rh / rn >= TARGET_RISKY else 'NOT met'}]")
    print(f"    false-hold rate, benign held: {bh}/{bn} = {bh / bn:.1%}   "
          f"target <= {TARGET_BENIGN:.0%} benign held "
          f"[{'met' if bh / bn <= TARGET_BENIGN else 'NOT met'}]")
    (wh, wn), (eh, en) = welsh[True], welsh[False]
    if wn or en:
        print(f"    Welsh: case mail held {wh}/{wn} (target all), everyday mail held {eh}/{en} "
              f"(target none); other kinds: risky held {rh - wh}/{rn - wn}, benign held "
              f"{bh - eh}/{bn - en}")
    if misses:
        print(f"    not as wanted (up to {show} per kind):")
        for m in misses:
            print(f"      {m}")
    print(f"    time: {sum(times):.1f} s, {1000 * statistics.mean(times):.1f} ms per message "
          f"(build, fresh store, scan)")


def _learn(store: SQLiteStore, files: list[Path]) -> None:
    key = store.profile_key()
    for f in files:
        learn_sent(store, f.read_bytes(), key)


def enron_report(train: float, no_ner: bool, show: int) -> None:
    if not ENRON.is_dir():
        print(f"(b) Enron corpus not found at {ENRON}; skipped")
        return
    settings = Settings.model_validate({**ORGANISATION, **_detection(no_ner)})
    policy = load_policy(settings)
    users = sorted(p for p in ENRON.iterdir() if p.is_dir())
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(f"sqlite:///{tmp}/history.db")
        t0 = time.perf_counter()
        held_out: list[tuple[str, Path]] = []
        learned = 0
        for user in users:
            files = sorted(user.glob("*.eml"), key=lambda p: int(p.stem))
            cut = int(len(files) * train)
            _learn(store, files[:cut])
            learned += cut
            held_out += [(user.name, f) for f in files[cut:]]
        learn_time = time.perf_counter() - t0
        scanner = Scanner(settings, store, policy)
        scanned, skipped, held_copies = 0, 0, 0
        held: list[tuple[str, Path, Decision]] = []
        seen: set[tuple] = set()  # the corpus keeps one message from several folders
        held_seen: set[tuple] = set()
        ours, ours_held = 0, 0  # messages sent from the organisation's own domain
        matched: Counter[str] = Counter()
        holding: Counter[str] = Counter()
        verdicts: Counter[str] = Counter()
        times: list[float] = []
        for _user, path in held_out:
            raw = path.read_bytes()
            pairs = pairs_from_message(raw)
            if not pairs:
                skipped += 1
                continue
            when = max(p.when for p in pairs) or None
            key = (pairs[0].sender, tuple(p.recipient for p in pairs), when,
                   email.message_from_bytes(raw).get("Subject", ""))
            seen.add(key)
            scanner.ctx = dataclasses.replace(scanner.ctx, now=when)  # "now": the message's date
            t1 = time.perf_counter()
            result = scanner.scan(raw, envelope_from_headers(raw))
            times.append(time.perf_counter() - t1)
            scanned += 1
            d = result.decision
            from_org = pairs[0].sender.endswith("@enron.com")
            ours += from_org
            ours_held += from_org and d.verdict in HELD
            verdicts[d.chosen.value] += 1
            matched.update(m.rule for m in d.matches if m.counts)
            if d.verdict in HELD:
                if key not in held_seen:
                    held.append((_user, path, d))
                held_seen.add(key)
                held_copies += 1
                holding.update(deciding(d))
        store.close()

    share = held_copies / scanned if scanned else 0.0
    distinct = len(held) / len(seen) if seen else 0.0
    print(f"(b) Enron genuine mail: {len(users)} users; history from the first {train:.0%} "
          f"({learned} messages), {scanned} held-out messages scanned ({skipped} without "
          f"recipients skipped); NER {'off' if no_ner else 'on'}")
    print(f"    actions: {', '.join(f'{a} {n}' for a, n in verdicts.most_common())}")
    print(f"    genuine mail held: {held_copies}/{scanned} = {share:.2%}   target <= "
          f"{TARGET_GENUINE:.0%} [{'met' if share <= TARGET_GENUINE else 'NOT met'}]")
    print(f"    distinct messages (copies kept in several folders counted once): "
          f"{len(held)}/{len(seen)} = {distinct:.2%} held")
    own = ours_held / ours if ours else 0.0
    print(f"    sent from the organisation's own domain (what its gateway would see): "
          f"{ours_held}/{ours} = {own:.2%} held")
    print(f"    {'rule':<46}{'matched':>8}{'held':>6}")
    for rule, n in matched.most_common():
        print(f"    {rule:<46}{n:>8}{holding[rule]:>6}")
    if held and show:
        print(f"    held, distinct (first {min(show, len(held))}):")
        for user, path, d in held[:show]:
            reason = d.reasons[0] if d.reasons else ""
            print(f"      {user}/{path.name}: {d.chosen.value} ({', '.join(deciding(d))}) "
                  f"{reason[:150]}")
    if times:
        p95 = sorted(times)[int(0.95 * (len(times) - 1))]
        print(f"    time: learning {learn_time:.1f} s; scanning {sum(times):.1f} s, "
              f"{1000 * statistics.mean(times):.1f} ms mean, {1000 * p95:.1f} ms p95 per message")


ORG = {"internal_domains": ["example-council.gov.uk"], "partner_domains": ["nhs.net"],
       "secure_domains": []}
PERSONAL = {"UK_NHS", "UK_NINO", "UK_UPN", "DATE_OF_BIRTH", "SPECIAL_CATEGORY", "UK_POSTCODE",
            "PHONE_NUMBER", "EMAIL_ADDRESS"}
ROUTES = {
    "colleague": ("bob.khan@example-council.gov.uk", ()),
    "partner": ("duty.team@nhs.net", ({"recipient": "duty.team@nhs.net", "count": 20},)),
    "look-alike": ("duty.team@nhs.com", ({"recipient": "duty.team@nhs.net", "count": 20},)),
    "new webmail": ("jsmith1987@gmail.com", ()),
}


def misrouted_report(n: int, seed: int, no_ner: bool, show: int) -> None:
    from dlpgate import testcorpus
    from dlpgate.policy.rules import Example

    settings = Settings.model_validate(_detection(no_ner))
    policy = load_policy(settings)
    scanners: dict = {}
    counts: dict[tuple[str, bool], list[int]] = defaultdict(lambda: [0, 0])
    misses: list[str] = []
    for i, m in enumerate(testcorpus.generate(n, seed)):
        personal = any(entity in PERSONAL for entity, _ in m.labels)
        for route, (to, history) in ROUTES.items():
            ex = Example(name=f"{i}", file="testcorpus", line=i, rule="",
                         sender=f"{m.sender_name} <{m.sender}>", to=(to,), subject=m.subject,
                         body=m.body, history=history, organisation=ORG)
            _, result = run_example(ex, policy, settings, scanners)
            risky = personal and route in ("look-alike", "new webmail")
            held = result.decision.verdict in HELD
            counts[(route, risky)][0] += 1
            counts[(route, risky)][1] += held
            if risky != held and len(misses) < show:
                misses.append(f"      #{i} {m.subject!r} to {route}: {result.decision.chosen.value}"
                              f" ({', '.join(result.decision.rules) or 'no rule'})")
    print(f"(c) detection corpus misrouted: {n} messages x {len(ROUTES)} routes, seed {seed}")
    print(f"    {'route':<14}{'risky':>7}{'held':>7}{'benign':>8}{'held':>7}")
    for route in ROUTES:
        r, b = counts[(route, True)], counts[(route, False)]
        print(f"    {route:<14}{r[0]:>7}{r[1]:>7}{b[0]:>8}{b[1]:>7}")
    risky = [sum(counts[(k, True)][j] for k in ROUTES) for j in (0, 1)]
    benign = [sum(counts[(k, False)][j] for k in ROUTES) for j in (0, 1)]
    print(f"    risky held: {risky[1]}/{risky[0]} = {risky[1] / max(1, risky[0]):.1%}; "
          f"benign held: {benign[1]}/{benign[0]} = {benign[1] / max(1, benign[0]):.1%}")
    if misses:
        print("    not as labelled:")
        print("\n".join(misses))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-kind", type=int, default=40, help="scenarios per kind (a)")
    ap.add_argument("--seed", type=int, default=2026, help="scenario corpus seed (a)")
    ap.add_argument("--train", type=float, default=0.7,
                    help="share of each Enron user's mail learned as history (b)")
    ap.add_argument("--corpus", type=int, default=150, help="detection-corpus messages (c)")
    ap.add_argument("--no-ner", action="store_true", help="patterns only, no spaCy NER")
    ap.add_argument("--show", type=int, default=5,
                    help="misses per kind (a) and held messages (b) to list")
    args = ap.parse_args()
    scenario_report(args.per_kind, args.seed, args.no_ner, args.show)
    print()
    misrouted_report(args.corpus, args.seed, args.no_ner, args.show)
    print()
    enron_report(args.train, args.no_ner, args.show)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
