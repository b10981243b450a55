"""The one Store interface every backend implements (SQLite now, PostgreSQL later).

Methods are synchronous and each is one transaction; the relay calls them from a
thread so the event loop never waits on disk. `hold` returns only after the
message is durably committed: the relay answers 250 on the strength of it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from dlpgate import dsn
from dlpgate.history import domain_of
from dlpgate.model import PARSER, SCAN_FAILED, Envelope, Outcome, ScanResult


class StoreError(Exception):
    """The store could not do what was asked; the relay answers 451.

    `whole`: it could write nothing (the disk full or read-only, an I/O error, the database
    gone), as opposed to refusing these rows; a writer keeps its rows for later then. A full
    disk still answers reads, so asking it a question did not tell the two apart.
    """

    def __init__(self, message: str, whole: bool = False) -> None:
        super().__init__(message)
        self.whole = whole


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    scan_id: str
    created: float
    node: str
    mail_from: str
    rcpt_domains: tuple[str, ...]
    n_recipients: int
    size: int
    verdict: str
    outcome: str
    reply_code: int
    rules: tuple[str, ...]
    entity_counts: dict[str, int]
    policy_version: str
    timings: dict[str, float]
    action: str = ""
    shadow_rules: tuple[str, ...] = ()

    @staticmethod
    def of(
        result: ScanResult, envelope: Envelope, outcome: Outcome, reply_code: int, node: str,
        created: float,
    ) -> DecisionRecord:
        return DecisionRecord(
            scan_id=result.scan_id,
            created=created,
            node=node,
            mail_from=envelope.mail_from,
            rcpt_domains=tuple(sorted({domain_of(r) for r in envelope.rcpt_tos})),
            n_recipients=len(envelope.rcpt_tos),
            size=result.message.size,
            verdict=result.decision.verdict.value,
            outcome=outcome.value,
            reply_code=reply_code,
            rules=result.decision.rules,
            entity_counts=dict(Counter(f.entity for f in result.evidence.findings)),
            policy_version=result.decision.policy_version,
            timings=result.timings_ms,
            action=result.decision.chosen.value,
            shadow_rules=result.decision.shadow_rules,
        )


@dataclass(frozen=True, slots=True)
class HoldSummary:
    """One hold as the dashboard counts it: its rules, its recipients' signals and its times,
    not its bytes, findings or reasons. Reading whole records for a quarter's holds took
    seconds a page (the findings and matches are most of a row)."""

    id: str
    created: float
    updated: float
    state: str
    rules: tuple[str, ...]
    recipients: tuple[dict, ...]  # address and signals of each


@dataclass(frozen=True, slots=True)
class HeldMessage:
    id: str
    created: float
    state: str
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message_id: str
    size: int
    verdict: str
    rules: tuple[str, ...]
    reasons: tuple[str, ...]
    findings: tuple[dict, ...]
    recipients: tuple[dict, ...]
    raw: bytes
    action: str = "hold"  # hold, confirm (the sender confirms) or delay (sent unless cancelled)
    matches: tuple[dict, ...] = ()  # every rule that matched, shadow ones too, with reasons
    policy_version: str = ""
    delay_minutes: int = 0
    notify: tuple[str, ...] = ()
    updated: float = 0.0
    decided_by: str = ""  # who last moved it (released, rejected, claimed for release)
    last_error: str = ""  # why the last release failed, for the reviewer
    # the DSN options it came with (dlpgate.dsn), to leave with when released: MAIL's (RET=,
    # ENVID=) and each recipient's (NOTIFY=, ORCPT=) in the order of rcpt_tos. Empty for
    # mail held before they were kept, which leaves without, as it came in then
    mail_dsn: tuple[str, ...] = ()
    rcpt_dsn: tuple[tuple[str, ...], ...] = ()

    @property
    def unread(self) -> bool:
        """Held unread because its scan failed relay.max_scan_attempts times: whatever
        crashed or stalled the scan is in `raw`, so nothing here parses it in-process."""
        return any(f.get("unread") for f in self.findings)

    def counted_matches(self) -> list[dict]:
        """The matches the decision counted: enforced, not set aside by an exception."""
        return [m for m in self.matches
                if m.get("mode", "enforce") == "enforce" and not m.get("overridden_by")]

    def taken_matches(self) -> list[dict]:
        """The counted matches whose action was taken. What the sender is told, and what the
        review page and `quarantine show` put first, are theirs."""
        return [m for m in self.counted_matches() if m.get("action") == self.action]

    @staticmethod
    def of(result: ScanResult, envelope: Envelope, raw: bytes, created: float) -> HeldMessage:
        """The quarantine keeps where each finding is, never its value: offsets suffice."""
        waits_for_sender = result.decision.chosen.value in ("confirm", "delay")
        return HeldMessage(
            id=result.scan_id,
            created=created,
            state="awaiting-sender" if waits_for_sender else "held",
            mail_from=envelope.mail_from,
            rcpt_tos=envelope.rcpt_tos,
            message_id=result.message.message_id,
            size=len(raw),
            verdict=result.decision.verdict.value,
            rules=result.decision.rules,
            reasons=result.decision.reasons,
            # `part` is the key the review app reads the value back by; a file named after
            # its person is also kept as it is shown (`shown`, its values masked), and a
            # problem's explanation quotes it so: reasons and findings are shown to reviewers
            # before they give a reason, and to the sender
            findings=tuple(
                {"entity": f.entity, "part": f.part, "start": f.start, "end": f.end,
                 "score": f.score, "explanation": f.explanation, "parser": PARSER,
                 **({"unread": True} if f.detector == SCAN_FAILED else {}),
                 **({"shown": shown} if (shown := result.evidence.shown(f.part)) != f.part
                    else {})}
                for f in result.evidence.findings
            ),
            recipients=tuple(
                {"address": r.address, "risk": r.risk, "signals": [s.name for s in r.signals],
                 "explanations": [s.explanation for s in r.signals]}
                for r in result.evidence.recipients
            ),
            raw=raw,
            action=result.decision.chosen.value,
            matches=tuple(
                {"rule": m.rule, "action": m.action.value, "mode": m.mode,
                 "overridden_by": m.overridden_by, "reasons": list(m.reasons)}
                for m in result.decision.matches
            ),
            policy_version=result.decision.policy_version,
            delay_minutes=result.decision.delay_minutes,
            notify=result.decision.notify,
            updated=created,
            mail_dsn=tuple(o for o in envelope.mail_options
                           if dsn.named(o) in dsn.MAIL_PARAMETERS),
            rcpt_dsn=envelope.rcpt_options if any(envelope.rcpt_options) else (),
        )

    def options_of(self, rcpt: str) -> tuple[str, ...]:
        """The DSN options `rcpt` came with (the first, should it have been given twice)."""
        for address, options in zip(self.rcpt_tos, self.rcpt_dsn, strict=False):
            if address == rcpt:
                return options
        return ()


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One look at or action on held mail. Append-only: nothing edits or deletes these."""

    actor: str  # cli:alice, web:bob, system:retention
    action: str  # view, reveal, release, release-failed, reject, expire, list
    item_id: str = ""
    reason: str = ""
    via: str = ""
    detail: str = ""
    at: float = 0.0  # set by the store when written


def retention_entry(what: str, days: float, counts: dict[str, int]) -> AuditEntry:
    """The `retention` entry of a pass that deleted rows of `what` kept `days` days: how
    many of each kind, never which (the rows hold addresses)."""
    return AuditEntry("system:retention", "retention", reason=f"{what}: kept {days:g} days",
                      via="retention", detail=", ".join(f"{k} {n}" for k, n in counts.items()))


def dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


@dataclass(frozen=True, slots=True)
class Correspondence:
    recipient: str
    count: int
    first_seen: float
    last_seen: float
    replied: bool = False
    joined: int = 0  # times the sender copied them into a conversation they were not in
    smallest: int | None = None  # fewest recipients of a message to them (None: not known)


# A contact as the store reads it: (recipient, count, first_seen, last_seen, replied).
ContactRow = tuple[str, int, float, float, bool]


@dataclass(frozen=True, slots=True)
class HistoryHeld:
    """What the correspondence history holds that names one address (`history show`)."""

    address: str
    written_by: tuple[tuple[str, Correspondence], ...]  # (sender here, their row), latest first
    writes_to: int  # addresses it has written to, when it is one of ours
    profile_rows: int  # keyed word hashes of mail to or from it (no text is kept)
    group_rows: int  # co-recipient pairs it is in
    spellings: int  # near-spelling keys it is filed under


class Store(Protocol):
    def record_decisions(self, records: list[DecisionRecord]) -> None:
        """All in one transaction."""
        ...

    def hold(self, item: HeldMessage, journal: tuple[str, str] | None = None) -> None:
        """Commit a held message (with its delivery-journal row: key, owner)."""
        ...

    def begin_deliveries(self, rows: list[tuple[str, str, str]]) -> list[tuple | None]:
        """Claim (key, owner, scan_id) as 'sending'; None, or the (state, owner, scan_id)
        some earlier attempt left there."""
        ...

    def retake_delivery(self, key: str, owner: str, scan_id: str) -> None: ...

    def end_deliveries(self, rows: list[tuple[str, str, bool]]) -> None:
        """(key, scan_id, delivered): mark delivered, or forget a send that failed."""
        ...

    def delivery(self, key: str) -> tuple[str, str, str] | None: ...

    def prune_deliveries(self, cutoff: float) -> int: ...

    def scan_failed(self, key: str, at: float) -> int:
        """One more failed scan of the message under journal key `key`; its count now,
        shared by every node on this store (store/failures.py)."""
        ...

    def scan_failures(self, key: str) -> int: ...

    def prune_scan_failures(self, cutoff: float) -> int: ...

    def prune_journal(self, cutoff: float, days: float) -> dict[str, int]:
        """The delivery journal and the scan-failure counts last touched before `cutoff`
        (`relay.journal_days`), in one transaction with a `retention` entry of how many of
        each went, when any did; {"deliveries": N, "scan failures": N}."""
        ...

    def erased_at(self) -> float | None:
        """When the history last had an address erased (history forget), if ever."""
        ...

    def prune_decisions(self, cutoff: float, days: int | None = None) -> int:
        """Delete decision-log rows made before `cutoff`; how many. With `days` (the
        retention that set `cutoff`) a deletion is on the audit trail, in its transaction."""
        ...

    def purge_decided(self, cutoff: float, audit: AuditEntry, limit: int = 500) -> list[str]:
        """Delete up to `limit` released, rejected or expired messages decided before
        `cutoff` (their bytes, envelope and findings), each with a copy of `audit` naming it,
        in one transaction; the ids deleted. Open holds and interrupted releases stay."""
        ...

    def held(self, state: str | None = "held", limit: int = 100,
             raw: bool = True) -> list[HeldMessage]:
        """Oldest first; `raw=False` leaves the message bytes out (b"")."""
        ...

    def held_page(self, states: tuple[str, ...] | None, query: str = "", rule: str = "",
                  offset: int = 0, limit: int = 100, newest_first: bool = False
                  ) -> tuple[list[HeldMessage], int]:
        """Held messages in `states` (None: any) whose sender, recipients or id hold `query`
        and whose rules include `rule`, a page of them without their bytes, and how many
        match in all."""
        ...

    def held_rules(self) -> list[str]: ...

    def hold_summaries(self, since: float) -> list[HoldSummary]:
        """Every hold made at `since` or later, with what a dashboard counts and nothing else."""
        ...

    def get_held(self, item_id: str) -> HeldMessage | None: ...

    def decisions(self, limit: int = 100) -> list[DecisionRecord]: ...

    def claim(self, item_id: str, states: tuple[str, ...], new_state: str, actor: str,
              audit: AuditEntry | None = None) -> HeldMessage | None:
        """Move a held message to `new_state` only if it is in one of `states`.

        One atomic compare-and-set: of concurrent callers on any node, exactly one
        gets the message back; the others get None. `audit` is written in the same
        transaction.
        """
        ...

    def finish(self, item_id: str, state: str, new_state: str, audit: AuditEntry,
               error: str = "") -> bool:
        """The end of a claimed step (releasing -> released or back to held), audited."""
        ...

    def audit(self, entry: AuditEntry) -> None: ...

    def audit_some(self, entry: AuditEntry, source: str, each: int, everywhere: int,
                   window: float, now: float | None = None) -> bool:
        """An anonymous refusal from the network `source`: written, or, past `each` of its
        action from there or `everywhere` from anywhere in `window` seconds, held back and
        counted into one summary entry (store/bursts.py). True if written."""
        ...

    def audit_summaries(self, now: float | None = None) -> int:
        """Write the summaries of all held back so far (before the trail is read)."""
        ...

    def verify_audit(self, expect: tuple[int, str] | None = None, whole: bool = True):
        """The audit chain's state (store/chaincheck.py ChainState): walked whole, or
        (`whole` False) on from this process's last walk; `expect`, a logged head (place,
        hash) the trail must still hold."""
        ...

    def audit_head(self) -> tuple[int, str]:
        """The audit chain's head as recorded: (place, hash), no personal data."""
        ...

    def audit_key_behind(self) -> tuple[str, ...]:
        """Key ids the audit trail has moved to from this node's quarantine.audit_key that
        this node does not hold: it was left behind a rotation (logged, and kept in
        `key_behind` for the metrics)."""
        ...

    def signin_failures(self, key: str, since: float) -> tuple[int, float]:
        """A review sign-in key's failures since `since` and the last one's time (or 0):
        counted here, under a keyed hash, so that every node counts together
        (store/failures.py)."""
        ...

    def signin_failed(self, keys: list[str], at: float, forget_before: float) -> None: ...

    def signin_forgive(self, keys: list[str], since: float) -> None: ...

    def signin_succeeded(self, keys: list[str]) -> None: ...

    def audit_log(self, item_id: str | None = None, actor: str | tuple[str, ...] | None = None,
                  limit: int = 1000, action: str | tuple[str, ...] | None = None,
                  since: float | None = None) -> list[AuditEntry]:
        """Newest first; each given filter must hold (`since`: written at that time or later)."""
        ...

    def audit_extent(self, item_id: str | None = None, actor: str | tuple[str, ...] | None = None,
                     action: str | None = None) -> tuple[int, int]:
        """(entries the filters match, the newest one's number)."""
        ...

    def audit_batches(self, item_id: str | None = None, actor: str | tuple[str, ...] | None = None,
                      action: str | None = None, upto: int | None = None, batch: int = 5000
                      ) -> Iterator[list[AuditEntry]]:
        """Every entry the filters match, numbered `upto` or lower, newest first, a batch at a
        time (an export)."""
        ...

    def held_before(self, states: tuple[str, ...], cutoff: float) -> list[HeldMessage]:
        """Messages in `states` held before `cutoff` (for retention)."""
        ...

    def ping(self) -> None:
        """Raise StoreError unless the store answers a trivial query now."""
        ...

    def learn(self, pairs: list) -> None:
        """Add history.Pair rows: counts add up, first/last seen widen. One transaction."""
        ...

    def analyze(self, tables: tuple[str, ...] = ()) -> None:
        """Bring the database's statistics of `tables` (by default the history's) up to date
        after a bulk load (an import, a copy), so that lookups are planned for what the
        tables now hold."""
        ...

    def correspondence(self, sender: str, recipients: list[str]) -> dict[str, Correspondence]:
        ...

    def contacts(self, sender: str, limit: int = 500) -> list[Correspondence]:
        """The sender's correspondents, most frequent first."""
        ...

    def contact_rows(self, sender: str, limit: int = 500) -> list[ContactRow]:
        """`contacts` as the rows read, for a scan that makes a Correspondence of the few it
        needs (`names.Contacts`)."""
        ...

    def addressed(self, recipients: list[str]) -> dict[str, int]:
        """How many senders have written to each of `recipients`; absent when none."""
        ...

    def take_turn(self, job: str, every: float, now: float) -> bool:
        """Whether this node runs `job` now (at most once in `every` seconds, on any node)."""
        ...

    def wrote_in(self, addresses: list[str]) -> set[str]:
        """Those of `addresses` that have written to anyone here (`mark_replied`)."""
        ...

    def domains(self, domains: list[str]) -> dict[str, Correspondence]:
        ...

    def near(self, items: list[str]) -> dict[str, list[str]]:
        """Known addresses (or '@domains') a typing slip or so from each of `items`."""
        ...

    def top_domains(self, limit: int = 500) -> list[Correspondence]:
        ...

    def mark_replied(self, pairs: list[tuple[str, str, float]]) -> None:
        """(our address, their address, when) where they have written back."""
        ...

    def learn_groups(self, messages: list[tuple[str, tuple[str, ...]]]) -> None: ...

    def together(self, sender: str, recipients: list[str]) -> dict[tuple[str, str], int]: ...

    def held_about(self, address: str) -> HistoryHeld:
        """What the history holds that names `address` (store/keeping.py)."""
        ...

    def history_stats(self) -> dict[str, float | int | None]:
        """Counts of what the history holds, and its oldest and newest pair (no address)."""
        ...

    def forget(self, addresses: list[str]) -> dict[str, int]:
        """Erase every history row naming one of `addresses`; rows deleted per table."""
        ...

    def expire_history(self, cutoff: float) -> dict[str, int]:
        """Delete history last seen before `cutoff`; pairs and domains deleted."""
        ...

    def expire_words(self, cutoff: float) -> int:
        """Delete content-profile words last sent before `cutoff`; how many."""
        ...

    def profile_key(self) -> bytes:
        """The per-installation key that salts content-profile hashes."""
        ...

    def learn_profiles(self, rows: list[tuple[str, str, tuple[int, ...]]],
                       when: float | None = None) -> None: ...

    def profile_fit(self, sender: str, recipients: list[str],
                    tokens: tuple[int, ...]) -> dict[str, int]: ...

    def profile_share(self, sender: str, recipients: list[str],
                      tokens: tuple[int, ...]) -> dict[str, float]:
        """`profile_fit` with each token weighted by 1 / the recipients it has gone to."""
        ...

    def close(self) -> None: ...


def open_store(url: str, audit_key: str = "", retired: tuple[str, ...] = ()) -> Store:
    """`audit_key`: quarantine.audit_key, which the audit chain's entries are keyed by;
    `retired`: quarantine.audit_keys_retired, which check entries signed before a rotation.
    Given to the store as it opens: an upgrade's entry is on the chain too."""
    keys = {"audit_key": audit_key.encode(), "audit_retired": tuple(k.encode() for k in retired)}
    store: Any
    if url.startswith("sqlite:///"):
        from dlpgate.store.sqlite import SQLiteStore

        store = SQLiteStore(url, **keys)
    elif url.startswith(("postgresql://", "postgres://")):
        from dlpgate.store.postgres import PostgresStore

        store = PostgresStore(url, **keys)
    else:
        raise StoreError(f"storage.url {url.split(':', 1)[0]}: not a known store (sqlite:/// "
                         "or postgresql://)")
    return store


def open_configured(settings: Any, url: str = "") -> Store:
    """The store of `storage.url` (or `url`), with the audit chain's keys from the
    quarantine section: what every process opens."""
    q = settings.quarantine
    return open_store(url or settings.storage.url, q.audit_key, tuple(q.audit_keys_retired))


def reachable(url: str) -> str | None:
    """Why `serve` could not open the store at `url`, or None: what `config check` can tell
    without opening it (which would create an SQLite file, or migrate a PostgreSQL database
    nobody meant to use yet). `config check` said "ok" of a database that did not exist, and
    `serve` stopped on it."""
    import os
    from pathlib import Path

    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        folder = next((p for p in (path.parent.absolute(), *path.parent.absolute().parents)
                       if p.exists()), None)
        if path.exists():
            if not os.access(path, os.R_OK | os.W_OK) or \
                    not os.access(path.parent, os.W_OK | os.X_OK):
                return (f"{path} is not writable, or its folder is not, by this user (SQLite "
                        "writes -wal and -shm files beside it)")
            return None
        if folder is None or not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
            return f"{path} cannot be created: {folder} is not a folder this user may write"
        return None
    if url.startswith(("postgresql://", "postgres://")):
        import psycopg

        try:
            kwargs = {} if "connect_timeout" in url else {"connect_timeout": 5}
            with psycopg.connect(url, **kwargs) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as exc:
            first = (str(exc).strip().splitlines() or [""])[0]
            return f"cannot connect to PostgreSQL: {type(exc).__name__}: {first}"[:300]
        return None
    return f"storage.url {url.split(':', 1)[0]}: not a known store (sqlite:/// or postgresql://)"



def keys_behind(url: str, audit_key: str, retired: tuple[str, ...] = ()) -> tuple[str, ...]:
    """For `config check`: the key ids the store's audit trail has moved to from
    `audit_key` that this configuration does not hold (store/chain.py missing_keys), read
    without opening the store (which would create or migrate it); () when there is no
    trail yet or it cannot be read (`reachable` says why)."""
    import sqlite3
    from pathlib import Path

    from dlpgate.store import chain
    from dlpgate.store.auditkeys import AuditKeys

    keys = AuditKeys(audit_key.encode(), tuple(k.encode() for k in retired))
    if not keys.current:
        return ()
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            return ()
        try:
            db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
            try:
                return chain.missing_keys(lambda sql, p: db.execute(sql, p).fetchall(), keys)
            finally:
                db.close()
        except sqlite3.Error:  # no trail yet (a store from before the chain)
            return ()
    import psycopg

    try:
        kwargs = {} if "connect_timeout" in url else {"connect_timeout": 5}
        with psycopg.connect(url, **kwargs) as conn:
            return chain.missing_keys(lambda sql, p: conn.execute(
                sql.replace("?", "%s"), p).fetchall(), keys)
    except psycopg.Error:  # no trail yet, or unreachable: reachable() says
        return ()
