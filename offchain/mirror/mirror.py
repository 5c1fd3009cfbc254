"""The off-chain mirror: one object that follows the deployment and answers reads in microseconds.

::

    mirror = Mirror.from_manifest("deployments/31337.json", ["http://127.0.0.1:8545"],
                                  config=MirrorConfig(snapshot_path="mirror.sqlite"))
    mirror.start()                        # background: snapshot resume, backfill, live follow
    view = mirror.wait_for_block(receipt.block_number)   # read-your-writes
    lease = view.lease(lease_id)          # a dict lookup, pinned to (view.number, view.block_hash)
    mirror.subscribe(print)               # typed applied / retracted (reorg) / finalized notes
    mirror.check_journal(); mirror.audit(sample=100)     # proof of agreement with the chain
    mirror.status(); mirror.metrics()     # where it is; counters (the API's /metrics has its own)
    mirror.stop()                         # snapshot and stop

Run as a process with ``python -m offchain.mirror --manifest … --rpc … --snapshot …``
(:mod:`~offchain.mirror.process`, which also says how replicas scale out). The notes subscribers
get are in :mod:`~offchain.mirror.notify`, the status and metrics in :mod:`~offchain.mirror.status`.
"""

from __future__ import annotations

import gc
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from offchain.chain.decode import Decoder
from offchain.chain.manifest import Manifest, check_chain, load_manifest
from offchain.chain.rpc import RpcClient
from offchain.exceptions import (
    DecodeError,
    JournalGapError,
    JournalMismatchError,
    ManifestError,
    MirrorStateError,
    MirrorTimeoutError,
    ReorgTooDeepError,
    RpcError,
    SnapshotError,
)
from offchain.mirror.audit import Auditor, AuditReport, JournalCheck
from offchain.mirror.entities import Changes
from offchain.mirror.follow_types import FollowerConfig
from offchain.mirror.follower import Follower
from offchain.mirror.handlers import check_handlers
from offchain.mirror.notify import Notification, Subscribers
from offchain.mirror.reads import Reads
from offchain.mirror.resume import resume
from offchain.mirror.runners import PollingRunner, Runner, WebsocketRunner
from offchain.mirror.state import MirrorState
from offchain.mirror.status import MirrorStatus, mirror_metrics, mirror_status
from offchain.mirror.store import SnapshotInfo, SnapshotStore
from offchain.mirror.view import View

log = logging.getLogger("offchain.mirror.mirror")

T = TypeVar("T")

# Errors that following cannot repair in place: start again from the snapshot or the deploy block.
_RESYNC_ERRORS = (ReorgTooDeepError, JournalGapError, JournalMismatchError, MirrorStateError,
                  DecodeError)  # fmt: skip


@dataclass(slots=True)
class MirrorConfig:
    """How a mirror runs."""

    follower: FollowerConfig = field(default_factory=FollowerConfig)
    snapshot_path: str | Path | None = None  # None: no snapshots (resync on every start)
    snapshot_interval: float = 30.0  # seconds between snapshots (0: at every finalized advance)
    journal_check_interval: float | None = 60.0  # seconds (None: only on demand)
    audit_interval: float | None = None  # seconds between sampled audits (None: only on demand)
    audit_sample: int = 64
    rpc_timeout: float = 30.0
    rpc_attempts: int = 8
    check_manifest: bool = True  # check chain id, deploy blocks and code before following
    max_lag_blocks: int = 16  # /health fails past this many blocks behind the last head seen
    max_lag_seconds: float = 60.0  # ... or this long since the mirror last saw it was at the head


class Mirror(Reads):
    """Follows one deployment into memory; see the module docstring.

    Args:
        manifest: the deployment.
        rpc_urls: JSON-RPC endpoints of the chain, preferred first.
        ws_url: optional websocket endpoint: new heads wake the follower at once.
        config: how to run.
    """

    def __init__(
        self,
        manifest: Manifest,
        rpc_urls: Sequence[str] | str,
        *,
        ws_url: str | None = None,
        config: MirrorConfig | None = None,
    ) -> None:
        self.manifest = manifest
        self.config = config or MirrorConfig()
        self.rpc = RpcClient(
            rpc_urls, timeout=self.config.rpc_timeout, attempts=self.config.rpc_attempts
        )
        self.ws_url = ws_url
        self.decoder = Decoder.for_deployment(manifest.addresses)
        check_handlers(self.decoder.specs)
        self.auditor = Auditor(self.rpc, manifest.addresses, manifest.asset)
        path = self.config.snapshot_path
        self.store = SnapshotStore(path, manifest.identity()) if path is not None else None
        self.state = MirrorState()
        self.follower: Follower | None = None
        self.last_journal: JournalCheck | None = None
        self.last_audit: AuditReport | None = None
        self.resyncs = 0
        self.audit_checked_total = 0
        self.audit_divergences_total = 0
        self._phase = "stopped"
        self._error = ""
        self._cond = threading.Condition()
        self._subscribers = Subscribers()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._opened = False
        self._repair: Exception | None = None  # a divergence found off the follower's thread
        self._strict = False  # the next open trusts a snapshot only when the chain confirms it
        self._last_snapshot_at = 0.0
        self._last_journal_at = 0.0
        self._last_audit_at = 0.0
        self._rng = random.Random()

    @classmethod
    def from_manifest(
        cls,
        path: str | Path,
        rpc_urls: Sequence[str] | str,
        *,
        ws_url: str | None = None,
        config: MirrorConfig | None = None,
    ) -> Mirror:
        """A mirror of the deployment described by a manifest file."""
        return cls(load_manifest(path), rpc_urls, ws_url=ws_url, config=config)

    # ---------------------------------------------------------------------------- lifecycle

    def start(self) -> Mirror:
        """Follow in a background thread (snapshot resume, backfill, live). Returns self."""
        if self._thread is not None and self._thread.is_alive():
            return self
        self._stop.clear()
        self._phase = "starting"
        self._thread = threading.Thread(target=self._run, name="mirror-follower", daemon=True)
        self._thread.start()
        return self

    def stop(self, *, snapshot: bool = True, timeout: float = 30.0) -> None:
        """Stop following; write a last snapshot at the finalized block."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if snapshot and self._opened:
            self._snapshot()
        if self.store is not None:
            self.store.close()
        if self.follower is not None:
            self.follower.close()
        self.rpc.close()
        self._phase = "stopped"
        with self._cond:
            self._cond.notify_all()

    def __enter__(self) -> Mirror:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def sync(self, *, timeout: float = 600.0) -> View:
        """Follow in the calling thread until the mirror has applied the chain's head."""
        deadline = time.monotonic() + timeout
        if not self._opened:
            self._open()
        follower = self._require_follower()
        resyncs = 0
        while True:
            try:
                self._take_repair()
                busy = follower.step()
                self._periodic()
            except _RESYNC_ERRORS as exc:
                resyncs += 1
                if resyncs > 2 or time.monotonic() > deadline:
                    raise  # the same failure again from a clean start: following cannot fix it
                self._resync(exc)
                self._open()
                follower = self._require_follower()
                continue
            if not busy and self.state.number >= follower.status.head:
                return self.view()
            if time.monotonic() > deadline:
                raise MirrorTimeoutError(
                    follower.status.head, timeout, self.state.number, self._describe()
                )

    def _require_follower(self) -> Follower:
        if self.follower is None:
            raise RuntimeError("mirror not opened")
        return self.follower

    def _open(self) -> None:
        """Check the manifest against the chain, resume from the snapshot, build the follower.

        Also the second half of a resync: until it succeeds (RPC errors are retried by the
        caller) the mirror keeps serving the state it had, in phase ``resync`` or ``error``."""
        if self._phase != "resync":
            self._phase = "starting"
        if self.config.check_manifest:
            try:
                check_chain(self.manifest, self.rpc)
            except ManifestError:
                self._phase = "error"  # another chain at this URL: not live, say why, retry
                raise
        state = self._initial_state()
        old = self.state
        if old is not state:
            old.generation += 2  # views of the abandoned state go stale
        self.state = state
        if self.follower is not None:
            self.follower.close()
        self.follower = self._new_follower(self.state)
        self._opened = True
        self._strict = False
        self._last_snapshot_at = time.monotonic()
        if self.resyncs:  # subscribers and SSE clients must drop what they were told and re-read
            self.reset(self.state.number, self.state.block_hash, self._error or "resync")
        with self._cond:
            self._cond.notify_all()

    def _initial_state(self) -> MirrorState:
        store = self.store
        if store is None or not store.exists():
            return MirrorState()
        try:
            state, info = resume(store, self.rpc, self.auditor, strict=self._strict)
        except SnapshotError as exc:  # RPC errors propagate: retried, the file kept
            log.error("%s", exc)
            self._error = str(exc)
            store.reject()
            return MirrorState()
        if self.config.follower.freeze_gc:
            gc.freeze()
        log.info("resumed from snapshot %s at block %d in %.2fs", store.path, info.block_number,
                 info.seconds)  # fmt: skip
        return state

    def _new_follower(self, state: MirrorState) -> Follower:
        return Follower(
            self.rpc,
            self.decoder,
            state,
            config=self.config.follower,
            hooks=self,
            start_block=self.manifest.start_block,
        )

    def _resync(self, reason: Exception) -> None:
        """Start again from the snapshot (if the chain still confirms it) or the deploy block.

        No RPC here: the next :meth:`_open` does the reading, and is retried until it works."""
        log.error("resync: %s", reason)
        self.resyncs += 1
        self._error = f"resync after: {reason}"
        self._phase = "resync"
        self._opened = False
        self._repair = None
        # A wrong state (not a deep reorg) may be in the snapshot too: trust it only when the
        # chain confirms its journal heads.
        self._strict = not isinstance(reason, ReorgTooDeepError)
        if self.follower is not None:
            self.follower.close()
            self.follower.status.phase = "resync"
        if self.store is not None:
            self.store.forget()
        with self._cond:
            self._cond.notify_all()

    def _take_repair(self) -> None:
        """Raise a divergence another thread found (journal check, audit) on the follower's."""
        repair, self._repair = self._repair, None
        if repair is not None:
            raise repair

    def _runner(self) -> Runner:
        interval = self.config.follower.poll_interval
        if self.ws_url:
            return WebsocketRunner(self.ws_url, interval)
        return PollingRunner(interval)

    def _run(self) -> None:
        pause = self.config.follower.error_backoff
        runner: Runner | None = None
        try:
            while not self._stop.is_set():
                try:
                    if not self._opened:
                        self._open()
                    if runner is None:
                        runner = self._runner()
                        runner.start()
                    self._take_repair()
                    busy = self._require_follower().step()
                    self._periodic()
                    pause = self.config.follower.error_backoff
                    if not busy:
                        runner.wait(self._stop)
                except _RESYNC_ERRORS as exc:
                    self._resync(exc)
                    self._stop.wait(pause)  # a failure that repeats must not spin
                    pause = min(self.config.follower.max_error_backoff, pause * 2)
                except (RpcError, ConnectionError, ManifestError, SnapshotError) as exc:
                    if str(exc) != self._error:
                        log.warning("mirror: %s (retrying in %.1fs)", exc, pause)
                    self._error = str(exc)
                    self._stop.wait(pause)
                    pause = min(self.config.follower.max_error_backoff, pause * 2)
                except Exception as exc:  # a bug: say so loudly, keep trying from a clean state
                    log.exception("mirror: unexpected error")
                    self._error = f"unexpected {type(exc).__name__}: {exc}"
                    if self._opened:
                        self._resync(exc)
                    self._stop.wait(pause)
                    pause = min(self.config.follower.max_error_backoff, pause * 2)
        finally:
            if runner is not None:
                runner.stop()

    # ----------------------------------------------------------------------- follower hooks

    def applied(self, number: int, block_hash: str, changes: Changes, final: bool) -> None:
        """Follower hook: wake waiters, tell subscribers."""
        with self._cond:
            self._cond.notify_all()
        if self._subscribers:
            self._subscribers.publish(Notification("applied", number, block_hash, changes, final))

    def retracted(self, number: int, block_hash: str, inverse: Changes) -> None:
        """Follower hook: tell subscribers what a reorg undid."""
        with self._cond:
            self._cond.notify_all()
        if self._subscribers:
            self._subscribers.publish(Notification("retracted", number, block_hash, inverse))

    def finalized(self, number: int, block_hash: str, changes: Changes) -> None:
        """Follower hook: tell subscribers (no changes: they were in the applied notes), remember
        what to snapshot, snapshot when due."""
        if self._subscribers:
            self._subscribers.publish(Notification("finalized", number, block_hash, [], True))
        if self.store is None:
            return
        self.store.mark(changes)
        if time.monotonic() - self._last_snapshot_at >= self.config.snapshot_interval:
            self._snapshot()

    def reset(self, number: int, block_hash: str, reason: str) -> None:
        """Follower hook: state already announced was dropped; subscribers must re-read."""
        self._subscribers.reset(number, block_hash, reason)

    def subscribe(self, callback: Callable[[Notification], None]) -> Callable[[], None]:
        """Call ``callback`` (on the follower's thread) for every applied or retracted block.

        Returns:
            A function that unsubscribes.
        """
        return self._subscribers.add(callback)

    # ---------------------------------------------------------------------------- snapshots

    def snapshot(self) -> SnapshotInfo | None:
        """Write a snapshot now (at the newest finalized block applied); None without a store."""
        return self._snapshot()

    def _snapshot(self) -> SnapshotInfo | None:
        store, follower = self.store, self.follower
        if store is None or follower is None or follower.final_number < 0:
            return None
        last = store.last
        if last is not None and last.block_number == follower.final_number and not store.pending:
            return last
        try:
            info = store.write(
                self.state,
                follower.final_number,
                follower.final_hash,
                follower.final_timestamp,
                [record.changes for record in follower.window],
            )
        except Exception as exc:  # disk full, read-only file...: keep following, say so
            log.error("snapshot failed: %s", exc)
            self._error = f"snapshot failed: {exc}"
            return None
        self._last_snapshot_at = time.monotonic()
        return info

    # -------------------------------------------------------------------------------- reads

    def wait_for_block(self, number: int, *, timeout: float = 30.0) -> View:
        """Block until the mirror has applied block ``number`` (read-your-writes); its view.

        Raises:
            MirrorTimeoutError: not reached in time (the message carries the mirror's status).
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.state.number < number:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise MirrorTimeoutError(number, timeout, self.state.number, self._describe())
                self._cond.wait(min(remaining, 0.5))
        return self.state.view()

    # --------------------------------------------------------------------------- agreement

    def check_journal(self) -> JournalCheck:
        """Compare the journal heads with the contracts' at the current block hash."""
        check = self.auditor.check_journal(self.state)
        self.last_journal = check
        self._last_journal_at = time.monotonic()
        if not check.ok:
            log.error("%s", check.describe())
            if not check.error:  # a wrong state, not a failed read: repair it
                self._error = check.describe()
                self._repair = JournalMismatchError(check.describe())
        return check

    def audit(self, *, sample: int | None = None, seed: int | None = None) -> AuditReport:
        """Compare every entry (or ``sample`` random ones) with the chain at the current block."""
        rng = random.Random(seed) if seed is not None else self._rng
        report = self.auditor.audit(self.state, sample=sample, rng=rng)
        self.last_audit = report
        self._last_audit_at = time.monotonic()
        if not report.error:
            self.audit_checked_total += report.checked
            self.audit_divergences_total += len(report.divergences)
        if not report.ok:
            log.error("%s", report.describe())
            if not report.error:  # a wrong state, not a failed read: repair it
                self._error = report.describe()
                self._repair = JournalMismatchError(report.describe())
        return report

    def _periodic(self) -> None:
        follower = self.follower
        if follower is not None and follower.status.phase == "backfill":
            # The view is at an old block then: a node without archive state cannot answer calls
            # at its hash, and the check after the backfill covers everything applied anyway.
            return
        now = time.monotonic()
        interval = self.config.journal_check_interval
        if interval is not None and now - self._last_journal_at >= interval:
            self.check_journal()
        interval = self.config.audit_interval
        if interval is not None and now - self._last_audit_at >= interval:
            self.audit(sample=self.config.audit_sample)
        self._take_repair()

    # ------------------------------------------------------------------------------ status

    def status(self) -> MirrorStatus:
        """Where the mirror is and whether it agrees with the chain."""
        follower, store = self.follower, self.store
        return mirror_status(
            self._phase,
            self._opened,
            follower.status if follower is not None else None,
            self.rpc.status(),
            self.state,
            store.last if store is not None else None,
            self._error,
            self.resyncs,
            self.last_journal,
            self.last_audit,
        )

    def _describe(self) -> str:
        s = self.status()
        return f"{s.phase}, head {s.head}, {s.rpc}" + (f", {s.last_error}" if s.last_error else "")

    def metrics(self) -> dict[str, float]:
        """Numbers for a metrics endpoint (Prometheus-style names)."""
        return mirror_metrics(
            self.status(), self.last_journal, self.audit_checked_total, self.audit_divergences_total
        )


__all__ = ["Mirror", "MirrorConfig"]
