"""Examples in policy files run through the real pipeline and say exactly what differed."""

from __future__ import annotations

from pathlib import Path

from dlpgate.config import Settings
from dlpgate.policy.examples import run_all, run_example, table
from dlpgate.policy.load import load_files, shipped_files

FAST = Settings.model_validate({"detection": {"ner": False}})

POLICY = """\
examples_organisation:
  internal_domains: [example-council.gov.uk]
  partner_domains: [nhs.net]
  secure_domains: []
rules:
  - id: nhs-to-new-recipient
    title: t
    when:
      all:
        - findings: {entity: UK_NHS}
        - recipients: {any: {signal: [new-to-sender, new-to-organisation]}}
    action: hold
    explain: "{recipient}"
    examples:
      - name: to someone new it is held
        to: [a@example.org]
        body: "NHS number 943 476 5919"
        expect: {action: hold, rules: [nhs-to-new-recipient]}
      - name: to someone the sender writes to it goes
        to: [a@example.org]
        body: "NHS number 943 476 5919"
        history: [{recipient: a@example.org, count: 9}]
        expect: allow
      - name: a wrong expectation
        to: [a@example.org]
        body: "NHS number 943 476 5919"
        expect: {action: log, not_rules: [nhs-to-new-recipient]}
examples:
  - name: an attachment is read too
    to: [b@example.org]
    attachments: [{name: list.xlsx, text: "NHS, 943 476 5919"}]
    expect: hold
"""


def test_examples_pass_and_a_wrong_one_names_every_difference(tmp_path: Path):
    path = tmp_path / "p.yaml"
    path.write_text(POLICY)
    outcomes = run_all(load_files([path], FAST), FAST)
    assert [o.passed for o in outcomes] == [True, True, False, True]
    assert outcomes[2].problems == (
        "expected log, got hold (rules: nhs-to-new-recipient)",
        "expected rule nhs-to-new-recipient not to match; it did",
        # what the recipient tests saw, so the author can see why
        "recipient a@example.org: risk 0.99, new-to-organisation, unmentioned",
    )
    printed = table(outcomes)
    assert "FAIL  p.yaml:24" in printed and "3 of 4 examples passed" in printed
    assert "PASS  p.yaml:15" in printed and "nhs-to-new-recipient" in printed


def test_a_shadow_match_counts_both_ways_and_an_override_is_named(tmp_path: Path):
    path = tmp_path / "p.yaml"
    path.write_text("""\
rules:
  - id: trial
    title: t
    mode: shadow
    when: {message: {matches: "(?i)rota"}}
    action: hold
    explain: x
  - id: strict
    title: t
    when: {message: {matches: "(?i)rota"}}
    action: hold
    explain: x
  - id: relax
    title: t
    overrides: [strict]
    when: {message: {matches: "(?i)staff rota"}}
    action: log
    explain: x
examples:
  - {name: a, to: [a@example.org], subject: Staff rota, expect: {not_rules: [trial]}}
  - {name: b, to: [a@example.org], subject: Staff rota, expect: {rules: [strict]}}
""")
    first, second = run_all(load_files([path], FAST), FAST)
    assert first.problems[0] == "expected rule trial not to match; it did (in shadow mode)"
    assert second.problems[0] == "expected rule strict to match; it did, but relax overrides it"


def test_an_example_uses_the_files_organisation_not_the_sites(tmp_path: Path):
    path = tmp_path / "p.yaml"
    path.write_text(POLICY)
    site = Settings.model_validate({"organisation": {"internal_domains": ["example.org"]},
                                    "detection": {"ner": False}})
    policy = load_files([path], site)
    outcome, result = run_example(policy.examples[0], policy, site)
    assert outcome.passed
    assert [r.address for r in result.evidence.recipients] == ["a@example.org"]
    assert "internal" not in [s.name for s in result.evidence.recipients[0].signals]


def test_what_went_to_a_contact_before_is_learned_into_its_content_profile(tmp_path: Path):
    """`sent:` in an example's history: the NHS number went to one Sarah, so the same number
    to the other Sarah fits the first (content-fits-another), as in relayed mail."""
    policy_text = """\
rules:
  - id: content-fit
    title: t
    when: {recipients: {any: {signal: content-fits-another}}}
    action: hold
    explain: x
    examples:
      - name: held
        to: [sarah.jones@fostering.example.org]
        body: "NHS number 943 476 5919 for the review."
        history:
          - {recipient: sarah.khan@care.example.org, count: 9,
             sent: ["NHS number 943 476 5919 for the GP form."]}
          - {recipient: sarah.jones@fostering.example.org, count: 9, sent: "Training dates."}
        expect: {action: hold, rules: [content-fit]}
      - name: without what went before it is not
        to: [sarah.jones@fostering.example.org]
        body: "NHS number 943 476 5919 for the review."
        history:
          - {recipient: sarah.khan@care.example.org, count: 9}
          - {recipient: sarah.jones@fostering.example.org, count: 9}
        expect: {not_rules: [content-fit]}
"""
    path = tmp_path / "p.yaml"
    path.write_text(policy_text)
    outcomes = run_all(load_files([path], FAST), FAST)
    assert [o.passed for o in outcomes] == [True, True], [o.problems for o in outcomes]


def test_an_example_may_write_addresses_as_a_mail_client_shows_them(tmp_path: Path):
    """"Sarah Khan <s.khan.nhs@otherorg.org>": the envelope gets the address, the To header the
    name too, which is what confusable-address reads (a regular contact's name shown at an
    address that is not hers)."""
    policy_text = """\
rules:
  - id: shown-as-contact
    title: t
    when: {recipients: {any: {signal: confusable-address}}}
    action: hold
    explain: x
    examples:
      - name: a contact's name at another address
        from: "Alex Officer <alex.officer@examplecouncil.gov.uk>"
        to: ["Sarah Khan <s.khan.nhs@otherorg.org>"]
        history: [{recipient: "Sarah Khan <sarah.khan@nhs.net>", count: 12}]
        expect: hold
      - name: a name with a comma, as Outlook writes it
        to: ["Khan, Sarah <s.khan.nhs@otherorg.org>"]
        history: [{recipient: sarah.khan@nhs.net, count: 12}]
        expect: hold
      - name: the same address shown under its own name
        to: ["Sam Khanna <s.khan.nhs@otherorg.org>"]
        history: [{recipient: "Sarah Khan <sarah.khan@nhs.net>", count: 12}]
        expect: {not_rules: [shown-as-contact]}
"""
    path = tmp_path / "p.yaml"
    path.write_text(policy_text)
    policy = load_files([path], FAST)
    outcomes = run_all(policy, FAST)
    assert [o.passed for o in outcomes] == [True, True, True], [o.problems for o in outcomes]
    _, result = run_example(policy.examples[0], policy, FAST)
    assert [r.address for r in result.evidence.recipients] == ["s.khan.nhs@otherorg.org"]


def test_every_shipped_example_passes():
    settings = Settings()
    outcomes = run_all(load_files(shipped_files(), settings), settings)
    assert len(outcomes) >= 15
    assert [o.example.name for o in outcomes if not o.passed] == []
    rules = {o.example.rule for o in outcomes}
    policy = load_files(shipped_files(), settings)
    untested = {r.id for r in policy.rules} - rules
    assert untested <= {"malformed-mime"}, untested  # damaged MIME cannot be written as YAML
