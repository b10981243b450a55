"""Every module in dlpgate/ has a test file at the mirrored path, or says where it is tested.

tests/ mirrors the package (dlpgate/parse/mime.py -> tests/parse/test_mime.py), so a
newcomer finds a module's tests by its name, and a module without tests shows up here.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Modules whose behaviour is exercised through another module's tests.
TESTED_ELSEWHERE = {
    "__init__.py": "package marker",
    "__main__.py": "tests/test_cli.py runs `python -m dlpgate`",
    "testing.py": "the helpers every relay test uses",
    "testdata.py": "the builders behind tests/parse/test_attachments.py",
    "testarchives.py": "the builders behind tests/parse/test_archives.py",
    "testrtf.py": "tests/parse/test_rtf.py (its letters read by both RTF readers)",
    "testpictures.py": "tests/parse/test_photos.py and test_ocr.py (its photographs looked at)",
    "yamlsrc.py": "tests/test_config.py (line numbers in errors), tests/policy/test_load.py "
                  "(YAML mistakes in plain words)",
    "sources.py": "tests/test_cli.py (files, directories, mbox, Maildir, stdin)",
    "act/relay.py": "tests/ingress/test_smtp.py (next hop up, down, refusing)",
    "ingress/server.py": "tests/ingress/test_server.py",
    "parse/office.py": "tests/parse/test_attachments.py",
    "parse/unpack.py": "tests/parse/test_archives.py (gzip, bzip2, xz and tar, through parse)",
    "parse/archivelib.py": "tests/parse/test_archives.py (7z, RAR and CAB, through parse)",
    "detect/registry.py": "tests/detect/test_problems.py",
    "detect/namesakes.py": "tests/detect/test_recipients.py (each namesake signal, as assessed)",
    "detect/slips.py": "tests/detect/test_recipients.py (each slip and look-alike, as assessed)",
    "store/base.py": "tests/store/test_sqlite.py",
    "store/chaincheck.py": "tests/store/test_chain.py and test_auditkeys.py (every break, as "
                           "a walk finds it; split from store/chain.py)",
    "policy/rules.py": "tests/policy/test_decide.py (every condition, through decide)",
    "policy/read.py": "tests/policy/test_load.py (every kind of mistake, with its position)",
    "review/content.py": "tests/review/test_app.py (masked findings, revealed text)",
    # the review app's parts, split out of review/app.py, tested through create_app's routes
    "review/web.py": "tests/review/test_app.py (headers, forms from other sites, fetches)",
    "review/session.py": "tests/review/test_app.py and test_clients.py (sessions, proxy "
                         "sign-in, CSRF tokens, roles)",
    "review/signin.py": "tests/review/test_app.py and test_clients.py (sign-in, lockouts)",
    "review/message.py": "tests/review/test_app.py and test_server.py (view, reveal, note, "
                         "release, reject, bulk)",
    "review/audit.py": "tests/review/test_app.py (audit page, CSV export, dashboard)",
    "review/sender.py": "tests/review/test_app.py (a sender's link page)",
}


def main() -> int:
    missing = []
    for module in sorted((ROOT / "dlpgate").rglob("*.py")):
        rel = module.relative_to(ROOT / "dlpgate")
        key = rel.as_posix()
        if key in TESTED_ELSEWHERE or rel.name in TESTED_ELSEWHERE and rel.name.startswith("__"):
            continue
        expected = ROOT / "tests" / rel.parent / f"test_{rel.name}"
        if not expected.exists():
            missing.append(f"dlpgate/{key}: no {expected.relative_to(ROOT)}")
    for line in missing:
        print(line, file=sys.stderr)
    stale = [k for k in TESTED_ELSEWHERE if "/" in k or not k.startswith("__")]
    gone = [k for k in stale if not (ROOT / "dlpgate" / k).exists()]
    for k in gone:
        print(f"scripts/check_test_layout.py lists dlpgate/{k}, which no longer exists",
              file=sys.stderr)
    return 1 if missing or gone else 0


if __name__ == "__main__":
    raise SystemExit(main())
