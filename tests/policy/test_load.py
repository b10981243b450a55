"""load: a broken policy names every mistake at once, by file, line, column and rule."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from dlpgate.config import Settings
from dlpgate.model import Action
from dlpgate.policy.load import PolicyError, load_files, shipped_files

SETTINGS = Settings()

BROKEN = """\
lists:
  courts: {domains: [cjsm.net]}
rules:
  - id: first
    title: a rule with four mistakes
    when:
      all:
        - findings: {entity: UK_NHSS}
        - recipients: {any: {signal: lookalike}}
    action: hold
    explain: "{recipient}: {signal}"
  - id: first
    title: the same id again
    when: {message: {matches: "(unclosed"}}
    action: quarantine
    explain: x
  - id: third
    title: an undeclared list
    when: {recipients: {any: {domain: cortus}}}
    action: hold
    explain: x
    colour: red
"""


def problems_of(tmp_path: Path, text: str, name: str = "broken.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(PolicyError) as info:
        load_files([path], SETTINGS)
    return [str(p).replace(str(tmp_path) + "/", "") for p in info.value.problems]


def test_every_mistake_is_reported_at_once_with_file_line_column_and_rule(tmp_path):
    got = problems_of(tmp_path, BROKEN)
    assert got == [
        "broken.yaml:8:22: rule first: unknown entity 'UK_NHSS'; did you mean UK_NHS?",
        "broken.yaml:9:30: rule first: unknown signal 'lookalike'; did you mean "
        "lookalike-domain?",
        "broken.yaml:11:5: rule first: unknown placeholder {signal} in explain; did you mean "
        "signals?",
        "broken.yaml:12:5: rule first: duplicate rule id; first used at broken.yaml:4",
        "broken.yaml:14:22: rule first: not a valid regular expression: missing ), unterminated "
        "subpattern at position 0",
        "broken.yaml:15:5: rule first: unknown action 'quarantine'; expected one of: allow, "
        "log, delay, confirm, hold, reject",
        "broken.yaml:19:31: rule third: no domains list named 'cortus' is declared; did you "
        "mean courts?",
        "broken.yaml:22:5: rule third: unknown key 'colour' in a rule; expected one of: id, "
        "title, description, status, owner, references, falsepositives, tags, mode, when, "
        "action, minutes, explain, notify, overrides, examples",
    ]


def test_a_pattern_that_could_stall_mail_is_refused_where_it_is_written(tmp_path):
    got = problems_of(tmp_path, """\
rules:
  - id: staff-names
    title: names of staff in a list
    when: {message: {matches: "(\\\\w+\\\\s?)+ Ltd"}}
    action: log
    explain: x
""")
    assert len(got) == 1
    assert got[0].startswith("broken.yaml:4:22: rule staff-names: the regular expression could "
                             "stall mail: a repetition inside a repeated group")
    assert "possessive" in got[0]


def test_bad_yaml_names_its_line(tmp_path):
    got = problems_of(tmp_path, "rules:\n  - id: x\n    when: [unclosed\n")
    assert len(got) == 1 and got[0].startswith("broken.yaml:4:1:") and "not valid YAML" in got[0]
    # and its column; a quotation mark never closed, at the mark itself (the parser gave up at
    # the end of the file, line 3 column 1, and said so: "found unexpected end of stream")
    got = problems_of(tmp_path, 'rules:\n  - {id: x, title: "t, when: {findings: {}}}\n')
    assert len(got) == 1 and got[0].startswith("broken.yaml:2:20:")
    got = problems_of(tmp_path, "rules:\n  - {id: x, title: t}} extra\n")
    assert len(got) == 1 and got[0].startswith("broken.yaml:2:22:"), got


def test_missing_parts_of_a_rule_are_named(tmp_path):
    got = problems_of(tmp_path, "rules:\n  - id: Bad_Id\n")
    assert got == [
        "broken.yaml:2:5: every rule needs an 'id' of lower case letters, digits and hyphens",
        "broken.yaml:2:5: the rule has no 'title'",
        "broken.yaml:2:5: the rule has no 'when'",
        "broken.yaml:2:5: the rule has no 'action'",
        "broken.yaml:2:5: the rule has no 'explain'",
    ]


def test_references_across_files_are_checked_and_lists_are_joined(tmp_path):
    shipped = tmp_path / "a.yaml"
    shipped.write_text("lists:\n  secure: {domains: [cjsm.net]}\nrules:\n"
                       "  - {id: r1, title: t, when: {recipients: {any: {domain: secure}}},"
                       " action: log, explain: x}\n"
                       "  - {id: r2, title: t, when: {findings: {}}, action: hold, explain: x}\n")
    site = tmp_path / "b.yaml"
    site.write_text("lists:\n  secure: {domains: [Courts.Example.GOV.uk]}\ndisable: [r2]\n")
    policy = load_files([shipped, site], SETTINGS)
    assert [r.id for r in policy.rules] == ["r1"] and policy.disabled == ("r2",)
    assert policy.rules[0].when.check.domains == ("cjsm.net", "courts.example.gov.uk")

    site.write_text("disable: [r3]\nrules:\n  - {id: r1, title: t, when: {findings: {}}, "
                    "action: allow, overrides: [nope], explain: x}\n")
    with pytest.raises(PolicyError) as info:
        load_files([shipped, site], SETTINGS)
    text = "\n".join(map(str, info.value.problems))
    assert "b.yaml:1:11: disable names unknown rule 'r3'" in text
    assert "b.yaml:3:5: rule r1: duplicate rule id; first used at" in text
    assert "rule r1: overrides unknown rule 'nope'" in text


def test_an_exception_can_only_relax(tmp_path):
    got = problems_of(tmp_path, "rules:\n  - {id: r, title: t, when: {findings: {}}, "
                      "action: hold, overrides: [r], explain: x}\n")
    assert any("an exception (overrides) must have action allow or log" in g for g in got)


def test_a_list_of_the_wrong_kind_or_a_builtin_name_is_refused(tmp_path):
    got = problems_of(tmp_path, """\
lists:
  staff: {senders: ["@example.org"]}
  secure-domains: {domains: [x.org]}
rules:
  - {id: r, title: t, when: {recipients: {any: {domain: staff}}}, action: log, explain: x}
""")
    assert got == [
        "broken.yaml:3:3: 'secure-domains' is a built-in list (from the configuration); "
        "choose another name",
        "broken.yaml:5:49: rule r: list 'staff' holds senders, not domains",
    ]


def one_rule(when: str = "{findings: {}}", explain: str = "x", examples: str = "") -> str:
    """A policy of one rule, r, at lines 1-6 (its examples from line 8)."""
    extra = f"    examples:\n      {examples}\n" if examples else ""
    return (f"rules:\n  - id: r\n    title: t\n    when: {when}\n    action: log\n"
            f"    explain: {explain}\n{extra}")


def test_examples_are_checked_like_rules(tmp_path):
    got = problems_of(tmp_path, """\
rules:
  - id: r
    title: t
    when: {findings: {}}
    action: log
    explain: x
    examples:
      - {name: no recipients, expect: log}
      - {name: unknown rule, to: a@b.org, expect: {action: log, rules: [r9]}}
""")
    assert got == ["broken.yaml:8:9: rule r: the example has no 'to'",
                   "broken.yaml:9:73: rule r: example 'unknown rule' expects unknown rule 'r9'; "
                   "did you mean r?"]


@pytest.mark.parametrize("entry, said", [
    ("sent: 3", "sent: a text, or a list of texts, that went to them"),
    ("audience: many", "audience: how many recipients each message to them had"),
    # each of these was ignored, or stopped `policy test` with a traceback
    ("cout: 1", "unknown key 'cout' in a history entry; did you mean count?"),
    ("last_seen: 2020-01-01", "unknown key 'last_seen'"),
    ("count: forty", "count is a whole number of messages, 0 or more (not 'forty')"),
    ("count: 2.7", "count is a whole number of messages"),
    ("days_ago: last week", "days_ago is a number of days"),
    ('replied: "no"', "replied is true or false (not 'no')"),
])
def test_a_history_entry_in_an_example_is_checked_field_by_field(tmp_path, entry, said):
    got = problems_of(tmp_path, one_rule(
        examples=f"- {{name: n, to: a@b.org, expect: log, history: [{{recipient: a@b.org, "
                 f"{entry}}}]}}"))
    assert len(got) == 1 and got[0].startswith("broken.yaml:8:") and said in got[0]


def test_an_unknown_history_key_lists_the_keys_once(tmp_path):
    # "...; expected one of: recipient, ... (keys: recipient, ...)" said them twice
    [got] = problems_of(tmp_path, one_rule(
        examples="- {name: n, to: a@b.org, expect: log, history: [{recipient: a@b.org, "
                 "colour: red}]}"))
    assert got.endswith("unknown key 'colour' in a history entry; expected one of: "
                        "recipient, sender, count, days_ago, replied, audience, sent")
    [got] = problems_of(tmp_path, one_rule(
        examples="- {name: n, to: a@b.org, expect: log, history: [{recipient: a@b.org, "
                 "cout: 1}]}"))
    assert got.endswith("did you mean count? (keys: recipient, sender, count, days_ago, "
                        "replied, audience, sent)")


def test_every_wrong_history_entry_of_an_example_is_reported_at_once(tmp_path):
    # the second appeared only once the first was put right
    got = problems_of(tmp_path, one_rule(
        examples="- {name: n, to: a@b.org, expect: log, history: [{recipient: a@b.org, "
                 "cuont: 1}, {recipient: Bob Smith}]}"))
    assert len(got) == 2 and "unknown key 'cuont'" in got[0] and "not an email address" in got[1]


def test_an_examples_unknown_action_suggests_the_one_meant(tmp_path):
    got = problems_of(tmp_path, one_rule(examples="- {name: n, to: a@b.org, expect: held}"))
    assert len(got) == 1 and "unknown action 'held'; did you mean hold?" in got[0]


@pytest.mark.parametrize("explain", ["{subjects:d} people", "{recipient!x}", "{domain:>20}"])
def test_a_placeholder_with_a_format_is_refused_before_it_can_fail_a_scan(tmp_path, explain):
    # it passed the check and then made every matching message 451 after a live reload
    got = problems_of(tmp_path, one_rule(explain=f'"{explain}"'))
    assert len(got) == 1 and "takes no format or conversion" in got[0]


@pytest.mark.parametrize("test, said", [
    ('{domain: "@cjsm.net"}', "'@cjsm.net' is not a domain name"),
    ('{not_domain: [court.cjsm.net, "*.cjsm.net"]}', "'*.cjsm.net' is not a domain name"),
    ("{address: [Cllr Jones]}", "an addresses entry is an address, @domain, or a pattern"),
    ("{address: councillors}", "no addresses list named 'councillors' is declared"),
    ("{not_address: []}", "not_address is empty: the test could never match"),
    ("{signal: []}", "signal is empty: the test could never match"),
    ("{where: [external]}", "unknown place 'external'; did you mean outside? (places: "
     "internal, partner, outside)"),
    ("{signal: unknown-colleague, where: outside}", "unknown-colleague is never given to a "
     "recipient outside: the test could never match (unknown-colleague: internal only)"),
    ("{signal: [lone-outsider], where: partner}", "(lone-outsider: outside only)"),
    ("{signal: personal-webmail, without_signal: [personal-webmail, partner]}",
     "personal-webmail is both asked for and left out: the test could never match"),
])
def test_a_recipient_test_that_could_never_match_is_refused(tmp_path, test, said):
    # each passed the check and then never matched: an exclusion that excluded nothing
    got = problems_of(tmp_path, one_rule(when=f"{{recipients: {{any: {test}}}}}"))
    assert len(got) == 1 and said in got[0], got


def test_a_wrong_entry_of_a_list_is_reported_at_its_own_line(tmp_path):
    # each was reported at the line of the list's key, however far down the entry was
    got = problems_of(tmp_path, """\
rules:
  - id: r
    title: t
    when:
      recipients:
        any:
          signal:
            - personal-webmail
            - lookalike-domian
          where:
            - partner
            - extrnal
    action: log
    explain: x
    examples:
      - name: n
        to: a@b.org
        expect:
          rules:
            - r
            - r9
""")
    assert got == [
        "broken.yaml:9:15: rule r: unknown signal 'lookalike-domian'; did you mean "
        "lookalike-domain?",
        "broken.yaml:12:15: rule r: unknown place 'extrnal'; did you mean outside? (places: "
        "internal, partner, outside)",
        "broken.yaml:21:15: rule r: example 'n' expects unknown rule 'r9'; did you mean r?",
    ]


@pytest.mark.parametrize("field", [
    "to: [someone gmail.com]", "to: [a@b.org, x@]", "cc: [sarah.khan@]", 'from: "not a sender"',
    "bcc: [a@b@c.org]", "to: [a@-nhs.net]", "history: [{recipient: sarah khan}]",
])
def test_an_example_address_that_is_none_is_refused_at_load(tmp_path, field):
    # "someone gmail.com" in to: passed the check and stopped `policy test` with a traceback
    got = problems_of(tmp_path, one_rule(examples=f"- {{name: n, expect: log, to: a@b.org, "
                                                   f"{field}}}".replace("to: a@b.org, to:",
                                                                        "to:")))
    assert len(got) == 1 and got[0].startswith("broken.yaml:8:") and \
        "this entry is not an email address (write the address alone, or a name and the " \
        "address in angle brackets)" in got[0], got
    assert not any(w in got[0] for w in ("gmail", "khan", "sender")), got  # not repeated


def test_a_senders_entry_that_could_match_no_one_is_refused_without_repeating_it(tmp_path):
    # "priya odhiambo" (a name for an address) passed and matched no sender
    got = problems_of(tmp_path, """\
lists:
  care-senders:
    senders: ["@childrens.council.gov.uk", priya odhiambo]
rules:
  - id: r
    title: t
    when: {sender: {not_in: [duty@council.gov.uk, "sarah khan"]}}
    action: log
    explain: x
""")
    assert [p.split(": ", 1)[0] for p in got] == ["broken.yaml:3:44", "broken.yaml:7:51"]
    assert all("a senders entry is an address, @domain, or a pattern" in p for p in got)
    assert not any("priya" in p or "sarah" in p for p in got)


def test_telling_reviewers_of_a_message_that_goes_is_refused(tmp_path):
    # it was taken and did nothing: a log rule's message has gone, with nothing to review
    got = problems_of(tmp_path, one_rule().replace("    explain: x\n",
                                                   "    explain: x\n    notify: [reviewers]\n"))
    assert len(got) == 1 and "notify: reviewers needs a rule that holds the message" in got[0]


@pytest.mark.parametrize("action", ["confirm", "delay"])
def test_a_rule_that_waits_for_its_sender_must_tell_the_sender(tmp_path, action):
    # held "until the sender confirms it", and no one was ever asked
    got = problems_of(tmp_path, one_rule().replace("action: log", f"action: {action}"))
    assert len(got) == 1 and got[0].startswith("broken.yaml:")
    assert f"a {action} rule waits for its sender" in got[0] and "notify: [sender]" in got[0]


@pytest.mark.parametrize("text", ["", "rules: []\n", "rules: []\nexamples: []\n"])
def test_a_policy_file_with_nothing_in_it_is_refused(tmp_path, text):
    # a save caught half-way, on reload, dropped every local rule and disable:
    got = problems_of(tmp_path, text)
    assert got == ["broken.yaml:1:1: the file has no rules, lists, disable or examples: an empty "
                   "policy file is refused (remove it from policy.files if it is meant to go)"]


def test_the_shipped_policies_load_and_every_rule_explains_itself():
    policy = load_files(shipped_files(), SETTINGS)
    assert len(policy.rules) >= 12
    for rule in policy.rules:
        assert rule.title and rule.explain, rule.id
    assert {r.action for r in policy.rules} >= {Action.HOLD, Action.CONFIRM, Action.LOG}
    assert any(r.mode == "shadow" for r in policy.rules)
    assert any(r.overrides for r in policy.rules)


def test_the_version_changes_with_the_content_not_with_reloading(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("rules:\n  - {id: r, title: t, when: {findings: {}}, action: log, "
                    "explain: x}\n")
    first = load_files([path], SETTINGS).version
    assert load_files([path], SETTINGS).version == first
    path.write_text(path.read_text().replace("log", "hold"))
    assert load_files([path], SETTINGS).version != first


def test_the_same_policy_installed_in_another_directory_has_the_same_version(tmp_path):
    # relay nodes sharing one store, installed at different paths, logged different versions
    # of one policy
    text = ("rules:\n  - {id: r, title: t, when: {findings: {}}, action: log, "
            "explain: x}\n")
    for where in ("etc", "opt"):
        (tmp_path / where).mkdir()
        (tmp_path / where / "p.yaml").write_text(text)
    assert load_files([tmp_path / "etc" / "p.yaml"], SETTINGS).version == \
        load_files([tmp_path / "opt" / "p.yaml"], SETTINGS).version
    (tmp_path / "opt" / "q.yaml").write_text(text)  # another file: another set
    assert load_files([tmp_path / "opt" / "q.yaml"], SETTINGS).version != \
        load_files([tmp_path / "opt" / "p.yaml"], SETTINGS).version


def test_the_first_rule_in_the_policy_readme_loads_and_its_examples_pass(tmp_path):
    """Docs examples run: the README's first full rule is a working policy file."""
    from dlpgate.policy.examples import run_all
    from dlpgate.policy.load import SHIPPED

    text = (SHIPPED / "README.md").read_text()
    block = text.split("## A first rule", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "first.yaml"
    path.write_text(block)
    settings = Settings.model_validate({"detection": {"ner": False}})
    outcomes = run_all(load_files([path], settings), settings)
    assert [o.passed for o in outcomes] == [True, True]
    # added beside the shipped policy, as the README says to, it changes exactly what the
    # README says it does (it also held replies to residents who wrote in, and known contacts)
    outcomes = run_all(load_files([*shipped_files(), path], settings), settings)
    failed = [o for o in outcomes if not o.passed]
    assert [o.example.name for o in failed] == [
        "an NHS number to a new gmail address is confirmed by the sender"]
    assert failed[0].problems[0].startswith("expected confirm, got hold (rules: ")
    assert "nhs-numbers-to-webmail" in failed[0].problems[0]


def test_the_example_in_the_policy_readme_passes_against_the_shipped_policy(tmp_path):
    """The README's example of every example key, run as written beside the shipped rules."""
    from dlpgate.policy.examples import run_all
    from dlpgate.policy.load import SHIPPED

    text = (SHIPPED / "README.md").read_text()
    block = text.split("## Examples: tests inside the policy", 1)[1].split(
        "```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "readme-example.yaml"
    path.write_text(block)
    settings = Settings.model_validate({"detection": {"ner": False}, "organisation": {
        "internal_domains": ["example-council.gov.uk"]}})
    policy = load_files([*shipped_files(), path], settings)
    mine = [ex for ex in policy.examples if ex.file.endswith("readme-example.yaml")]
    outcomes = run_all(dataclasses.replace(policy, examples=tuple(mine)), settings)
    assert [o.passed for o in outcomes] == [True], [o.problems for o in outcomes]


def test_the_councillors_exception_in_the_policy_readme_lets_them_be_written_to_together(
        tmp_path):
    """The README's exception by address, beside the shipped rules: councillors on their own
    addresses in To are logged, and a carer among them is held all the same."""
    from dlpgate.policy.examples import run_all
    from dlpgate.policy.load import SHIPPED

    text = (SHIPPED / "README.md").read_text()
    lists = text.split("## Lists", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    rule = text.split("Recipients named by address", 1)[1].split("```yaml\n", 1)[1].split(
        "```", 1)[0]
    councillors = ["cllr.jones@gmail.com", *(f"cllr.{n}@hotmail.co.uk" for n in "abcde")]
    ex = ("examples:\n"
          f"  - {{name: councillors, to: {councillors}, subject: Ward surgery, body: Thursday.,"
          " expect: {action: log, rules: [councillors-together]}}\n"
          f"  - {{name: with a carer, to: {[*councillors[:5], 'carer@gmail.com']}, "
          "subject: Ward surgery, body: Thursday., expect: {action: hold, "
          "rules: [bulk-exposure-sensitive]}}\n")
    path = tmp_path / "site.yaml"
    path.write_text(lists + "rules:\n" + rule + ex)
    settings = Settings.model_validate({"detection": {"ner": False}, "organisation": {
        "internal_domains": ["example-council.gov.uk"]}})
    policy = load_files([*shipped_files(), path], settings)
    mine = [e for e in policy.examples if e.file.endswith("site.yaml")]
    outcomes = run_all(dataclasses.replace(policy, examples=tuple(mine)), settings)
    assert [o.passed for o in outcomes] == [True, True], [o.problems for o in outcomes]


# What a policy author types, and what they are told: where, and what to do, in their words
# (the parser's were "expected <block end>, but found '<scalar>'" and "mapping values are not
# allowed here").
YAML_MISTAKES = [
    ("a tab indents a line",
     "rules:\n  - id: a\n\taction: hold\n",
     "broken.yaml:3:1: not valid YAML: a tab character: YAML is indented with spaces only"),
    ("an apostrophe inside single quotes",
     "rules:\n  - id: a\n    explain: 'the council's data'\n",
     "broken.yaml:3:27: not valid YAML: text goes on after a quoted value: a quotation mark or "
     "apostrophe inside the quotes ends them early"),
    ("a quotation mark never closed",
     'rules:\n  - id: a\n    explain: "abc\n    action: hold\n',
     "broken.yaml:3:14: not valid YAML: this quotation mark is never closed"),
    ("an explanation beginning with a placeholder, unquoted",
     "rules:\n  - id: a\n    explain: {recipient}: held\n",
     "broken.yaml:3:25: not valid YAML: a value that begins with { is read as a mapping: put "
     'the whole value in quotes (explain: "{recipient}: ...")'),
    ("a colon inside a title",
     "rules:\n  - id: a\n    title: Exception: partners\n",
     "broken.yaml:3:21: not valid YAML: a colon and a space inside a value: put the whole "
     "value in quotes"),
    ("a key indented under the value above it",
     "rules:\n  - id: a\n    title: t\n      action: hold\n",
     "broken.yaml:4:13: not valid YAML: this line is indented further than the line above it"),
    ("a list item out of line with the others",
     "rules:\n  - id: a\n    when:\n      all:\n        - x: 1\n       - y: 2\n",
     "broken.yaml:6:8: not valid YAML: this line does not line up with the lines above it"),
    ("a list never closed",
     "rules:\n  - id: a\n    to: [a@b.c\n    action: hold\n",
     "broken.yaml:4:11: not valid YAML: the list opened with [ at line 3 is not closed with ]"),
    ("a senders entry beginning with @, unquoted",
     "lists:\n  x:\n    senders: [@childrens.x.gov.uk]\n",
     'broken.yaml:3:15: not valid YAML: a value cannot begin with @ unless it is in quotes'),
]


@pytest.mark.parametrize("text, said", [m[1:] for m in YAML_MISTAKES],
                         ids=[m[0] for m in YAML_MISTAKES])
def test_a_yaml_mistake_is_named_where_it_is_with_what_to_do(tmp_path, text, said):
    [got] = problems_of(tmp_path, text)
    assert got.startswith(said), got


def test_a_rule_key_indented_into_the_conditions_is_called_too_far_in(tmp_path):
    got = problems_of(tmp_path, """\
rules:
  - id: held
    title: t
    when:
      message: {marking: true}
      action: hold
    explain: x
""")
    assert got == ["broken.yaml:2:5: rule held: the rule has no 'action'",
                   "broken.yaml:6:7: rule held: 'action' belongs to the rule, not to its "
                   "conditions: it is indented too far (line it up with when:)"]


def test_a_test_with_nothing_under_it_says_its_lines_are_not_indented_under_it(tmp_path):
    got = problems_of(tmp_path, """\
rules:
  - id: held
    title: t
    when:
      all:
        - recipients:
          any: {where: outside}
    action: hold
    explain: x
""")
    assert got[0] == ("broken.yaml:6:11: rule held: recipients has nothing under it: the lines "
                      "meant for it must be indented further than it")
