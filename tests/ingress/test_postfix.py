"""Real Postfix in front: Debian's postfix, an instance of its own on loopback ports, wired to
dlpgate with exactly the lines docs/postfix.md gives. Allowed mail reaches the sink; held mail
lands in the quarantine; while dlpgate is stopped Postfix keeps the mail queued and delivers it
after dlpgate is back."""

from __future__ import annotations

import os
import re
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from dlpgate import testdata
from dlpgate.store.sqlite import SQLiteStore
from dlpgate.testing import doc_block, free_port, make_message, wait_for_port

POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"
DOC = Path(__file__).resolve().parents[2] / "docs" / "postfix.md"
pytestmark = pytest.mark.skipif(
    not Path(POSTFIX).exists() or os.geteuid() != 0,
    reason="needs Debian's postfix and root (./scripts/dev test installs postfix)")

# What any Postfix instance needs; the dlpgate lines come from docs/postfix.md.
BASE_MAIN = """\
compatibility_level = 3.6
queue_directory = {root}/queue
data_directory = {root}/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mail.example-council.gov.uk
mydestination =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:{sink}
maillog_file = /dev/stdout
smtp_address_preference = ipv4
"""
BASE_MASTER = """\
127.0.0.1:{submit} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


class Postfix:
    def __init__(self, root: Path, sink: int, dlpgate: int, reinject: int) -> None:
        self.root = root
        self.submit = free_port()
        (root / "etc").mkdir(parents=True)
        root.chmod(0o755)
        (root / "queue").mkdir()
        (root / "data").mkdir()
        shutil.chown(root / "data", "postfix")
        ports = {"10025": str(dlpgate), "10026": str(reinject)}
        main = BASE_MAIN.format(root=root, sink=sink) + _ports(doc_block(DOC, "main.cf"), ports)
        master = BASE_MASTER.format(submit=self.submit) + _ports(doc_block(DOC, "master.cf"),
                                                                 ports)
        (root / "etc" / "main.cf").write_text(main)
        (root / "etc" / "master.cf").write_text(master)
        self.log = open(root / "postfix.log", "wb")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen([POSTFIX, "-c", str(root / "etc"), "start-fg"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_port(self.submit, self.proc, seconds=60)

    def flush(self) -> None:
        subprocess.run(["postqueue", "-c", str(self.root / "etc"), "-f"], check=False,
                       capture_output=True)

    def queued(self) -> int:
        out = subprocess.run(["postqueue", "-c", str(self.root / "etc"), "-j"],
                             capture_output=True, text=True).stdout
        return len([line for line in out.splitlines() if line.strip()])

    def stop(self) -> None:
        subprocess.run([POSTFIX, "-c", str(self.root / "etc"), "stop"], capture_output=True)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def _ports(block: str, ports: dict[str, str]) -> str:
    return re.sub(r"\b(10025|10026)\b", lambda m: ports[m.group(1)], block)


def start_dlpgate(tmp_path: Path, port: int, reinject: int) -> subprocess.Popen:
    cfg = yaml.safe_load(_ports(doc_block(DOC, "dlpgate.yaml"), {"10025": str(port),
                                                                 "10026": str(reinject)}))
    cfg.update({"organisation": {"internal_domains": ["example-council.gov.uk"]},
                "storage": {"url": f"sqlite:///{tmp_path / 'gw.db'}"},
                "scan": {"workers": 1}, "detection": {"ner": False},
                "notifications": {"enabled": False}})
    (tmp_path / "dlpgate.yaml").write_text(yaml.safe_dump(cfg))
    proc = subprocess.Popen([sys.executable, "-m", "dlpgate", "serve", "--config",
                             str(tmp_path / "dlpgate.yaml")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=tmp_path)
    wait_for_port(port, proc)
    return proc


def wait(check, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def submit(postfix: Postfix, to: str, sender: str = "alice.jones@example-council.gov.uk",
           **kw) -> bytes:
    raw = make_message(to=(to,), sender=sender, **kw)
    with smtplib.SMTP("127.0.0.1", postfix.submit, timeout=60) as client:
        client.sendmail(sender, [to], raw)
    return raw


@pytest.fixture
def postfix_root():
    """Postfix's own processes run as the postfix user: its directories must be reachable
    (pytest's temporary directories are private to root)."""
    root = Path(tempfile.mkdtemp(prefix="dlpgate-postfix-"))
    root.chmod(0o755)
    yield root / "instance"
    shutil.rmtree(root, ignore_errors=True)


def test_postfix_filters_through_dlpgate_and_keeps_mail_while_it_is_down(
        tmp_path, sink, postfix_root):
    dlp_port, reinject = free_port(), free_port()
    postfix = Postfix(postfix_root, sink.port, dlp_port, reinject)
    gateway = start_dlpgate(tmp_path, dlp_port, reinject)
    try:
        submit(postfix, "partner@example.org", subject="Minutes", body="Minutes attached.\n")
        assert wait(lambda: len(sink.delivered) == 1), (postfix.root / "postfix.log").read_text()
        assert b"X-DLP-Verdict: allow" in sink.delivered[0].data

        submit(postfix, "someone@example.org", subject="Files", attachments=(
            ("locked.zip", "application/zip", testdata.make_encrypted_zip({"a": b"b"})),))
        store = SQLiteStore(f"sqlite:///{tmp_path / 'gw.db'}")
        assert wait(lambda: len(store.held()) == 1)
        assert len(sink.delivered) == 1 and postfix.queued() == 0

        gateway.terminate()
        assert gateway.wait(60) == 0
        submit(postfix, "later@example.org", subject="While it was down", body="Hello.\n")
        assert wait(lambda: postfix.queued() == 1, 30)  # Postfix keeps it, deferred
        time.sleep(1)
        assert len(sink.delivered) == 1  # nothing went out unfiltered

        gateway = start_dlpgate(tmp_path, dlp_port, reinject)
        postfix.flush()
        assert wait(lambda: len(sink.delivered) == 2)
        assert b"While it was down" in sink.delivered[1].data
        assert postfix.queued() == 0

        # mail coming in passes through the same filter: it teaches who wrote in, no more
        resident = "k.reid.home@gmail.com"
        submit(postfix, "housing@example-council.gov.uk", sender=resident, subject="My son",
               body="Please call me about my son's referral.\n")
        assert wait(lambda: len(sink.delivered) == 3)
        assert wait(lambda: store.wrote_in([resident]) == {resident})
        assert store.contacts(resident) == []
        store.close()
    finally:
        gateway.terminate()
        gateway.wait(60)
        postfix.stop()


def test_a_clean_message_at_postfixs_size_limit_is_not_bounced_on_its_way_back_in(
        tmp_path, sink, postfix_root):
    # accepted at the main listener a few hundred bytes under message_size_limit, then
    # refused at 10026 with "552 5.3.4 message file too big" once dlpgate's headers and a
    # Received line were added: Postfix bounced clean mail to its sender
    dlp_port, reinject = free_port(), free_port()
    postfix = Postfix(postfix_root, sink.port, dlp_port, reinject)
    gateway = start_dlpgate(tmp_path, dlp_port, reinject)
    try:
        limit = int(subprocess.run(["postconf", "-c", str(postfix.root / "etc"), "-h",
                                    "message_size_limit"], capture_output=True, text=True,
                                   check=True).stdout)
        blob = os.urandom(limit * 2 // 3)  # a film, to a colleague: read as nothing, allowed

        def built(pad: int) -> bytes:
            return make_message(to=("bob.smith@example-council.gov.uk",), subject="Film",
                                body="See attached.\n" + ("x" * 69 + "\n") * (pad // 71),
                                attachments=(("film.bin", "application/octet-stream", blob),))

        short = limit - 1000 - len(built(0))  # what the body may add (71 bytes a line, CRLF)
        raw = built(short)
        assert limit - 1100 < len(raw) <= limit - 1000
        with smtplib.SMTP("127.0.0.1", postfix.submit, timeout=120) as client:
            client.sendmail("alice.jones@example-council.gov.uk",
                            ["bob.smith@example-council.gov.uk"], raw)

        assert wait(lambda: len(sink.received) >= 1), (postfix.root / "postfix.log").read_text()
        time.sleep(1)  # a bounce would follow it to the sink (relayhost)
        [got] = sink.received
        assert got.rcpt_tos == ["bob.smith@example-council.gov.uk"] and got.data.endswith(raw)
        assert postfix.queued() == 0
    finally:
        gateway.terminate()
        gateway.wait(60)
        postfix.stop()


def test_a_delivery_receipt_asked_of_postfix_reaches_the_final_hop_through_dlpgate(
        tmp_path, sink, postfix_root):
    # dlpgate offered no DSN: Postfix sent the sender a "relayed" notice at the filter hop and
    # the request went no further, so no receipt could come from where the mail was delivered
    dlp_port, reinject = free_port(), free_port()
    postfix = Postfix(postfix_root, sink.port, dlp_port, reinject)
    gateway = start_dlpgate(tmp_path, dlp_port, reinject)
    sender, to = "alice.jones@example-council.gov.uk", "partner@example.org"
    try:
        with smtplib.SMTP("127.0.0.1", postfix.submit, timeout=60) as client:
            client.ehlo()
            assert client.mail(sender, options=["RET=HDRS", "ENVID=Minutes+2B7"])[0] == 250
            assert client.rcpt(to, options=["NOTIFY=SUCCESS,FAILURE",
                                            "ORCPT=rfc822;Partner@example.org"])[0] == 250
            assert client.data(make_message(to=(to,), subject="Minutes",
                                            body="Minutes attached.\n"))[0] == 250
        assert wait(lambda: len(sink.received) >= 1), (postfix.root / "postfix.log").read_text()
        time.sleep(1)  # a "relayed" notice to the sender would follow it to the sink (relayhost)
        [got] = sink.received
        assert got.rcpt_tos == [to] and b"X-DLP-Verdict: allow" in got.data
        [options] = got.rcpt_options  # Postfix writes ORCPT first
        assert sorted(options) == ["NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;Partner@example.org"]
        assert "RET=HDRS" in got.mail_options and "ENVID=Minutes+2B7" in got.mail_options
        assert postfix.queued() == 0
    finally:
        gateway.terminate()
        gateway.wait(60)
        postfix.stop()
