"""Configuration: validated once at load; every mistake names file, line and key."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dlpgate import config
from dlpgate.config import ConfigError, Settings


def load_text(tmp_path, text: str) -> Settings:
    path = tmp_path / "dlpgate.yaml"
    path.write_text(text)
    return config.load(path)


def errors(tmp_path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load_text(tmp_path, text)
    return [p.replace(str(tmp_path / "dlpgate.yaml"), "dlpgate.yaml") for p in err.value.problems]


def test_no_file_at_all_gives_the_documented_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DLPGATE_CONFIG", raising=False)
    s = config.load(None)
    assert s.relay.listen == "127.0.0.1:10025" and s.relay.next_hop == "127.0.0.1:10026"
    assert s.storage.url == "sqlite:///dlpgate.db"
    assert s.relay.max_message_size == 50 * 1024 * 1024
    assert s.relay.allowed_clients == ["127.0.0.0/8", "::1/128"]
    assert s.relay.on_error == "tempfail"


def test_the_environment_variable_and_the_working_directory_are_searched(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dlpgate.yaml").write_text("relay:\n  listen: 127.0.0.1:2525\n")
    monkeypatch.delenv("DLPGATE_CONFIG", raising=False)
    assert config.load(None).relay.listen == "127.0.0.1:2525"
    other = tmp_path / "other.yaml"
    other.write_text("relay:\n  listen: 127.0.0.1:2626\n")
    monkeypatch.setenv("DLPGATE_CONFIG", str(other))
    assert config.load(None).relay.listen == "127.0.0.1:2626"


def test_the_interface_example_loads(tmp_path):
    s = load_text(tmp_path, """
organisation:
  internal_domains: [example-council.gov.uk]
  partner_domains: [nhs.net, police.uk]
storage:
  url: sqlite:///var/lib/dlpgate/dlpgate.db
relay:
  listen: "127.0.0.1:10025"
  next_hop: "127.0.0.1:10026"
review:
  enabled: true
  listen: "127.0.0.1:8025"
""")
    assert s.organisation.partner_domains == ["nhs.net", "police.uk"]
    assert s.review.enabled


def test_an_unknown_key_is_named_with_its_line_and_the_key_it_is_a_slip_of(tmp_path):
    assert errors(tmp_path, "relay:\n  listen: 127.0.0.1:25\n  nexthop: x\n  zzz: 1\n") == [
        "dlpgate.yaml:3 relay.nexthop: unknown key; did you mean relay.next_hop? (see "
        "`dlpgate config schema`)",
        "dlpgate.yaml:4 relay.zzz: unknown key (check the spelling; see `dlpgate config "
        "schema`)",
    ]


def test_a_key_written_in_the_wrong_section_is_sent_to_its_own(tmp_path):
    assert errors(tmp_path, "relay:\n  workers: 2\nmetric:\n  listen: '127.0.0.1:9464'\n") == [
        "dlpgate.yaml:2 relay.workers: unknown key here; workers belongs in another section: "
        "scan.workers (see `dlpgate config schema`)",
        "dlpgate.yaml:3 metric: unknown key; did you mean metrics? (see `dlpgate config "
        "schema`)",
    ]


@pytest.mark.parametrize("text, says", [
    # pydantic's words named neither what was found nor what to write ("Input should be a
    # valid integer, unable to parse string as an integer"; "Input should be a valid string")
    ("relay: {max_sessions: lots}", "relay.max_sessions: 'lots' is not a whole number"),
    ("relay: {scan_timeout: 60s}",
     "relay.scan_timeout: '60s' is not a number; write 60, without a unit"),
    ("relay: {on_error: passs}",
     "relay.on_error: 'passs' is not one of tempfail, pass; did you mean pass?"),
    ("logging: {level: INFO}",
     "logging.level: 'INFO' is not one of debug, info, warning, error; did you mean info?"),
    ("metrics: {listen: 9464}",
     'metrics.listen: 9464 is a port alone; write the address too, in quotes, such as '
     '"127.0.0.1:9464"'),
    ("review: {enabled: sometimes}", "review.enabled: 'sometimes' is not true or false"),
    ("organisation: {internal_domains: example-council.gov.uk}",
     "organisation.internal_domains: 'example-council.gov.uk' is not a list"),
])
def test_a_value_of_the_wrong_kind_is_named_with_what_to_write(tmp_path, text, says):
    [problem] = errors(tmp_path, text + "\n")
    assert says in problem, problem


def test_a_policy_file_named_as_the_readme_writes_it_says_where_the_shipped_one_is(tmp_path):
    # files: [policies/default.yaml, policies/local.yaml] is read beside the configuration
    # (/etc/dlpgate/policies/default.yaml), where no shipped file is
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "local.yaml").write_text("rules: []\n")
    [problem] = errors(tmp_path, "policy:\n  files: [policies/default.yaml, "
                                 "policies/local.yaml]\n")
    shipped = config.SHIPPED_POLICIES / "default.yaml"
    assert problem == (f"dlpgate.yaml:2 policy.files: {tmp_path / 'policies' / 'default.yaml'} "
                       f"does not exist (the shipped default.yaml is {shipped}: name it by "
                       "that path)")
    assert shipped.is_file()


def test_the_internal_source_field_is_no_key_of_the_file_or_the_schema(tmp_path):
    # `source:` (where the settings came from) was taken from the file and then overwritten,
    # and `config schema` listed it among the keys an operator may set, with no meaning
    assert errors(tmp_path, "relay:\n  listen: 127.0.0.1:25\nsource: x\n") == [
        "dlpgate.yaml:3 source: unknown key (check the spelling; see `dlpgate config schema`)"
    ]
    assert "source" not in Settings.model_json_schema()["properties"]
    assert load_text(tmp_path, "relay:\n  listen: 127.0.0.1:25\n").source.endswith(
        "dlpgate.yaml")


def test_every_mistake_is_reported_at_once(tmp_path):
    found = errors(tmp_path, "relay:\n  listen: nowhere\n  max_sessions: many\n"
                             "organisation:\n  internal_domains: ['not a domain']\n")
    assert found[0].startswith("dlpgate.yaml:2 relay.listen: \"nowhere\" is not host:port")
    assert found[1].startswith("dlpgate.yaml:3 relay.max_sessions:")
    assert found[2].startswith("dlpgate.yaml:5 organisation.internal_domains.0:")


def test_sizes_read_the_way_operators_write_them(tmp_path):
    s = load_text(tmp_path, "relay:\n  max_message_size: 25MB\n")
    assert s.relay.max_message_size == 25 * 1024 * 1024
    assert "is not a size" in errors(tmp_path, "relay:\n  max_message_size: lots\n")[0]


def test_allowed_clients_must_be_networks(tmp_path):
    assert "is not an address or CIDR block" in errors(
        tmp_path, "relay:\n  allowed_clients: [10.0.0.0/8, everyone]\n")[0]


def test_a_section_left_with_nothing_under_it_says_so(tmp_path):
    # its one case reference taken out: pydantic said "Input should be a valid dictionary or
    # instance of Detection"
    assert errors(tmp_path, "detection:\norganisation:\n  internal_domains: [x.gov.uk]\n") == [
        "dlpgate.yaml:1 detection: has nothing under it: indent its keys on the lines below "
        "it, or remove the line"]


def test_broken_yaml_names_its_line(tmp_path):
    [problem] = errors(tmp_path, "relay:\n  listen: [unclosed\n")
    assert problem.startswith("dlpgate.yaml:3: not valid YAML")


BILLION_LAUGHS = "".join(
    f"{name}: &{name} [{', '.join(['*' + prev] * 10) if prev else ', '.join(['lol'] * 10)}]\n"
    for prev, name in zip(["", *"abcdefg"], "abcdefgh", strict=True))


@pytest.mark.parametrize("text, says", [
    (BILLION_LAUGHS, "dlpgate.yaml:1: more than 200,000 values once its aliases"),  # 10^8
    ("a: &a [1, *a]\n", "dlpgate.yaml:1: an alias (*name) refers to the value it is inside"),
    ("a: " + "[" * 5000 + "]" * 5000 + "\n", "dlpgate.yaml: nested too deeply to read"),
    # a traceback before
    ("base: &b {x: 1}\norganisation:\n  <<: *b\n", "dlpgate.yaml:3: a merge key (<<: *name)"),
])
def test_yaml_built_to_expand_without_end_is_refused_at_once(tmp_path, text, says):
    [problem] = errors(tmp_path, text)
    assert problem.startswith(says)


@pytest.mark.parametrize("text, says", [
    # YAML keeps the last: the internal domains went, and every colleague became a stranger
    ("organisation:\n  internal_domains: [council.gov.uk]\nrecipients: {}\n"
     "organisation:\n  partner_domains: [nhs.net]\n",
     "dlpgate.yaml:4: organisation is given twice (first at line 1)"),
    ("recipients:\n  weights:\n    internal: 0\n    internal: 0.5\n",
     "dlpgate.yaml:4: recipients.weights.internal is given twice (first at line 3)"),
])
def test_a_key_given_twice_is_refused_with_both_lines(tmp_path, text, says):
    [problem] = errors(tmp_path, text)
    assert problem.startswith(says), problem


@pytest.mark.parametrize("text, says", [
    # each passed: a contact written to 12 times, last six days ago, became current-namesake
    ("recipients: {dormant_days: 5}", "recipients.current_days: must be less than dormant_days"),
    ("recipients: {recent_days: 1000}", "recipients.history_days: must be at least recent_days"),
    ("recipients: {few_max: 40}", "recipients.few_max: must be less than circular_min (20)"),
    ("{organisation: {partner_domains: [nhs.net]}, recipients: {webmail: [NHS.net]}}",
     "recipients: webmail lists nhs.net, which organisation lists as internal or partner"),
    ("{organisation: {partner_domains: [nhs.net]}, recipients: {distinct_domains: [nhs.net]}}",
     "recipients: distinct_domains lists nhs.net, which organisation lists as internal or"),
    ("organisation: {internal_domains: [a.gov.uk], partner_domains: [A.gov.uk]}",
     "organisation.partner_domains: a.gov.uk is also in internal_domains"),
])
def test_settings_that_contradict_each_other_are_refused_whichever_was_written(
        tmp_path, text, says):
    [problem] = errors(tmp_path, text + "\n")
    assert says in problem, problem


def test_each_wrong_weight_is_named_at_its_own_line(tmp_path):
    # three mistakes were one, at the line of weights:, and true passed for 1
    got = errors(tmp_path, "recipients:\n  weights:\n    internal: 0\n"
                           "    new-to-organization: 0.5\n    lookalike-domain: 2\n"
                           "    personal-webmail: true\n")
    assert got == [
        "dlpgate.yaml:4 recipients.weights.new-to-organization: unknown signal "
        "'new-to-organization'; did you mean new-to-organisation?",
        "dlpgate.yaml:5 recipients.weights.lookalike-domain: Input should be less than or "
        "equal to 1",
        "dlpgate.yaml:6 recipients.weights.personal-webmail: true is not a number",
    ]


@pytest.mark.parametrize("text", ["recipients: {known_min_count: true}",
                                  "recipients: {known_min_count: '3'}",
                                  "recipients: {bulk_threshold: 2.5}"])
def test_a_recipient_setting_that_is_no_whole_number_is_refused(tmp_path, text):
    # true was taken for 1, '3' for 3
    [problem] = errors(tmp_path, text + "\n")
    assert "is not a whole number" in problem, problem
    if "'3'" in text:
        assert problem.endswith("it is in quotes, which make it text: write it without them")


def test_an_alias_used_in_earnest_still_reads(tmp_path):
    settings = load_text(tmp_path, "organisation:\n  internal_domains: &ours [council.gov.uk]\n"
                                   "recipients:\n  secure_domains: *ours\n")
    assert settings.recipients.secure_domains == ["council.gov.uk"]


def test_a_missing_policy_file_is_an_error(tmp_path):
    [problem] = errors(tmp_path, "policy:\n  files: [nowhere.yaml]\n")
    assert problem.startswith("dlpgate.yaml:2 policy.files:") and "does not exist" in problem


def test_a_wildcard_domain_is_refused_with_the_domain_that_covers_it(tmp_path):
    [problem] = errors(tmp_path, "organisation: {partner_domains: ['*.nhs.net']}\n")
    assert "'*.nhs.net' is not a domain name: write nhs.net, whose subdomains count too" in \
        problem


def test_partner_domains_are_normalised(tmp_path):
    s = load_text(tmp_path, "organisation:\n  partner_domains: [NHS.net., b\u00fccher.example]\n")
    assert s.organisation.partner_domains == ["nhs.net", "xn--bcher-kva.example"]


def test_the_relay_greets_with_a_qualified_name_by_default():
    # a bare "dlpgate" was refused by reject_non_fqdn_helo_hostname and clean mail bounced
    assert "." in Settings().relay.hostname


def test_an_ocr_language_that_is_no_tesseract_name_is_named_with_its_line(tmp_path):
    found = errors(tmp_path, "scan:\n  ocr:\n    languages: [eng, welsh]\n")
    assert found == ["dlpgate.yaml:3 scan.ocr.languages: 'welsh' is not a Tesseract language "
                     "name (eng, cym, ...)"]


def test_ocr_that_could_take_the_whole_scans_time_is_refused(tmp_path):
    found = errors(tmp_path, "relay:\n  scan_timeout: 30\nscan:\n  ocr:\n    max_seconds: 30\n")
    assert found == ["dlpgate.yaml:3 scan: ocr.max_seconds (30) must be under "
                     "relay.scan_timeout (30), leaving time for the rest of the scan"]


def test_no_proxy_is_trusted_by_default_and_a_signing_in_header_needs_one_named(tmp_path):
    # 127.0.0.1 was trusted unless told otherwise: with trusted_header set, any process on
    # the host could sign in as anyone by sending the header
    assert Settings().review.trusted_proxies == []
    found = errors(tmp_path, "review:\n  trusted_header: X-Remote-User\n")
    assert len(found) == 1 and found[0].startswith("dlpgate.yaml:1 review.trusted_proxies: "
                                                   "trusted_header is set, so list the proxy")
    named = load_text(tmp_path, "review:\n  trusted_header: X-Remote-User\n"
                                "  trusted_proxies: [127.0.0.1/32]\n")
    assert named.review.trusted_proxies == ["127.0.0.1/32"]


def test_config_schema_gives_every_key_its_meaning():
    """docs/operator.md: `config schema` prints every key, its default and its meaning;
    detection.case_references and logging.level had none."""
    schema = Settings.model_json_schema()
    defs = schema["$defs"]
    bare = []

    def walk(props: dict, prefix: str) -> None:
        for key, prop in props.items():
            refs = [prop.get("$ref")] + [a.get("$ref") for a in prop.get("anyOf", [])]
            section = next((r.rsplit("/", 1)[1] for r in refs if r), None)
            if section:  # a section (relay, relay.tls...): its keys carry the meaning
                walk(defs[section]["properties"], f"{prefix}{key}.")
            elif not prop.get("description"):
                bare.append(prefix + key)

    walk(schema["properties"], "")
    assert bare == []


def test_a_short_audit_key_is_refused_without_being_quoted(tmp_path):
    [problem] = errors(tmp_path, "quarantine:\n  audit_key: hunter2-secret\n")
    assert problem.startswith("dlpgate.yaml:2") and "quarantine.audit_key" in problem
    assert "14 characters; use at least 32" in problem and "hunter2" not in problem
    assert load_text(tmp_path, "quarantine:\n  audit_key: " + "k" * 32 + "\n"
                     ).quarantine.audit_key == "k" * 32


def test_a_short_retired_audit_key_is_refused_by_its_number_never_quoted(tmp_path):
    [problem] = errors(tmp_path, "quarantine:\n  audit_keys_retired: [" + "k" * 32
                       + ", hunter2-secret]\n")
    assert "quarantine.audit_keys_retired" in problem and "hunter2" not in problem
    assert "retired key 2 is 14 characters" in problem
    keys = ["k" * 32, "j" * 40]
    assert load_text(tmp_path, f"quarantine:\n  audit_keys_retired: {keys}\n"
                     ).quarantine.audit_keys_retired == keys


DOCS = Path(__file__).resolve().parents[1] / "docs"


def documented(name: str, kind: str = "yaml") -> list[str]:
    """The fenced blocks of docs/NAME whose fence says `kind` ("" for none), as an operator
    would copy them."""
    found = re.findall(r"^```(\w*)\n(.*?)^```$", (DOCS / name).read_text(), re.S | re.M)
    return [body for info, body in found if info == kind]


@pytest.mark.parametrize("name", ["operator.md", "postfix.md"])
def test_every_yaml_snippet_of_the_operator_docs_loads_as_written(tmp_path, name):
    """A mail administrator pastes these into dlpgate.yaml; each must load as it stands
    (docs/exchange.md's are loaded by tests/test_deploy.py). The files they name under
    /etc/dlpgate are made here, as an operator's would be there."""
    blocks = documented(name)
    assert blocks, f"no yaml block in docs/{name}"
    for i, block in enumerate(blocks):
        for path in set(re.findall(r"/etc/dlpgate/([\w./-]+)", block)):
            made = tmp_path / path
            made.parent.mkdir(parents=True, exist_ok=True)
            made.write_text("local:\n  description: a council's own words\n  terms: [mosaic "
                            "referral]\n" if path.endswith(".yaml") else "placeholder")
        try:
            load_text(tmp_path, block.replace("/etc/dlpgate/", f"{tmp_path}/"))
        except ConfigError as exc:
            pytest.fail(f"docs/{name} yaml block {i + 1}: {exc.problems}")


def test_every_yaml_snippet_of_the_detection_guide_loads_as_written(tmp_path):
    """docs/detection.md shows policy authors a configuration (their case references) and
    lexicon files (more terms, Welsh ones, phrases and compounds about no one): the first
    loads as dlpgate.yaml, each of the others as a file named in `detection.lexicons`, and
    what each declares is then in force."""
    from dlpgate.detect.recognizers.special_category import (
        load_compounds,
        load_lexicon,
        load_phrases,
        load_welsh,
    )

    blocks = documented("detection.md")
    assert blocks and blocks[0].startswith("detection:")
    references = load_text(tmp_path, blocks[0]).detection.case_references
    assert [r.entity for r in references] == ["UK_CASE_REFERENCE", "COUNCIL_TAX_ACCOUNT"]
    for i, block in enumerate(blocks[1:], 2):
        lexicon = tmp_path / f"lexicon{i}.yaml"
        lexicon.write_text(block)
        try:
            load_text(tmp_path, f"detection:\n  lexicons: [{lexicon}]\n")
        except ConfigError as exc:
            pytest.fail(f"docs/detection.md yaml block {i}: {exc.problems}")
        declared = {word for entry in yaml.safe_load(block).values() for key in
                    ("terms", "phrases", "compounds", "cy") for word in entry.get(key, [])}
        known = [t for _, terms in load_lexicon([lexicon]).values() for t in terms]
        known += load_phrases([lexicon]) + load_compounds([lexicon]) + list(load_welsh([lexicon]))
        assert set(declared) <= set(known), f"docs/detection.md yaml block {i}"


def test_the_configuration_errors_operator_md_shows_are_the_ones_given(tmp_path):
    """docs/operator.md, "Configuration": the three lines a mistaken file is answered with."""
    [shown] = [b for b in documented("operator.md", kind="") if "configuration error" in b]
    path = tmp_path / "dlpgate.yaml"
    path.write_text("relay:\n  listen: 127.0.0.1:10025\n  next_hopp: 127.0.0.1:10026\n"
                    "  scan_timeout: 60s\n  max_sessions: 100\n  max_recipients: 1000\n"
                    "  idle_timeout: 300\n  drain_timeout: 30\n  workers: 2\n")
    done = subprocess.run([sys.executable, "-m", "dlpgate", "config", "check", "--config",
                           str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr == shown.replace("/etc/dlpgate/dlpgate.yaml", str(path))
