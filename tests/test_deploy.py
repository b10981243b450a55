"""The deployment files (docker/, deploy/, docs/exchange.md) agree with what the tests run.

docker/postfix/*.cf must carry exactly the dlpgate lines of docs/postfix.md (the ones
tests/ingress/test_postfix.py runs against a real Postfix), with only the addresses changed that
containers need; docker/dlpgate.yaml must pass dlpgate's own validation; ports must agree across
the files; every alert in docker/prometheus/alerts.yml says how bad it is and points at its
runbook in docs/operator.md, and promtool's unit tests show each fire and stay quiet (the metrics
they read are checked against a live scrape in tests/test_metrics.py). No Docker engine is
needed: these are file checks.
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from dlpgate import config
from dlpgate.config import split_host_port
from dlpgate.testing import doc_block

ROOT = Path(__file__).resolve().parents[1]
DOCKER = ROOT / "docker"
POSTFIX_DOC = ROOT / "docs" / "postfix.md"
OPERATOR_DOC = ROOT / "docs" / "operator.md"
PROMETHEUS = DOCKER / "prometheus"
SUBNET = "172.30.25.0/24"

# Container address -> the address docs/postfix.md writes in its place. Nothing else may differ.
TO_DOC = (
    (r"dlpgate:\[dlpgate\]:10025", "dlpgate:[127.0.0.1]:10025"),
    (r"^0\.0\.0\.0:10026(?= )", "127.0.0.1:10026"),
    (re.escape(SUBNET), "127.0.0.0/8"),
)


def as_doc(text: str) -> str:
    for pattern, replacement in TO_DOC:
        text = re.sub(pattern, replacement, text, flags=re.M)
    return text


def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def settings() -> config.Settings:
    return config.load(DOCKER / "dlpgate.yaml")


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n(\s*#.*\n)*", " ", dockerfile.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


@pytest.mark.parametrize("name", ["main.cf", "master.cf"])
def test_postfix_files_carry_the_documented_dlpgate_lines(name):
    documented = doc_block(POSTFIX_DOC, name)
    assert documented.strip(), f"no {name} block in docs/postfix.md"
    ours = (DOCKER / "postfix" / name).read_text()
    assert documented in as_doc(ours), (
        f"docker/postfix/{name} must contain the {name} block of docs/postfix.md verbatim, "
        "apart from the container addresses in TO_DOC")


def test_postfix_reinjection_listener_is_reachable_from_the_compose_network():
    master = (DOCKER / "postfix" / "master.cf").read_text()
    main = (DOCKER / "postfix" / "main.cf").read_text()
    assert re.search(r"^0\.0\.0\.0:10026\s+inet\b", master, re.M)
    assert f"-o mynetworks={SUBNET}" in master
    assert "xforward" not in master  # dlpgate does not speak XFORWARD (docs/postfix.md)
    assert re.search(rf"^mynetworks = {re.escape(SUBNET)}$", main, re.M)
    assert "content_filter = dlpgate:[dlpgate]:10025" in main


def test_postfix_files_are_what_the_test_instance_runs_besides_the_dlpgate_lines():
    """The rest of main.cf/master.cf is test_postfix.py's BASE_MAIN/BASE_MASTER."""
    spec = importlib.util.spec_from_file_location(
        "_postfix_test", ROOT / "tests" / "ingress" / "test_postfix.py")
    postfix_test = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(postfix_test)

    master = (DOCKER / "postfix" / "master.cf").read_text()
    services = {tuple(line.split()) for line in master.splitlines()
                if line and not line[0].isspace() and not line.startswith("#")}
    # its first line is the test's own submission port; ours is smtp inet on 25
    for line in postfix_test.BASE_MASTER.splitlines()[1:]:
        assert tuple(line.split()) in services, line
    assert ("smtp", "inet", "n", "-", "n", "-", "-", "smtpd") in services

    main = (DOCKER / "postfix" / "main.cf").read_text()
    per_instance = ("queue_directory", "data_directory", "mail_owner", "setgid_group",
                    "inet_interfaces", "relayhost", "mynetworks")
    for line in postfix_test.BASE_MAIN.splitlines():
        if not line.startswith(per_instance):
            assert re.search(rf"^{re.escape(line)}$", main, re.M), line


@pytest.mark.skipif(not shutil.which("postconf"), reason="needs Debian's postfix (postconf)")
def test_postconf_reads_the_postfix_files_without_warnings():
    for args in (["-n"], ["-M"]):
        done = subprocess.run(["postconf", "-c", str(DOCKER / "postfix"), *args],
                              capture_output=True, text=True)
        assert done.returncode == 0 and not done.stderr, done.stderr


def test_dlpgate_yaml_is_valid_for_dlpgate():
    s = settings()
    assert s.storage.url == "postgresql://dlpgate@postgres/dlpgate"
    assert s.relay.allowed_clients == [SUBNET]
    assert s.metrics.listen == "0.0.0.0:9464"
    assert s.review.listen == "0.0.0.0:8025"
    assert s.review.trusted_proxies == []  # no proxy in the stack, so none believed


def test_dlpgate_yaml_relay_block_is_the_documented_one_with_container_addresses():
    documented = yaml.safe_load(doc_block(POSTFIX_DOC, "dlpgate.yaml"))["relay"]
    ours = yaml.safe_load((DOCKER / "dlpgate.yaml").read_text())["relay"]
    assert split_host_port(ours["listen"]) == ("0.0.0.0", split_host_port(
        documented["listen"])[1])
    assert split_host_port(ours["next_hop"])[1] == split_host_port(documented["next_hop"])[1]
    assert set(ours) == set(documented)


def test_compose_wires_dlpgate_to_postfix_as_the_postfix_test_does():
    services = compose()["services"]
    assert {"postgres", "postfix", "dlpgate", "review"} <= set(services)
    s = settings()

    # Postfix's content filter -> the dlpgate service on relay.listen's port
    main = (DOCKER / "postfix" / "main.cf").read_text()
    host, port = re.search(r"^content_filter = dlpgate:\[([\w.-]+)\]:(\d+)$", main,
                           re.M).groups()
    assert host in services and host == "dlpgate"
    assert int(port) == split_host_port(s.relay.listen)[1]

    # dlpgate's next hop -> the postfix service's reinjection listener
    hop_host, hop_port = split_host_port(s.relay.next_hop)
    assert hop_host in services and hop_host == "postfix"
    master = (DOCKER / "postfix" / "master.cf").read_text()
    assert re.search(rf"^0\.0\.0\.0:{hop_port}\s+inet\s.*\bsmtpd$", master, re.M)

    # every address dlpgate and Postfix trust is the compose network
    subnets = [c["subnet"] for c in compose()["networks"]["mail"]["ipam"]["config"]]
    assert subnets == [SUBNET]
    for name in ("dlpgate", "review", "postfix", "postgres"):
        assert "mail" in services[name]["networks"], name


def test_compose_services_run_the_documented_commands():
    services = compose()["services"]
    assert services["dlpgate"]["command"][:2] == ["dlpgate", "serve"]
    assert services["review"]["command"][:2] == ["dlpgate", "review"]
    for name in ("dlpgate", "review"):
        svc = services[name]
        assert svc["build"]["dockerfile"] == "docker/Dockerfile"
        assert "./dlpgate.yaml:/etc/dlpgate/dlpgate.yaml:ro" in svc["volumes"]
        assert svc["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    pg = services["postgres"]["environment"]
    assert (pg["POSTGRES_USER"], pg["POSTGRES_DB"]) == ("dlpgate", "dlpgate")

    s = settings()
    published = {p.rsplit(":", 1)[-1] for svc in services.values() for p in svc.get("ports", [])}
    assert str(split_host_port(s.review.listen)[1]) in published
    assert str(split_host_port(s.metrics.listen)[1]) in published
    # SIGTERM drains for relay.drain_timeout: compose must wait longer before SIGKILL
    grace = services["dlpgate"]["stop_grace_period"]
    assert int(grace.removesuffix("s")) > s.relay.drain_timeout


def test_dockerfile_runs_as_non_root_with_a_health_check():
    steps = instructions(DOCKER / "Dockerfile")
    words = [w for w, _ in steps]
    assert words[0] == "FROM" and steps[0][1] == "python:3.11-slim"
    users = [arg for w, arg in steps if w == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert words.index("USER") < words.index("CMD")

    [health] = [arg for w, arg in steps if w == "HEALTHCHECK"]
    port = split_host_port(settings().metrics.listen)[1]
    assert f"127.0.0.1:{port}/healthz" in health

    exposed = {p for w, arg in steps if w == "EXPOSE" for p in arg.split()}
    s = settings()
    for listen in (s.relay.listen, s.review.listen, s.metrics.listen):
        assert str(split_host_port(listen)[1]) in exposed

    [cmd] = [arg for w, arg in steps if w == "CMD"]
    assert cmd == '["dlpgate", "serve", "--config", "/etc/dlpgate/dlpgate.yaml"]'


def test_dockerfile_keeps_the_shipped_policies_beside_the_package():
    """dlpgate.policy.load.SHIPPED is <checkout>/policies: an editable install from the copy."""
    from dlpgate.policy import load

    assert load.SHIPPED == ROOT / "policies"
    steps = instructions(DOCKER / "Dockerfile")
    workdir = next(arg for w, arg in steps if w == "WORKDIR")
    copies = [arg.split() for w, arg in steps if w == "COPY"]
    assert ["dlpgate/", "dlpgate/"] in copies and ["policies/", "policies/"] in copies
    assert any("pip install -e ." in arg for w, arg in steps if w == "RUN"), workdir


def unit(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, delimiters=("=",))
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((ROOT / "deploy" / name).read_text())
    return parser


def test_systemd_unit_reloads_with_hup_and_outwaits_the_drain():
    service = unit("dlpgate.service")["Service"]
    assert service["ExecStart"].split()[1:] == ["serve", "--config",
                                                "/etc/dlpgate/dlpgate.yaml"]
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert service["KillSignal"] == "SIGTERM"
    assert service["User"] == "dlpgate"
    assert float(service["TimeoutStopSec"]) > config.Relay().drain_timeout
    for key, value in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                       ("PrivateTmp", "yes"), ("ProtectHome", "yes"),
                       ("ReadWritePaths", "/var/lib/dlpgate")):
        assert service[key] == value, key


def test_review_unit_runs_the_review_app_alone():
    service = unit("dlpgate-review.service")["Service"]
    assert service["ExecStart"].split()[1] == "review"
    assert "ExecReload" not in service  # dlpgate review has no SIGHUP handler


def test_exchange_doc_yaml_examples_are_valid(tmp_path):
    text = (ROOT / "docs" / "exchange.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    assert len(blocks) == 2
    # the certificate files it names are there, as an operator's would be (config check and
    # serve refuse a configuration whose files are not)
    for name in set(re.findall(r"/etc/dlpgate/([\w./-]+\.pem)", text)):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("placeholder")
    for i, block in enumerate(blocks):
        path = tmp_path / f"exchange-{i}.yaml"
        path.write_text(block.replace("/etc/dlpgate/", f"{tmp_path}/"))
        assert config.load(path).relay.tls is not None


def alert_rules() -> list[dict]:
    groups = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def anchors(doc: Path) -> set[str]:
    """GitHub's anchors for the doc's headings: lower case, punctuation dropped, spaces -."""
    headings = re.findall(r"^#+ (.+)$", doc.read_text(), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_every_alert_says_how_bad_it_is_and_has_a_runbook_in_the_operator_guide():
    rules = alert_rules()
    assert rules and all("alert" in r for r in rules), "alerts only: no recording rules"
    names = [r["alert"] for r in rules]
    assert len(names) == len(set(names))
    runbooks = anchors(OPERATOR_DOC)
    for rule in rules:
        name, notes = rule["alert"], rule["annotations"]
        assert rule["labels"]["severity"] in ("critical", "warning"), name
        assert notes["summary"].strip() and notes["description"].strip(), name
        doc, _, anchor = notes["runbook_url"].partition("#")
        assert (doc, anchor) == ("docs/operator.md", name.lower()), name
        assert anchor in runbooks, f"{name}: no heading {name} in docs/operator.md"
    # and the guide's Alerts section tells of these alerts and no others
    section = OPERATOR_DOC.read_text().split("\n## Alerts\n", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^### (\w+)$", section, re.M) == names


def test_compose_runs_prometheus_on_the_relays_metrics_with_the_alerts():
    prometheus = compose()["services"]["prometheus"]
    assert "./prometheus:/etc/prometheus:ro" in prometheus["volumes"]
    assert "mail" in prometheus["networks"]
    assert prometheus["ports"] == ["127.0.0.1:9090:9090"]

    scrape = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    assert scrape["rule_files"] == ["alerts.yml"]
    [job] = scrape["scrape_configs"]
    [target] = [t for c in job["static_configs"] for t in c["targets"]]
    assert target == f"dlpgate:{split_host_port(settings().metrics.listen)[1]}"
    # the node alerts name the job this scrapes
    jobs = {j for r in alert_rules() for j in re.findall(r'\bjob="([^"]*)"', r["expr"])}
    assert jobs == {job["job_name"]}


def test_each_alert_has_a_quiet_case_and_a_firing_case():
    cases = yaml.safe_load((PROMETHEUS / "alerts.test.yml").read_text())["tests"]
    quiet, firing = set(), set()
    for case in cases:
        for check in case["alert_rule_test"]:
            (firing if check["exp_alerts"] else quiet).add(check["alertname"])
    names = {r["alert"] for r in alert_rules()}
    assert quiet == names and firing == names


def test_promtool_checks_the_configuration_and_runs_the_alerts_unit_tests():
    if not shutil.which("promtool"):
        reason = "needs promtool (Debian's prometheus package, installed by ./scripts/dev test)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    for args in (["check", "config", str(PROMETHEUS / "prometheus.yml")],
                 ["test", "rules", str(PROMETHEUS / "alerts.test.yml")]):
        done = subprocess.run(["promtool", *args], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
