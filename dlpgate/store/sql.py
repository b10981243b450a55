"""The queries every SQL Store runs, written once for SQLite and PostgreSQL.

Each backend supplies how to read and how to run work in one write transaction
(`_read`, `_atomic`), and the names of its two-argument min and max; statements
are written with `?` placeholders and standard upserts (ON CONFLICT), which both
backends speak. Columns in an upsert's SET are qualified with their table, as
PostgreSQL requires.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import time
from collections.abc import Iterator

from dlpgate import obs
from dlpgate.history import MAX_ADDRESS, group_pairs
from dlpgate.store import chain, chaincheck
from dlpgate.store.auditkeys import AuditKeys
from dlpgate.store.base import (
    AuditEntry,
    ContactRow,
    Correspondence,
    DecisionRecord,
    HeldMessage,
    HoldSummary,
    dumps,
    retention_entry,
)
from dlpgate.store.bursts import AuditBursts
from dlpgate.store.colleagues import ColleaguesHistory
from dlpgate.store.failures import PRUNE_FAILURES, ScanFailures, SignInFailures
from dlpgate.store.keeping import HistoryKeeping, filed_keys, spelling_keys

log = obs.logger("dlpgate.store")
_PRUNE_DELIVERIES = "DELETE FROM deliveries WHERE updated < ?"

_DECISION_COLUMNS = ("scan_id, created, node, mail_from, rcpt_domains, n_recipients, size, "
                     "verdict, outcome, reply_code, rules, entity_counts, policy_version, "
                     "timings, action, shadow_rules")
_HELD_COLUMNS = ("id, created, state, mail_from, rcpt_tos, message_id, size, verdict, rules, "
                 "reasons, findings, recipients, raw, action, matches, policy_version, "
                 "delay_minutes, notify, updated, decided_by, last_error, dsn")
_AUDIT_COLUMNS = chain.COLUMNS
_SESSION_COLUMNS = "token_hash, username, csrf, created, last_seen, generation"



def audit_row(e: AuditEntry) -> tuple:
    return (e.actor, e.action, e.item_id, e.reason, e.via, e.detail, e.at or time.time())


# Spelling keys looked up in one statement (SQLite takes 250,000 parameters, PostgreSQL 65,535).
NEAR_CHUNK = 5000


class SQLStore(HistoryKeeping, ColleaguesHistory, AuditBursts, SignInFailures, ScanFailures):
    BACKEND = ""  # as the trail names it (schema-upgrade, store-copy entries)
    LEAST = "min"
    GREATEST = "max"
    # quarantine.audit_key: the audit chain's entries are HMACs under it (store/chain.py);
    # quarantine.audit_keys_retired: keys rotated out, which check the entries they signed
    audit_key: bytes = b""
    audit_retired: tuple[bytes, ...] = ()
    # the key ids the trail has moved to that this node does not hold (a node left behind
    # a rotation): found at start or by an append, kept until the process restarts
    key_behind: tuple[str, ...] = ()

    @property
    def audit_keys(self) -> AuditKeys:
        return AuditKeys(self.audit_key, self.audit_retired)

    def _read(self, sql: str, params: tuple) -> list[tuple]:
        raise NotImplementedError

    def _atomic(self, work):
        """Run `work(db)` in one write transaction and return what it returns; `db` has
        `execute(sql, params)` (returning a cursor: rowcount, fetchall) and
        `executemany(sql, rows)`, both with `?` placeholders."""
        raise NotImplementedError

    def _transaction(self, statements: list[tuple[str, list[tuple]]]) -> None:
        """Several executemany statements in one write transaction, or none of them."""
        self._atomic(lambda db: [db.executemany(sql, rows) for sql, rows in statements])

    def _cas(self, sql: str, params: tuple, audit: AuditEntry | None) -> bool:
        """One conditional UPDATE and, if it changed a row, its audit row: one transaction."""
        def work(db) -> bool:
            changed = db.execute(sql, params).rowcount == 1
            if changed and audit is not None:
                self._append(db, [audit])
            return changed

        return self._atomic(work)

    def _append(self, db, entries: list[AuditEntry]) -> None:
        """Entries onto the audit chain, in the transaction of `db`: every audit row is
        written here (store/chain.py), last in its transaction, for the chain's head is
        locked until it ends."""
        if stale := chain.append(db, [audit_row(e) for e in entries], self.audit_keys):
            self._behind((stale,))

    def _behind(self, keys: tuple[str, ...]) -> None:
        """Say loudly that this node writes under a key the trail has moved away from: the
        entry is written all the same (refused, a reviewer's action or a delay's release
        would fail here), but `--verify` elsewhere reports it as a retired key signing
        again. Key ids only, never a key; no personal data."""
        self.key_behind = tuple(sorted({*self.key_behind, *keys}))
        log.error("audit_key_behind", this_key=self.audit_keys.signer, chain_keys=list(keys),
                  why="the audit trail has moved on to a key this node does not hold: set "
                  "the same quarantine.audit_key (and audit_keys_retired) as the other nodes "
                  "and restart; roll a new key out to every node at once")

    def audit_key_behind(self) -> tuple[str, ...]:
        """The keys the trail moved to from this node's key that it does not hold (one
        look at the change entries, chain.missing_keys); said as an append would say it."""
        if found := chain.missing_keys(self._read, self.audit_keys):
            self._behind(found)
        return found

    def ping(self) -> None:
        self._read("SELECT 1", ())

    def _write(self, sql: str, rows: list[tuple]) -> None:
        self._transaction([(sql, rows)])

    def record_decisions(self, records: list[DecisionRecord]) -> None:
        self._write(
            f"INSERT INTO decisions ({_DECISION_COLUMNS}) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (scan_id) DO NOTHING",
            [(r.scan_id, r.created, r.node, r.mail_from, dumps(list(r.rcpt_domains)),
              r.n_recipients, r.size, r.verdict, r.outcome, r.reply_code, dumps(list(r.rules)),
              dumps(r.entity_counts), r.policy_version, dumps(r.timings), r.action,
              dumps(list(r.shadow_rules))) for r in records],
        )

    def hold(self, m: HeldMessage, journal: tuple[str, str] | None = None) -> None:
        """Commit a held message; with `journal` (key, owner) its delivery-journal row too."""
        statements = [(
            f"INSERT INTO quarantine ({_HELD_COLUMNS}) VALUES ({','.join('?' * 22)})",
            [(m.id, m.created, m.state, m.mail_from, dumps(list(m.rcpt_tos)), m.message_id, m.size,
             m.verdict, dumps(list(m.rules)), dumps(list(m.reasons)), dumps(list(m.findings)),
             dumps(list(m.recipients)), m.raw, m.action, dumps(list(m.matches)),
             m.policy_version, m.delay_minutes, dumps(list(m.notify)), m.updated or m.created,
             m.decided_by, m.last_error, _dsn_column(m))],
        )]
        if journal is not None:
            key, owner = journal
            statements.append((
                "INSERT INTO deliveries VALUES (?,'held',?,?,?,?) ON CONFLICT (key) DO UPDATE "
                "SET state = 'held', owner = excluded.owner, scan_id = excluded.scan_id, "
                "updated = excluded.updated", [(key, owner, m.id, m.created, m.created)]))
        self._transaction(statements)

    # the delivery journal ---------------------------------------------------

    _DELIVERY = "SELECT state, owner, scan_id FROM deliveries WHERE key = ?"

    def begin_deliveries(self, rows: list[tuple[str, str, str]]) -> list[tuple | None]:
        """Claim (key, owner, scan_id) rows as 'sending', in one transaction.

        For each row: None if this call wrote it (the caller may send), else the
        (state, owner, scan_id) already there, which the caller must respect.
        """
        now = time.time()

        def work(db) -> list[tuple | None]:
            out: list[tuple | None] = []
            for key, owner, scan_id in rows:
                cur = db.execute("INSERT INTO deliveries VALUES (?,'sending',?,?,?,?) "
                              "ON CONFLICT (key) DO NOTHING", (key, owner, scan_id, now, now))
                if cur.rowcount == 1:
                    out.append(None)
                else:
                    found = db.execute(self._DELIVERY, (key,)).fetchall()
                    out.append(tuple(found[0]) if found else None)
            return out

        return self._atomic(work)

    def retake_delivery(self, key: str, owner: str, scan_id: str) -> None:
        """A 'sending' row of this owner whose send failed and could not be cleared: reuse it."""
        self._write("UPDATE deliveries SET state = 'sending', scan_id = ?, updated = ? "
                    "WHERE key = ? AND owner = ?", [(scan_id, time.time(), key, owner)])

    def end_deliveries(self, rows: list[tuple[str, str, bool]]) -> None:
        """(key, scan_id, delivered): delivered rows are marked so; failed sends are forgotten
        (only that attempt's row: a retry may have claimed the key again since)."""
        now = time.time()
        self._transaction([
            ("UPDATE deliveries SET state = 'delivered', updated = ? WHERE key = ?",
             [(now, k) for k, _, ok in rows if ok]),
            ("DELETE FROM deliveries WHERE key = ? AND scan_id = ? AND state = 'sending'",
             [(k, s) for k, s, ok in rows if not ok]),
        ])

    def delivery(self, key: str) -> tuple[str, str, str] | None:
        """(state, owner, scan_id) of a journalled message, or None."""
        rows = self._read(self._DELIVERY, (key,))
        return tuple(rows[0]) if rows else None  # type: ignore[return-value]

    def prune_deliveries(self, cutoff: float) -> int:
        """Forget journal rows last touched before `cutoff` (past any MTA's retry window)."""
        return self._atomic(lambda db: db.execute(_PRUNE_DELIVERIES, (cutoff,)).rowcount)

    def prune_journal(self, cutoff: float, days: float) -> dict[str, int]:
        """Both of the journal's tables, and their counts on the trail as the decisions log's
        are (counts only: the rows are keyed hashes and states, but which messages went
        where is what the trail is asked about). One entry a pass, none when nothing went."""
        def work(db) -> dict[str, int]:
            gone = {"deliveries": max(db.execute(_PRUNE_DELIVERIES, (cutoff,)).rowcount, 0),
                    "scan failures": max(db.execute(PRUNE_FAILURES, (cutoff,)).rowcount, 0)}
            if any(gone.values()):
                self._append(db, [retention_entry("delivery journal", days, gone)])
            return gone

        return self._atomic(work)

    def erased_at(self) -> float | None:
        rows = self._read("SELECT value FROM meta WHERE key = 'erased_at'", ())
        return float(rows[0][0]) if rows else None

    def prune_decisions(self, cutoff: float, days: int | None = None) -> int:
        """The decisions log past `storage.decisions_days`: it keeps each sender's address,
        and had no end. With `days`, a pass that deletes rows says how many on the audit
        trail, in the same transaction: the log is what shows which mail went where."""
        def work(db) -> int:
            gone = max(db.execute("DELETE FROM decisions WHERE created < ?",
                                  (cutoff,)).rowcount, 0)
            if gone and days is not None:
                self._append(db, [retention_entry("decisions log", days, {"rows": gone})])
            return gone

        return self._atomic(work)

    def purge_decided(self, cutoff: float, audit: AuditEntry, limit: int = 500) -> list[str]:
        """Decided messages past `quarantine.decided_days`: each held the whole message, and
        was kept for ever once released or rejected. `updated` is when it was decided (0 in
        rows from before it was kept, whose `created` is older still). RETURNING: two nodes
        deleting together audit each message once, whichever deleted it."""
        def work(db) -> list[str]:
            gone = [row[0] for row in db.execute(
                "DELETE FROM quarantine WHERE id IN (SELECT id FROM quarantine WHERE state IN "
                "('released', 'rejected', 'expired') AND updated < ? AND created < ? "
                "ORDER BY created LIMIT ?) RETURNING id", (cutoff, cutoff, limit)).fetchall()]
            self._append(db, [dataclasses.replace(audit, item_id=i) for i in gone])
            return gone

        return self._atomic(work)

    def held(self, state: str | None = "held", limit: int = 100,
             raw: bool = True) -> list[HeldMessage]:
        """Oldest first. `raw=False`: without the message bytes (lists, queues, dashboards)."""
        columns = _HELD_COLUMNS if raw else _HELD_COLUMNS.replace(" raw,", " NULL,")
        where = "" if state is None else "WHERE state = ? "
        rows = self._read(f"SELECT {columns} FROM quarantine {where}ORDER BY created LIMIT ?",
                          (limit,) if state is None else (state, limit))
        return [_held(row) for row in rows]

    def held_page(self, states: tuple[str, ...] | None, query: str = "", rule: str = "",
                  offset: int = 0, limit: int = 100, newest_first: bool = False
                  ) -> tuple[list[HeldMessage], int]:
        """A page of the queue, without the bytes, and how many messages match in all:
        searched (sender, recipients, id; any case) and counted by the store over every held
        message. The review app listed the oldest 2,000 of a state and searched those, so
        after a busy year `all` never showed this month's, and a resident's mail released
        last week could not be found."""
        where, params = [], []
        if states is not None:
            where.append(f"state IN ({','.join('?' * len(states))})")
            params += states
        if query:
            like = f"%{_like(query.lower())}%"
            # the recipients are a JSON list, a letter past ASCII kept as its escape (zo\u00eb):
            # "zoë" is looked for as that too
            escaped = f"%{_like(json.dumps(query.lower())[1:-1])}%"
            where.append("(LOWER(mail_from) LIKE ? ESCAPE '!' OR LOWER(id) LIKE ? ESCAPE '!' "
                         "OR LOWER(rcpt_tos) LIKE ? ESCAPE '!' OR rcpt_tos LIKE ? ESCAPE '!')")
            params += (like, like, like, escaped)
        if rule:  # the rules column is a JSON list of ids: the id with its quotes
            where.append("rules LIKE ? ESCAPE '!'")
            params.append(f"%{_like(json.dumps(rule))}%")
        clause = f"WHERE {' AND '.join(where)} " if where else ""
        [(total,)] = self._read(f"SELECT COUNT(*) FROM quarantine {clause}", tuple(params))
        columns = _HELD_COLUMNS.replace(" raw,", " NULL,")
        order = "DESC" if newest_first else "ASC"
        rows = self._read(f"SELECT {columns} FROM quarantine {clause}ORDER BY created {order}, "
                          f"id {order} LIMIT ? OFFSET ?", (*params, limit, offset))
        return [_held(row) for row in rows], int(total)

    def held_rules(self) -> list[str]:
        """Every rule id that has held a message, for the queue's filter."""
        rows = self._read("SELECT DISTINCT rules FROM quarantine", ())
        return sorted({rule for (text,) in rows for rule in json.loads(text)})

    def hold_summaries(self, since: float) -> list[HoldSummary]:
        rows = self._read("SELECT id, created, updated, state, rules, recipients FROM "
                          "quarantine WHERE created >= ? ORDER BY created", (since,))
        return [HoldSummary(i, created, updated or 0.0, state, tuple(json.loads(rules)),
                            tuple(json.loads(recipients)))
                for i, created, updated, state, rules, recipients in rows]

    def get_held(self, item_id: str) -> HeldMessage | None:
        rows = self._read(f"SELECT {_HELD_COLUMNS} FROM quarantine WHERE id = ?", (item_id,))
        return _held(rows[0]) if rows else None

    def claim(self, item_id: str, states: tuple[str, ...], new_state: str, actor: str,
              audit: AuditEntry | None = None) -> HeldMessage | None:
        marks = ",".join("?" * len(states))
        changed = self._cas(
            f"UPDATE quarantine SET state = ?, updated = ?, decided_by = ? "
            f"WHERE id = ? AND state IN ({marks})",
            (new_state, time.time(), actor, item_id, *states), audit)
        return self.get_held(item_id) if changed else None

    def finish(self, item_id: str, state: str, new_state: str, audit: AuditEntry,
               error: str = "") -> bool:
        return self._cas(
            "UPDATE quarantine SET state = ?, updated = ?, decided_by = ?, last_error = ? "
            "WHERE id = ? AND state = ?",
            (new_state, time.time(), audit.actor, error, item_id, state), audit)

    def audit(self, entry: AuditEntry) -> None:
        self._atomic(lambda db: self._append(db, [entry]))

    def verify_audit(self, expect: tuple[int, str] | None = None,
                     whole: bool = True) -> chaincheck.ChainState:
        """A walk goes on from this process's last (kept here); a whole one from the start,
        and later ones go on from it."""
        since = None if whole else self.__dict__.get("_chain_checked")
        state = chaincheck.verify(self, self.audit_keys, since=since, expect=expect)
        self.__dict__["_chain_checked"] = state
        return state

    def audit_head(self) -> tuple[int, str]:
        return chain.head(self)

    def audit_log(self, item_id: str | None = None, actor: str | tuple[str, ...] | None = None,
                  limit: int = 1000, action: str | tuple[str, ...] | None = None,
                  since: float | None = None) -> list[AuditEntry]:
        clause, params = _audit_where(item_id, actor, action, None)
        if since is not None:
            clause = f"{clause} AND at >= ?" if clause else "WHERE at >= ?"
            params = (*params, since)
        rows = self._read(f"SELECT {_AUDIT_COLUMNS} FROM audit {clause} ORDER BY id DESC LIMIT ?",
                          (*params, limit))
        return [AuditEntry(*r) for r in rows]

    def audit_extent(self, item_id: str | None = None, actor: str | tuple[str, ...] | None = None,
                     action: str | None = None) -> tuple[int, int]:
        """(how many entries the filters match, the newest entry's number): what an export
        will hold, said in the audit entry written before it starts."""
        clause, params = _audit_where(item_id, actor, action, None)
        [(count, newest)] = self._read(f"SELECT COUNT(*), MAX(id) FROM audit {clause}", params)
        return int(count), int(newest or 0)

    def audit_batches(self, item_id: str | None = None, actor: str | tuple[str, ...] | None = None,
                      action: str | None = None, upto: int | None = None, batch: int = 5000
                      ) -> Iterator[list[AuditEntry]]:
        """Every entry the filters match (numbered `upto` or lower), newest first, `batch` at
        a time: an auditor's export is of the whole trail, and every page view is an entry,
        so a year of it is more than one list should hold (the export stopped at 5,000 and
        did not say so)."""
        below = upto + 1 if upto is not None else None
        while True:
            clause, params = _audit_where(item_id, actor, action, below)
            rows = self._read(f"SELECT id, {_AUDIT_COLUMNS} FROM audit {clause} "
                              "ORDER BY id DESC LIMIT ?", (*params, batch))
            if not rows:
                return
            yield [AuditEntry(*r[1:]) for r in rows]
            below = rows[-1][0]

    def held_before(self, states: tuple[str, ...], cutoff: float) -> list[HeldMessage]:
        marks = ",".join("?" * len(states))
        columns = _HELD_COLUMNS.replace(" raw,", " NULL,")  # ids and states are what is wanted
        rows = self._read(f"SELECT {columns} FROM quarantine WHERE state IN ({marks}) "
                          "AND created < ? ORDER BY created", (*states, cutoff))
        return [_held(row) for row in rows]

    # review app: accounts and sessions ------------------------------------

    def save_user(self, username: str, password_hash: str, roles: tuple[str, ...],
                  disabled: bool = False, mailboxes: tuple[str, ...] = ()) -> None:
        """A new password, or a disable, moves the account's credential generation on, here
        where every change of account passes: what was issued under the old one (a session,
        a browser's known cookie) is no good, whichever command or page made the change."""
        self._write("INSERT INTO users (username, password_hash, roles, disabled, created, "
                    "mailboxes) VALUES (?,?,?,?,?,?) ON CONFLICT (username) DO UPDATE SET "
                    "password_hash = excluded.password_hash, roles = excluded.roles, "
                    "disabled = excluded.disabled, mailboxes = excluded.mailboxes, "
                    "generation = users.generation + CASE WHEN users.password_hash <> "
                    "excluded.password_hash OR excluded.disabled > users.disabled THEN 1 "
                    "ELSE 0 END",
                    [(username, password_hash, dumps(list(roles)), int(disabled), time.time(),
                      dumps(list(mailboxes)))])

    def get_user(self, username: str):
        from dlpgate.review.auth import User

        rows = self._read("SELECT username, roles, disabled, password_hash, mailboxes, "
                          "generation FROM users WHERE username = ?", (username,))
        if not rows:
            return None
        r = rows[0]
        return User(r[0], tuple(json.loads(r[1])), bool(r[2]), r[3], tuple(json.loads(r[4])),
                    r[5])

    def rehash_user(self, username: str, old_hash: str, new_hash: str) -> bool:
        """Replace the account's password hash with the same password's at today's cost,
        unless the hash changed meanwhile (a `users passwd` while the sign-in was checked):
        the credential generation stays, for the password is the same and nothing issued
        under it (a session, a browser's known cookie) is to end."""
        return self._atomic(lambda db: db.execute(
            "UPDATE users SET password_hash = ? WHERE username = ? AND password_hash = ?",
            (new_hash, username, old_hash)).rowcount == 1)

    def users(self) -> list:
        from dlpgate.review.auth import User

        rows = self._read("SELECT username, roles, disabled, mailboxes FROM users "
                          "ORDER BY username", ())
        return [User(r[0], tuple(json.loads(r[1])), bool(r[2]), "", tuple(json.loads(r[3])))
                for r in rows]

    def create_session(self, token_hash: str, username: str, csrf: str,
                       generation: int) -> None:
        """`generation`: the account's credential generation as read when its password was
        checked; a password change or disable after that leaves the session no good."""
        now = time.time()
        self._write(f"INSERT INTO sessions ({_SESSION_COLUMNS}) VALUES (?,?,?,?,?,?)",
                    [(token_hash, username, csrf, now, now, generation)])

    def open_session(self, token_hash: str, username: str, csrf: str, stale_before: float,
                     started_before: float, audit: AuditEntry) -> bool:
        """Begin a session under `token_hash` unless a live one is there (seen since
        `stale_before` and begun since `started_before`; one that is not is begun afresh),
        and write `audit` in the same transaction when it is begun. True if this call began
        it: requests and nodes racing to begin the same session begin it, and audit it, once
        (a signing-in proxy's users, whose sessions are found by who and where, not by a
        cookie)."""
        now = time.time()

        def work(db) -> bool:
            began = db.execute(
                "INSERT INTO sessions (token_hash, username, csrf, created, last_seen) "
                "VALUES (?,?,?,?,?) ON CONFLICT (token_hash) DO UPDATE SET "
                "username = excluded.username, csrf = excluded.csrf, "
                "created = excluded.created, last_seen = excluded.last_seen "
                "WHERE sessions.last_seen < ? OR sessions.created < ?",
                (token_hash, username, csrf, now, now, stale_before, started_before),
            ).rowcount == 1
            if began:
                self._append(db, [audit])
            return began

        return self._atomic(work)

    def get_session(self, token_hash: str):
        from dlpgate.review.auth import Session

        rows = self._read("SELECT username, csrf, created, last_seen, generation FROM "
                          "sessions WHERE token_hash = ?", (token_hash,))
        return Session(*rows[0]) if rows else None

    def touch_session(self, token_hash: str) -> None:
        self._write("UPDATE sessions SET last_seen = ? WHERE token_hash = ?",
                    [(time.time(), token_hash)])

    def prune_sessions(self, stale_before: float, started_before: float) -> int:
        """Delete sessions last seen before `stale_before` or begun before `started_before`
        (lapsed: idle too long, or too old); how many. A session is otherwise deleted only
        when it is presented again or its user signs out: one left to lapse (a browser
        closed, a proxy's user gone home, one row per name and address) stayed for ever."""
        return self._atomic(lambda db: db.execute(
            "DELETE FROM sessions WHERE last_seen < ? OR created < ?",
            (stale_before, started_before)).rowcount)

    def end_sessions(self, token_hash: str | None = None, username: str | None = None) -> None:
        if token_hash is not None:
            self._write("DELETE FROM sessions WHERE token_hash = ?", [(token_hash,)])
        if username is not None:
            self._write("DELETE FROM sessions WHERE username = ?", [(username,)])

    def decisions(self, limit: int = 100) -> list[DecisionRecord]:
        rows = self._read(f"SELECT {_DECISION_COLUMNS} FROM decisions ORDER BY created DESC "
                          "LIMIT ?", (limit,))
        return [
            DecisionRecord(
                scan_id=r[0], created=r[1], node=r[2], mail_from=r[3],
                rcpt_domains=tuple(json.loads(r[4])), n_recipients=r[5], size=r[6], verdict=r[7],
                outcome=r[8], reply_code=r[9], rules=tuple(json.loads(r[10])),
                entity_counts=json.loads(r[11]), policy_version=r[12], timings=json.loads(r[13]),
                action=r[14], shadow_rules=tuple(json.loads(r[15])),
            )
            for r in rows
        ]

    def learn(self, pairs: list) -> None:
        if not pairs:
            return
        domains: dict[str, list[float]] = {}
        for p in pairs:
            d = p.recipient.rpartition("@")[2]
            c = domains.setdefault(d, [0, p.when, p.when])
            c[0] += p.count
            c[1], c[2] = min(c[1], p.when), max(c[2], p.when)
        # What this process has filed in `spellings` already (a cache, not a record: a
        # restart files them again, harmlessly) keeps the usual recipients from costing
        # a dozen index writes each time. Emptied hourly too: another process (erasure,
        # another node's retention) may have deleted what it remembers.
        filed: set[str] = self.__dict__.setdefault("_filed", set())
        # an erasure in another process (history forget) says when, so what it deleted is
        # filed again from the next batch, not within the hour
        erased = self.erased_at()
        if len(filed) > 200_000 or time.monotonic() - self.__dict__.get("_filed_at", 0) > 3600 \
                or (erased is not None and erased >= self.__dict__.get("_filed_wall", 0)):
            filed.clear()
            self.__dict__["_filed_at"] = time.monotonic()
            self.__dict__["_filed_wall"] = time.time()
        fresh = sorted(k for k in {p.recipient for p in pairs if p.count > 0}
                       | {"@" + d for d in domains} if k not in filed)
        self._transaction([
            ("INSERT INTO spellings (key, known) VALUES (?,?) ON CONFLICT (key, known) "
             "DO NOTHING", [(key, k) for k in fresh for key in sorted(filed_keys(k))]),
            # smallest: unknown (NULL) on either side keeps it unknown, for a contact
            # loaded from a CSV file may have had small messages no one counted
            ("INSERT INTO correspondence (sender, recipient, count, first_seen, last_seen, "
             "joined, smallest) VALUES (?,?,?,?,?,?,?) ON CONFLICT (sender, recipient) DO "
             "UPDATE SET count = correspondence.count + excluded.count, "
             "joined = correspondence.joined + excluded.joined, "
             "first_seen = CASE correspondence.count WHEN 0 THEN excluded.first_seen "
             f"ELSE {self.LEAST}(correspondence.first_seen, excluded.first_seen) END, "
             "last_seen = CASE correspondence.count WHEN 0 THEN excluded.last_seen "
             f"ELSE {self.GREATEST}(correspondence.last_seen, excluded.last_seen) END, "
             "smallest = CASE WHEN correspondence.count = 0 THEN excluded.smallest "
             "WHEN correspondence.smallest IS NULL OR excluded.smallest IS NULL THEN NULL "
             f"ELSE {self.LEAST}(correspondence.smallest, excluded.smallest) END",
             [(p.sender, p.recipient, p.count, p.when, p.when, p.joined,
               p.audience or None) for p in pairs]),
            ("INSERT INTO domains VALUES (?,?,?,?) ON CONFLICT (domain) DO UPDATE "
             "SET count = domains.count + excluded.count, "
             f"first_seen = {self.LEAST}(domains.first_seen, excluded.first_seen), "
             f"last_seen = {self.GREATEST}(domains.last_seen, excluded.last_seen)",
             [(d, c[0], c[1], c[2]) for d, c in domains.items()]),
        ])
        filed.update(fresh)

    def learn_groups(self, messages: list[tuple[str, tuple[str, ...]]]) -> None:
        """(sender, recipients) per message: each pair of co-recipients counted once."""
        rows = []
        for sender, rcpts in messages:
            rows += [(sender, a, b) for a, b in group_pairs(rcpts)]
        if rows:
            self._write("INSERT INTO groups VALUES (?,?,?,1) ON CONFLICT (sender, a, b) "
                        "DO UPDATE SET count = groups.count + 1", rows)

    def together(self, sender: str, recipients: list[str]) -> dict[tuple[str, str], int]:
        """How often each pair of these recipients has had mail from `sender` together."""
        if len(recipients) < 2:
            return {}
        # One index range per address on the left, the right filtered here: with both IN
        # lists in the query the planner probes every (a, b) combination, 8,100 probes
        # for a list of sixty with thirty namesakes.
        wanted = set(recipients)
        marks = ",".join("?" * len(wanted))
        rows = self._read(f"SELECT a, b, count FROM groups WHERE sender = ? AND a IN ({marks})",
                          (sender, *sorted(wanted)))
        return {(a, b): n for a, b, n in rows if b in wanted}

    def wrote_in(self, addresses: list[str]) -> set[str]:
        """Those of `addresses` that have written to anyone here: a resident who wrote to
        the housing mailbox has, whoever answers them. The recipient index answers it."""
        if not addresses:
            return set()
        marks = ",".join("?" * len(addresses))
        rows = self._read(f"SELECT DISTINCT recipient FROM correspondence WHERE recipient IN "
                          f"({marks}) AND replied = 1", tuple(addresses))
        return {r for (r,) in rows}

    def mark_replied(self, pairs: list[tuple[str, str, float]]) -> None:
        """(our address, their address, when): they wrote back to someone who writes to them.

        A row for someone who has written to us but never been written to (count 0) keeps
        the time of their latest message, so that history retention can age it out; the
        first message to them replaces it with ours. `replied_at` keeps their latest either
        way: retention keeps a pair while either side still writes."""
        self._write("INSERT INTO correspondence (sender, recipient, count, first_seen, "
                    "last_seen, replied, replied_at) VALUES (?,?,0,?,?,1,?) ON CONFLICT "
                    "(sender, recipient) DO UPDATE SET replied = 1, last_seen = CASE "
                    "correspondence.count WHEN 0 THEN "
                    f"{self.GREATEST}(correspondence.last_seen, excluded.last_seen) "
                    "ELSE correspondence.last_seen END, replied_at = "
                    f"{self.GREATEST}(COALESCE(correspondence.replied_at, 0), "
                    "excluded.replied_at)",
                    [(ours, theirs, when, when, when) for ours, theirs, when in pairs])

    def profile_key(self) -> bytes:
        """The per-installation key (made on first use, shared by every node of one store)."""
        rows = self._read("SELECT value FROM meta WHERE key = 'profile_key'", ())
        if not rows:
            self._write("INSERT INTO meta (key, value) VALUES ('profile_key', ?) "
                        "ON CONFLICT (key) DO NOTHING", [(secrets.token_hex(32),)])
            rows = self._read("SELECT value FROM meta WHERE key = 'profile_key'", ())
        return bytes.fromhex(rows[0][0])

    def learn_profiles(self, rows: list[tuple[str, str, tuple[int, ...]]],
                       when: float | None = None) -> None:
        """(sender, recipient, tokens) rows: each token's count goes up by one, and it was
        last seen at `when` (the message's date; now when not given), for retention."""
        when = time.time() if when is None else when
        flat = [(s, r, t, when) for s, r, tokens in rows for t in tokens]
        if flat:
            self._write("INSERT INTO profiles (sender, recipient, token, count, seen) "
                        "VALUES (?,?,?,1,?) ON CONFLICT (sender, recipient, token) DO UPDATE "
                        "SET count = profiles.count + 1, "
                        f"seen = {self.GREATEST}(COALESCE(profiles.seen, 0), excluded.seen)",
                        flat)

    def profile_fit(self, sender: str, recipients: list[str],
                    tokens: tuple[int, ...]) -> dict[str, int]:
        """How many of `tokens` have gone from `sender` to each of `recipients` before."""
        if not recipients or not tokens:
            return {}
        r_marks, t_marks = ",".join("?" * len(recipients)), ",".join("?" * len(tokens))
        rows = self._read(
            f"SELECT recipient, count(*) FROM profiles WHERE sender = ? AND recipient IN "
            f"({r_marks}) AND token IN ({t_marks}) GROUP BY recipient",
            (sender, *recipients, *tokens))
        return {r: n for r, n in rows}

    def profile_share(self, sender: str, recipients: list[str],
                      tokens: tuple[int, ...]) -> dict[str, float]:
        """Like `profile_fit`, each token weighted by 1 / how many of the sender's
        recipients it has gone to: a word only one contact has had counts 1, a word
        everyone gets (the sender's signature, a weekly report's title) next to nothing.
        """
        if not recipients or not tokens:
            return {}
        r_marks, t_marks = ",".join("?" * len(recipients)), ",".join("?" * len(tokens))
        rows = self._read(
            "SELECT p.recipient, sum(1.0 / d.n) FROM profiles p JOIN (SELECT token, count(*) "
            f"AS n FROM profiles WHERE sender = ? AND token IN ({t_marks}) GROUP BY token) d "
            f"ON d.token = p.token WHERE p.sender = ? AND p.recipient IN ({r_marks}) "
            f"AND p.token IN ({t_marks}) GROUP BY p.recipient",
            (sender, *tokens, sender, *recipients, *tokens))
        # rounded: PostgreSQL sums in exact decimals (6 x 1/6 = 1.00000000000000000002), SQLite
        # in floating point (0.9999999999999999), and content_min is 1.0 by default: the same
        # history held a message on one store and sent it on the other
        return {r: round(float(n), 9) for r, n in rows}

    def correspondence(self, sender: str, recipients: list[str]) -> dict[str, Correspondence]:
        if not recipients:
            return {}
        marks = ",".join("?" * len(recipients))
        rows = self._read(
            "SELECT recipient, count, first_seen, last_seen, replied, joined, smallest FROM "
            f"correspondence WHERE sender = ? AND recipient IN ({marks})", (sender, *recipients))
        return {r[0]: Correspondence(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6])
                for r in rows}

    def addressed(self, recipients: list[str]) -> dict[str, int]:
        """How many senders here have written to each of `recipients` (absent: none).

        An address no one in the organisation has written to is likelier a slip than a
        colleague's contact the sender has not yet written to; the recipient index
        answers it without a scan.
        """
        if not recipients:
            return {}
        marks = ",".join("?" * len(recipients))
        rows = self._read(
            "SELECT recipient, count(*) FROM correspondence WHERE recipient IN "
            f"({marks}) AND count > 0 GROUP BY recipient", tuple(recipients))
        return {r: n for r, n in rows}

    def contacts(self, sender: str, limit: int = 500) -> list[Correspondence]:
        return [Correspondence(r[0], r[1], r[2], r[3], bool(r[4]))
                for r in self.contact_rows(sender, limit)]

    def contact_rows(self, sender: str, limit: int = 500) -> list[ContactRow]:
        return self._read(
            "SELECT recipient, count, first_seen, last_seen, replied FROM correspondence "
            # most used first, as an autocomplete lists them; ties by address, so that both
            # stores list them alike (PostgreSQL's order of ties changed with unrelated
            # deletions, and with it which Sarah a signal named and whether mail was held)
            f"WHERE sender = ? ORDER BY count DESC, recipient{self.BYTEWISE} LIMIT ?",
            (sender, limit))

    def domains(self, domains: list[str]) -> dict[str, Correspondence]:
        if not domains:
            return {}
        marks = ",".join("?" * len(domains))
        rows = self._read(f"SELECT domain, count, first_seen, last_seen FROM domains "
                          f"WHERE domain IN ({marks})", tuple(domains))
        return {r[0]: Correspondence(r[0], r[1], r[2], r[3]) for r in rows}

    def analyze(self, tables: tuple[str, ...] = ()) -> None:
        """Nothing on SQLite: its planner takes a primary key's index without statistics,
        and `near` reads it there (about 1 ms at a million pairs) with none."""

    def near(self, items: list[str]) -> dict[str, list[str]]:
        """For each address (or '@domain'), the known ones that share a spelling key with it:
        every address or domain here one typing slip away, and a few two slips away. The
        caller decides which of them it is a slip of."""
        return self._filed_near(items, spelling_keys)

    def _filed_near(self, items: list[str], keys_of) -> dict[str, list[str]]:
        """For each item, the addresses (or '@domains') filed in `spellings` under any of
        `keys_of(item)`, the item itself left out, and of its kind only (an address's are
        addresses)."""
        keys: dict[str, list[str]] = {}
        # an address longer than any mail system delivers to has no known spellings, and its
        # keys (one per character, each as long as it) took 20 GB for a 100 KB local part
        for item in dict.fromkeys(i for i in items if len(i) <= MAX_ADDRESS):
            for key in keys_of(item):
                keys.setdefault(key, []).append(item)
        if not keys:
            return {}
        # in parts: a thousand recipients' keys passed SQLite's and PostgreSQL's limits on a
        # statement's parameters, and the scan failed (451, or unscanned under on_error: pass)
        wanted = list(keys)
        rows = []
        for at in range(0, len(wanted), NEAR_CHUNK):
            part = wanted[at:at + NEAR_CHUNK]
            rows += self._read(f"SELECT key, known FROM spellings WHERE key IN "
                               f"({','.join('?' * len(part))})", tuple(part))
        out: dict[str, set[str]] = {}
        for key, known in rows:
            for item in keys[key]:
                if known != item and known.startswith("@") == item.startswith("@"):
                    out.setdefault(item, set()).add(known)
        return {item: sorted(found) for item, found in out.items()}

    def top_domains(self, limit: int = 500) -> list[Correspondence]:
        rows = self._read("SELECT domain, count, first_seen, last_seen FROM domains "
                          f"ORDER BY count DESC, domain{self.BYTEWISE} LIMIT ?", (limit,))
        return [Correspondence(r[0], r[1], r[2], r[3]) for r in rows]


def _held(r: tuple) -> HeldMessage:
    return HeldMessage(
        id=r[0], created=r[1], state=r[2], mail_from=r[3], rcpt_tos=tuple(json.loads(r[4])),
        message_id=r[5], size=r[6], verdict=r[7], rules=tuple(json.loads(r[8])),
        reasons=tuple(json.loads(r[9])), findings=tuple(json.loads(r[10])),
        recipients=tuple(json.loads(r[11])), raw=bytes(r[12] or b""), action=r[13],
        matches=tuple(json.loads(r[14])), policy_version=r[15], delay_minutes=r[16],
        notify=tuple(json.loads(r[17])), updated=r[18], decided_by=r[19], last_error=r[20],
        **_dsn_fields(r[21]),
    )


def _dsn_column(m: HeldMessage) -> str:
    """The DSN options a held message came with, as JSON; '' when it came with none."""
    if not m.mail_dsn and not any(m.rcpt_dsn):
        return ""
    return json.dumps({"mail": list(m.mail_dsn), "rcpt": [list(o) for o in m.rcpt_dsn]})


def _dsn_fields(text: str | None) -> dict:
    """HeldMessage's DSN fields from the column: none for a row held before it was kept."""
    if not text:
        return {}
    kept = json.loads(text)
    return {"mail_dsn": tuple(kept.get("mail", ())),
            "rcpt_dsn": tuple(tuple(o) for o in kept.get("rcpt", ()))}


def _like(text: str) -> str:
    """`text` matched as written inside a LIKE pattern (ESCAPE '!'): a search for "j_smith"
    or "100%" means those characters."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _audit_where(item_id: str | None, actor: str | tuple[str, ...] | None,
                 action: str | tuple[str, ...] | None,
                 below: int | None) -> tuple[str, tuple]:
    where, params = [], []
    for column, value in (("item_id", item_id), ("actor", actor), ("action", action),
                          ("id", below)):
        if isinstance(value, tuple):  # any of these (an actor by name, whatever the channel)
            where.append(f"{column} IN ({','.join('?' * len(value))})")
            params += value
        elif value is not None:
            where.append(f"{column} < ?" if column == "id" else f"{column} = ?")
            params.append(value)
    return (f"WHERE {' AND '.join(where)}" if where else ""), tuple(params)
