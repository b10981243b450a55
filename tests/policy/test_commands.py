"""`dlpgate policy check | test | replay | schema`, run as a policy author runs them."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

from dlpgate import testdata
from dlpgate.testing import make_message

BROKEN = """\
rules:
  - id: held-nhs
    title: t
    when: {findings: {entity: UK_NHSS}}
    action: hold
    explain: x
"""


def dlpgate(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dlpgate", *args], capture_output=True,
                          text=True, timeout=600, cwd=cwd)


def config(tmp_path: Path, *policies: str, ner: bool = False) -> Path:
    cfg = tmp_path / "dlpgate.yaml"
    files = "".join(f"\n    - {p}" for p in policies) if policies else " []"
    cfg.write_text("organisation:\n  internal_domains: [example-council.gov.uk]\n"
                   f"storage:\n  url: sqlite:///{tmp_path}/d.db\n"
                   f"detection:\n  ner: {'true' if ner else 'false'}\n"
                   f"policy:\n  files:{files}\n")
    return cfg


def test_check_passes_the_shipped_policies(tmp_path):
    proc = dlpgate("policy", "check", "--config", str(config(tmp_path)))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok: 1 file(s), ") and "1 in shadow mode" in proc.stdout


def test_check_prints_file_line_and_rule_and_exits_1(tmp_path):
    (tmp_path / "broken.yaml").write_text(BROKEN)
    proc = dlpgate("policy", "check", "--config", str(config(tmp_path)),
                   str(tmp_path / "broken.yaml"))
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"{tmp_path}/broken.yaml:4:23: rule held-nhs: unknown entity 'UK_NHSS'; did you mean "
        "UK_NHS?",
        "1 problem found; the policy was not loaded",
    ]


def test_a_broken_configured_policy_stops_serve_and_scan_with_exit_2(tmp_path):
    (tmp_path / "broken.yaml").write_text(BROKEN)
    cfg = config(tmp_path, "broken.yaml")
    for command in (["serve"], ["scan", str(tmp_path)]):
        proc = dlpgate(*command, "--config", str(cfg))
        assert proc.returncode == 2, command
        assert "rule held-nhs: unknown entity 'UK_NHSS'" in proc.stderr


def test_test_runs_the_shipped_examples(tmp_path):
    proc = dlpgate("policy", "test", "--config", str(config(tmp_path, ner=True)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert all(line.startswith("PASS") for line in lines[:-1])
    assert lines[-1].endswith("examples passed") and len(lines) > 15


def test_test_exits_1_and_shows_the_failure(tmp_path):
    (tmp_path / "p.yaml").write_text(BROKEN.replace("UK_NHSS", "UK_NHS") + """\
    examples:
      - {name: an NHS number to anyone, to: x@example.org, body: "NHS 943 476 5919",
         expect: allow}
""")
    proc = dlpgate("policy", "test", "--config", str(config(tmp_path)), str(tmp_path / "p.yaml"))
    assert proc.returncode == 1
    assert "FAIL  p.yaml:8" in proc.stdout
    assert "expected allow, got hold (rules: held-nhs)" in proc.stdout


def test_replay_shows_what_a_changed_policy_would_hold_per_rule(tmp_path):
    mail = tmp_path / "mail"
    mail.mkdir()
    (mail / "1.eml").write_bytes(make_message(to=("x@example.org",), body="NHS 943 476 5919\n"))
    (mail / "2.eml").write_bytes(make_message(to=("x@example.org",), message_id="<2@x>"))
    (mail / "3.eml").write_bytes(make_message(to=("y@example.org",), message_id="<3@x>",
                                              attachments=(("l.zip", "application/zip",
                                               testdata.make_encrypted_zip({"a": b"b"})),)))
    stricter = tmp_path / "stricter.yaml"
    stricter.write_text(BROKEN.replace("UK_NHSS", "UK_NHS"))
    cfg = config(tmp_path)

    proc = dlpgate("policy", "replay", "--config", str(cfg), "--policy", str(stricter),
                   str(mail))

    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f"{mail}/1.eml: log -> hold (held) +held-nhs -identifiers-leaving" in out
    assert f"{mail}/3.eml: hold -> allow (released) -unreadable-attachment-leaving" in out
    assert "newly held 1, released 1, newly rejected 0, other changes 0, unchanged 1" in out
    totals = json.loads(dlpgate("policy", "replay", "--json", "--config", str(cfg), "--policy",
                                str(stricter), str(mail)).stdout)
    assert totals["moves"] == {"held": 1, "released": 1, "unchanged": 1}
    assert totals["rules"]["held-nhs"] == {"before": 0, "after": 1, "shadow": 0, "held": 1}


def test_replay_counts_a_file_that_is_not_mail_as_unread_and_exits_1(tmp_path):
    mail = tmp_path / "mail"
    mail.mkdir()
    (mail / "1.eml").write_bytes(make_message(to=("x@example.org",), body="NHS 943 476 5919\n"))
    (mail / "scan.eml").write_bytes(bytes(range(256)) * 8)  # a picture saved as .eml
    stricter = tmp_path / "stricter.yaml"
    stricter.write_text(BROKEN.replace("UK_NHSS", "UK_NHS"))
    cfg = config(tmp_path)
    args = ("policy", "replay", "--config", str(cfg), "--policy", str(stricter), str(mail))

    proc = dlpgate(*args)

    assert proc.returncode == 1
    assert f"{mail}/scan.eml: not a mail message" in proc.stderr
    assert "1 messages; policy" in proc.stdout  # the mail among them is still replayed
    assert "1 file(s) or message(s) could not be read as mail" in proc.stdout
    totals = json.loads(dlpgate(*args[:2], "--json", *args[2:]).stdout)
    assert totals["messages"] == 1 and totals["unread"] == 1


def test_replay_over_the_quarantine_reads_the_held_messages(tmp_path):
    from dlpgate.config import Settings
    from dlpgate.pipeline import Scanner
    from dlpgate.store.base import HeldMessage
    from dlpgate.store.sqlite import SQLiteStore
    from dlpgate.testing import make_envelope

    raw = make_message(to=("y@example.org",), attachments=(
        ("l.zip", "application/zip", testdata.make_encrypted_zip({"a": b"b"})),))
    settings = Settings.model_validate({"detection": {"ner": False}, "organisation": {
        "internal_domains": ["example-council.gov.uk"]}})
    store = SQLiteStore(f"sqlite:///{tmp_path}/d.db")
    held = HeldMessage.of(Scanner(settings).scan(raw, make_envelope(raw)),
                          make_envelope(raw), raw, 1.0)
    store.hold(held)
    # one waiting for its sender to confirm is held too (replay said "0 messages")
    store.hold(dataclasses.replace(held, id="w" * 22, state="awaiting-sender", action="confirm"))
    store.close()
    lenient = tmp_path / "lenient.yaml"
    lenient.write_text("rules:\n  - {id: noted, title: t, when: {findings: {}}, action: log, "
                       "explain: x}\n")

    proc = dlpgate("policy", "replay", "--quarantine", "--config", str(config(tmp_path)),
                   "--policy", str(lenient))

    assert proc.returncode == 0, proc.stderr
    assert "2 messages;" in proc.stdout and "released 2" in proc.stdout


def test_schema_prints_the_published_schema():
    proc = dlpgate("policy", "schema")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["title"] == "dlpgate policy file"


def test_disabling_a_shipped_rule_leaves_its_examples_out_of_the_test(tmp_path):
    # the README's way of turning a rule off; its examples used to fail the test for good
    shipped = Path(__file__).resolve().parents[2] / "policies" / "default.yaml"
    (tmp_path / "local.yaml").write_text("disable: [bulk-exposure]\n")
    proc = dlpgate("policy", "test", "--config", str(config(tmp_path)), str(shipped),
                   str(tmp_path / "local.yaml"))
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "example(s) of the disabled rules (bulk-exposure) not run" in proc.stdout


def test_a_files_examples_organisation_unlike_the_configuration_is_pointed_out(tmp_path):
    # a partner taken out of dlpgate.yaml stayed one in the file: its example passed while
    # the relay held the same message
    (tmp_path / "local.yaml").write_text("""\
examples_organisation:
  internal_domains: [example-council.gov.uk]
  partner_domains: [fostering-partner.org.uk]
rules:
  - {id: r, title: t, when: {findings: {entity: UK_NHS}}, action: log, explain: x}
""")
    (tmp_path / "dlpgate.yaml").write_text(
        "organisation:\n  internal_domains: [example-council.gov.uk]\n"
        f"policy:\n  files: [{tmp_path / 'local.yaml'}]\ndetection:\n  ner: false\n")
    out = dlpgate("policy", "check", "--config", str(tmp_path / "dlpgate.yaml")).stdout
    [note] = [line for line in out.splitlines() if line.startswith("note: ")]
    assert note.endswith("local.yaml: examples_organisation.partner_domains is not the "
                         "configuration's (only in the file: fostering-partner.org.uk); its "
                         "examples are tested with the file's, the relay uses the "
                         "configuration's")


def test_replay_decides_a_hold_given_up_on_as_unread_again_without_scanning_it(tmp_path):
    from dlpgate.config import Settings
    from dlpgate.pipeline import Scanner
    from dlpgate.store.base import HeldMessage
    from dlpgate.store.sqlite import SQLiteStore
    from dlpgate.testing import make_envelope

    # held because its scan failed relay.max_scan_attempts times; scanned, it would pass
    # (nothing in it), and what killed the relay's workers could end the replay
    raw = make_message(to=("y@example.org",), body="Lunch at one?\n")
    settings = Settings.model_validate({"detection": {"ner": False}, "organisation": {
        "internal_domains": ["example-council.gov.uk"]}})
    store = SQLiteStore(f"sqlite:///{tmp_path}/d.db")
    result = Scanner(settings).unread(raw, make_envelope(raw), "",
                                      "the scan failed 3 times (the last: scan worker died)")
    assert result.decision.verdict == "hold"
    store.hold(HeldMessage.of(result, make_envelope(raw), raw, 1.0))
    store.close()
    lenient = tmp_path / "lenient.yaml"
    lenient.write_text("rules:\n  - {id: noted, title: t, when: {findings: {}}, action: log, "
                       "explain: x}\n")

    proc = dlpgate("policy", "replay", "--quarantine", "--config", str(config(tmp_path)),
                   "--policy", str(lenient))

    assert proc.returncode == 0, proc.stderr
    # held by the policy in force, as the relay held it: not "unchanged" from a scan's allow
    assert "1 messages;" in proc.stdout and "released 1" in proc.stdout


PARTNER = """\
rules:
  - id: case-to-outside
    title: case references leaving are held
    when:
      all:
        - message: {matches: "MOS-\\\\d{6}"}
        - recipients: {any: {where: outside}}
    action: hold
    explain: "{recipient}: a case reference"
  - id: case-to-fostering-agency
    title: the fostering agency may have them
    when:
      all:
        - message: {matches: "MOS-\\\\d{6}"}
        - recipients: {all: {domain: [brightfostering.org.uk]}}
    action: allow
    explain: "to the agency"
    examples:
      - name: a case reference to the fostering agency goes
        to: [placements@brightfostering.org.uk]
        body: "Re case MOS-123456."
        expect: allow
"""


def test_an_allow_that_sets_no_rule_aside_is_said_to_change_nothing_and_why_it_lost(tmp_path):
    (tmp_path / "p.yaml").write_text(PARTNER)
    cfg = str(config(tmp_path))
    check = dlpgate("policy", "check", "--config", cfg, str(tmp_path / "p.yaml"))
    assert check.returncode == 0, check.stderr
    assert ("note: case-to-fostering-agency asks allow and sets no rule aside, so it changes "
            "nothing: the strictest action of the rules that match wins. To let through what "
            "another rule holds, name that rule under its overrides:") in check.stdout
    test = dlpgate("policy", "test", "--config", cfg, str(tmp_path / "p.yaml"))
    assert test.returncode == 1
    assert ("      case-to-fostering-agency matched and asks allow, but the strictest action of "
            "the rules that match wins (case-to-outside: hold); to set case-to-outside aside "
            "where case-to-fostering-agency matches, name it under case-to-fostering-agency's "
            "overrides:") in test.stdout.splitlines()
    # with the rule named, neither is said, and the example passes
    (tmp_path / "p.yaml").write_text(PARTNER.replace(
        "    action: allow\n", "    action: allow\n    overrides: [case-to-outside]\n"))
    check = dlpgate("policy", "check", "--config", cfg, str(tmp_path / "p.yaml"))
    assert "changes nothing" not in check.stdout
    assert "sets rules aside on what is found" not in check.stdout  # it tests text, not findings
    test = dlpgate("policy", "test", "--config", cfg, str(tmp_path / "p.yaml"))
    assert test.returncode == 0, test.stdout


def test_an_exception_on_findings_is_said_to_set_rules_aside_not_to_test_for_absence(tmp_path):
    (tmp_path / "p.yaml").write_text(PARTNER.replace(
        "    action: allow\n", "    action: allow\n    overrides: [case-to-outside]\n").replace(
        '        - message: {matches: "MOS-\\\\d{6}"}\n        - recipients: {all',
        "        - findings: {entity: UK_NHS}\n        - recipients: {all"))
    check = dlpgate("policy", "check", "--config", str(config(tmp_path)), str(tmp_path / "p.yaml"))
    assert check.returncode == 0, check.stderr
    assert ("note: case-to-fostering-agency sets rules aside on what is found, so NER runs on "
            "every message") in check.stdout
    assert "absence" not in check.stdout


def test_a_rule_on_case_references_none_is_declared_for_is_said_to_find_none(tmp_path):
    (tmp_path / "p.yaml").write_text(PARTNER.replace('message: {matches: "MOS-\\\\d{6}"}',
                                                     "findings: {entity: UK_CASE_REFERENCE}"))
    cfg = config(tmp_path)
    check = dlpgate("policy", "check", "--config", str(cfg), str(tmp_path / "p.yaml"))
    assert check.returncode == 0, check.stderr
    assert ("note: case-to-outside asks for UK_CASE_REFERENCE, and this configuration declares "
            "no case reference that is found as one (detection.case_references): the rule will "
            "find none") in check.stdout.splitlines()
    cfg.write_text(cfg.read_text().replace("  ner: false\n", "  ner: false\n  case_references:\n"
                                           "    - {name: Mosaic case ID, pattern: 'MOS-\\d{6}'}\n"))
    check = dlpgate("policy", "check", "--config", str(cfg), str(tmp_path / "p.yaml"))
    assert check.returncode == 0 and "will find none" not in check.stdout, check.stdout
    # the shipped policy lists them among a dozen others, and is not said to find none
    shipped = dlpgate("policy", "check", "--config", str(config(tmp_path)))
    assert "will find none" not in shipped.stdout
