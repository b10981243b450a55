"""The relay's lifecycle: listen, serve, reload policy, and on SIGTERM drain without losing mail.

SIGTERM: stop accepting, refuse new transactions with 421, let every message
already in DATA finish (up to `relay.drain_timeout`), then close. A client cut
off mid-transaction never heard 250, so its MTA still holds the message.

SIGHUP, or a change to a policy file when `policy.watch` is on: read and
validate the policy files again. A set that fails validation is refused and
logged with its problems, and the set in force stays; a good one applies from
the next message on. No connection is dropped and no scan is disturbed.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import ssl
import time
from pathlib import Path
from typing import Any

from dlpgate import obs
from dlpgate.act.relay import NextHop
from dlpgate.config import Settings, split_host_port
from dlpgate.ingress.smtp import Gateway, GatewaySMTP, Handler
from dlpgate.policy.load import PolicyError, load_files, load_policy, policy_files
from dlpgate.policy.rules import PolicySet
from dlpgate.store.base import Store, open_configured, retention_entry
from dlpgate.workers import InlineScanner, WorkerPool, settle, spawn

log = obs.logger("dlpgate.server")


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    tls = settings.relay.tls
    if tls is None:
        return None
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        ctx.load_cert_chain(str(tls.cert), str(tls.key))
    except (OSError, ssl.SSLError) as exc:  # else "cannot listen", blaming the address
        raise TlsError(f"cannot use relay.tls {tls.cert} and {tls.key}: "
                       f"{getattr(exc, 'strerror', None) or exc}") from None
    return ctx


class TlsError(Exception):
    """The certificate or key for STARTTLS cannot be read or does not match."""


class Relay:
    """A running relay: `await relay.start()`, then `await relay.stop()`."""

    def __init__(self, settings: Settings, store: Store | None = None,
                 policy: PolicySet | None = None) -> None:
        self.settings = settings
        self.policy = policy or load_policy(settings)
        self.store = store or open_configured(settings)
        obs.keyed_by(self.store)
        workers = settings.scan.workers
        self.scanner: Any = (
            WorkerPool(settings, workers, settings.scan.queue, self.policy) if workers else
            InlineScanner(settings, self.store, self.policy)
        )
        self._watched = _signature(policy_files(settings))
        self._watch_task: asyncio.Task[Any] | None = None
        self._expire_task: asyncio.Task[Any] | None = None
        self._delay_task: asyncio.Task[Any] | None = None
        self._greet_task: asyncio.Task[Any] | None = None
        self.review: Any = None
        self.metrics: Any = None
        self.hop = NextHop(settings.relay)
        self.gateway = Gateway(
            settings, self.scanner, self.hop, self.store,
            node=f"{socket.gethostname()}:{os.getpid()}",
        )
        self.server: asyncio.AbstractServer | None = None
        self.stopped = asyncio.Event()
        self._chain_broke = False  # a periodic check found the audit chain broken

    def _factory(self) -> GatewaySMTP:
        r = self.settings.relay
        return GatewaySMTP(
            Handler(self.gateway),
            data_size_limit=r.max_message_size,
            enable_SMTPUTF8=True,
            hostname=r.hostname,
            ident="dlpgate ESMTP",
            tls_context=self._tls,
            require_starttls=bool(r.tls and r.tls.required),
            timeout=r.idle_timeout,
            loop=asyncio.get_running_loop(),
        )

    async def start(self) -> None:
        self._tls = tls_context(self.settings)
        await self.scanner.start()
        host, port = split_host_port(self.settings.relay.listen)
        self.server = await asyncio.get_running_loop().create_server(
            self._factory, host=host, port=port, reuse_address=True
        )
        from dlpgate import __version__

        log.info("listening", version=__version__, listen=self.settings.relay.listen,
                 next_hop=self.settings.relay.next_hop, workers=self.settings.scan.workers,
                 policy_version=self.policy.version, rules=len(self.policy.rules))
        from dlpgate.act.notify import unreachable_links

        if why := unreachable_links(self.settings, self.policy):
            log.warning("notice_links_unreachable", why=why)
        try:  # a node left behind a key rotation says so now (store/sql.py logs it)
            await asyncio.to_thread(self.store.audit_key_behind)
        except Exception as exc:  # never a reason not to relay
            log.error("audit_key_check_failed", error=type(exc).__name__)
        if self.settings.policy.watch:
            self._watch_task = spawn(self._watch(), name="policy-watch")
        self._expire_task = spawn(self._expire(), name="quarantine-retention")
        # greeted once now, so a next hop without DSN is known before the first client is
        # offered DSN (Gateway offers it until the next hop has said); nothing if it is down
        self._greet_task = spawn(self.hop.probe(self.settings.relay.next_hop_timeout),
                                 name="greet-next-hop")
        self._delay_task = spawn(self._release_due(), name="delay-windows")
        if self.settings.metrics.listen:
            from dlpgate import metrics
            from dlpgate.review.server import AppServer

            self.metrics = AppServer(metrics.app(self), self.settings.metrics.listen)
            await self.metrics.start()
            log.info("metrics_listening", listen=self.settings.metrics.listen)
        if self.settings.review.enabled:
            from dlpgate.review.server import ReviewServer

            self.review = ReviewServer(self.settings, self.store)
            await self.review.start()
            log.info("review_listening", listen=self.settings.review.listen)

    def _config_changed(self) -> None:
        """SIGHUP reloads the policy, not dlpgate.yaml, which the running relay, its workers
        and its stores were built from: a change to it, or a mistake in it, is logged for
        the operator to restart on (before, the only line was policy_unchanged, and an edited
        partner list was silently not in force)."""
        from dlpgate import config

        source = self.settings.source
        if not Path(source).is_file():
            return
        try:
            now = config.load(source)
        except config.ConfigError as exc:
            log.error("config_not_reloaded", reason="invalid", problems=len(exc.problems),
                      advice="dlpgate config check names each; the settings in force stay")
            return
        running = self.settings.model_dump()
        changed = sorted(k for k, v in now.model_dump().items() if running.get(k) != v)
        if changed:
            log.warning("config_not_reloaded", reason="restart-needed", sections=changed,
                        advice="settings apply when serve starts; the policy reloads now")

    def reload(self, why: str = "sighup") -> bool:
        """Validate the policy files again; apply them only if they are sound."""
        if why == "sighup":
            self._config_changed()
        paths = policy_files(self.settings)
        self._watched = _signature(paths)
        try:
            policy = load_files(paths, self.settings)
        except PolicyError as exc:
            log.error("policy_reload_refused", trigger=why, version=self.policy.version,
                      problems=[str(p) for p in exc.problems])
            return False
        if policy.version == self.policy.version:
            log.info("policy_unchanged", trigger=why, version=policy.version)
            return True
        self.scanner.reload(policy)
        log.info("policy_reloaded", trigger=why, version=policy.version,
                 previous=self.policy.version, rules=len(policy.rules))
        self.policy = policy
        return True

    async def _expire(self) -> None:
        """Apply quarantine retention now and then; a failure is logged, never fatal."""
        from dlpgate.act.quarantine import expire

        while not self.gateway.closing:
            try:
                done = await expire(self.store, self.settings)
            except Exception as exc:  # the store is briefly unavailable: next time
                log.error("retention_failed", error=type(exc).__name__)
            else:
                if done:
                    log.info("retention", expired=sum(r.ok for r in done), tried=len(done),
                             on_expiry=self.settings.quarantine.on_expiry)
            try:  # counted on the audit trail as a retention entry (store/sql.py)
                days = self.settings.relay.journal_days
                await asyncio.to_thread(self.store.prune_journal, time.time() - days * 86400,
                                        days)
            except Exception as exc:
                log.error("journal_prune_failed", error=type(exc).__name__)
            if (days := self.settings.storage.decisions_days) is not None:
                try:
                    gone = await asyncio.to_thread(self.store.prune_decisions,
                                                   time.time() - days * 86400, days)
                except Exception as exc:
                    log.error("decisions_prune_failed", error=type(exc).__name__)
                else:
                    if gone:
                        log.info("decisions_retention", deleted=gone, days=days)
            await self._purge_decided()
            await self._expire_history()
            await self._log_audit_chain()
            await asyncio.sleep(self.settings.quarantine.expire_interval)

    async def _purge_decided(self) -> None:
        """Decided messages past `quarantine.decided_days` go (act/quarantine.py purge); on
        every node, for each deletion is audited once whichever node makes it."""
        from dlpgate.act.quarantine import purge

        try:
            deleted = await asyncio.to_thread(purge, self.store, self.settings)
        except Exception as exc:
            log.error("quarantine_purge_failed", error=type(exc).__name__)
        else:
            if deleted:
                log.info("quarantine_purged", deleted=deleted,
                         days=self.settings.quarantine.decided_days)

    async def _log_audit_chain(self) -> None:
        """The audit chain (store/chain.py) checked on from this node's last check, and its
        head logged (`audit_chain`: entries, head N:HASH, no personal data): kept by a SIEM,
        a logged head shows a later rewrite or cut, which the database alone cannot. Once a
        day, on one node, the whole trail is walked again (an old entry edited since). The
        outcome is also two gauges (metrics.py), so an alert need not read the logs."""
        from dlpgate import metrics

        try:
            whole = await asyncio.to_thread(self.store.take_turn, "audit-chain", 86400.0,
                                            time.time())
            state = await asyncio.to_thread(self.store.verify_audit, None, whole)
        except Exception as exc:
            log.error("audit_chain_failed", error=type(exc).__name__)
            return
        fields = {"entries": state.entries, "head": f"{state.seq}:{state.head}",
                  "keyed": bool(state.keyed_from), "whole": whole}
        metrics.CHAIN_CHECKED.set(time.time())
        if state.broken is not None:
            b = state.broken
            metrics.CHAIN_BROKEN.set(1)
            self._chain_broke = True  # raised until the process restarts
            log.error("audit_chain_broken", **fields, entry=b.id, what=b.what, why=b.why)
            return
        if state.failed:  # a retired key signing again, not acknowledged: not told from a
            metrics.CHAIN_BROKEN.set(1)  # forgery; or an acknowledgement not honoured
            opened = state.open_returns
            log.error("audit_chain_broken", **fields,
                      entry=opened[0][0] if opened else state.refused[0].id,
                      what="returned" if opened else "acknowledgement", why=state.summary())
            return
        if state.acknowledged:  # looked into, and said so on the chain: the alert clears
            if not self._chain_broke:
                metrics.CHAIN_BROKEN.set(0)
            fields["acknowledged"] = [a.place for a in state.acknowledged]
        if state.unchecked:
            log.warning("audit_chain_unchecked", **fields, unchecked=state.unchecked,
                        keys_not_given=list(state.not_given), why="entries signed with a key "
                        "not given here (quarantine.audit_key, audit_keys_retired)")
        else:
            log.info("audit_chain", **fields)

    async def _expire_history(self) -> None:
        """Correspondence history past `recipients.history_days` goes (store/keeping.py):
        pairs and domains every `quarantine.expire_interval`; profile words, which take a
        pass over every sender's profile, once a day. Each on one node only: the store
        hands out turns, so several nodes sharing PostgreSQL do not each read the whole
        history, and a restart does not repeat the day's pass."""
        days = self.settings.recipients.history_days
        if days is None:
            return
        now = time.time()
        cutoff = now - days * 86400
        every = 0.9 * self.settings.quarantine.expire_interval  # whichever node comes first
        turn = self.store.take_turn
        try:
            done: dict[str, int] = {}
            if await asyncio.to_thread(turn, "history-retention", every, now):
                done = await asyncio.to_thread(self.store.expire_history, cutoff)
            if await asyncio.to_thread(turn, "history-words", 86400.0, now):
                done["words"] = await asyncio.to_thread(self.store.expire_words, cutoff)
            if any(done.values()):
                await asyncio.to_thread(self.store.audit, retention_entry(
                    "correspondence history", days, done))
        except Exception as exc:
            log.error("history_retention_failed", error=type(exc).__name__)
        else:
            if any(done.values()):
                log.info("history_retention", days=days, **done)

    async def _release_due(self) -> None:
        """Send `delay` holds whose window has ended (on every node: the claim picks one)."""
        from dlpgate.act.quarantine import release_due

        while not self.gateway.closing:
            await asyncio.sleep(self.settings.notifications.sweep_interval)
            try:
                done = await release_due(self.store, self.settings)
            except Exception as exc:
                log.error("delay_release_failed", error=type(exc).__name__)
            else:
                if done:
                    log.info("delay_released", released=sum(r.ok for r in done),
                             tried=len(done))

    async def _watch(self) -> None:
        interval = self.settings.policy.watch_interval
        while not self.gateway.closing:
            await asyncio.sleep(interval)
            if _signature(policy_files(self.settings)) != self._watched:
                self.reload("file-change")

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Graceful: no new sessions or transactions, in-flight DATA finishes."""
        gw = self.gateway
        gw.closing = True
        for task in (self._watch_task, self._expire_task, self._delay_task):
            if task is not None:
                task.cancel()
        if self.server is not None:
            self.server.close()
        drained = True
        try:
            await asyncio.wait_for(gw.idle.wait(), self.settings.relay.drain_timeout)
        except TimeoutError:
            drained = False
        log.info("stopped", drained=drained, inflight=gw.inflight)
        for proto in list(gw.protocols):  # idle sessions: their clients retry elsewhere
            if proto.transport is not None:
                proto.transport.close()
        await asyncio.sleep(0)  # let connection_lost run and start its clean-up
        for app in (self.review, self.metrics):
            if app is not None:
                await app.stop()
        await settle(5.0)
        await self.scanner.close()
        await self.hop.close()
        await gw.decisions.close()
        await gw.history.close()
        await gw.profiles.close()
        await gw.groups.close()
        await gw.replies.close()
        await gw.journal.close()
        self.store.close()
        self.stopped.set()


def _signature(paths: list) -> tuple:
    """What a file watch compares: each file's name, size and modification time."""
    out = []
    for p in paths:
        try:
            st = os.stat(p)
            out.append((str(p), st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((str(p), -1, -1))
    return tuple(out)


async def serve(settings: Settings, policy: PolicySet | None = None) -> None:
    """Run until SIGTERM or SIGINT; SIGHUP reloads the policy.

    The handlers are in place before the port opens: a SIGTERM that arrives while the
    relay is still starting stops it gracefully as soon as it has started.
    """
    relay = Relay(settings, policy=policy)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    received: list[str] = []

    def stopping(sig: signal.Signals) -> None:
        received.append(sig.name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping, sig)
    loop.add_signal_handler(signal.SIGHUP, lambda: relay.server is not None and relay.reload())
    await relay.start()
    await stop.wait()
    log.info("stopping", signal=received[0])
    await relay.stop()
