// The console's copy of the mirror: loaded from /console/state and /console/leases (each read at
// one block), then kept current from the /events stream without a reload.
//
// Leases (possibly tens of thousands) are patched in place from `lease` and `lease_opener`
// changes of blocks after the one they were read at. Any other change re-reads /console/state
// (a small document). A `retract` (reorg), a `reset`, a gap in the event ids or a reconnected
// stream re-read everything. /status and /console/clock are re-read after changes and every few
// seconds.

import { getJSON } from "./util.js";

const POLL_MS = 3000;

export class Store extends EventTarget {
  constructor() {
    super();
    this.state = null; // /console/state
    this.leases = new Map(); // leaseId -> lease (LeaseOut's keys; price as BigInt)
    this.leasesBlock = -1;
    this.leasesVersion = 0; // bumped whenever a lease changes (caches key on it)
    this.status = null;
    this.clock = null;
    this.escrow = []; // {block, at, free, reserved} (BigInt amounts)
    this.events = 0;
    this.reloads = 0;
    this.live = false;
    this._lastId = null;
    this._queue = null; // events held while a full read is in flight
    this._timers = {};
  }

  // ------------------------------------------------------------------------------ loading

  async start() {
    this._connect();
    // A page left for another keeps no stream open: browsers hold few connections per host
    // and a frozen page (back/forward cache) would keep its stream's.
    window.addEventListener("pagehide", () => this.source.close());
    window.addEventListener("pageshow", (event) => {
      if (!event.persisted) return;
      this._connect();
      this.reload();
    });
    await this.reload();
    setInterval(() => this._refreshStatus(), POLL_MS);
  }

  async reload() {
    this._queue = this._queue || [];
    this.reloads += 1;
    try {
      // The small state is asked for first and drawn as soon as it arrives; the leases (10,000
      // take the server a while, and it answers one request at a time) are asked for after it.
      const first = Promise.all([
        getJSON("/console/state"),
        getJSON("/status"),
        getJSON("/console/clock"),
      ]);
      const rest = Promise.all([getJSON("/console/leases"), getJSON("/console/escrow-history")]);
      const [state, status, clock] = await first;
      Object.assign(this, { state, status, clock });
      this._changed("state");
      const [leases, history] = await rest;
      this.escrow = history.points.map(point);
      this._takeLeases(leases);
    } finally {
      const held = this._queue || [];
      this._queue = null;
      for (const [event, data] of held) this._apply(event, data);
    }
    this._changed("leases");
  }

  _takeLeases(doc) {
    const at = Object.fromEntries(doc.fields.map((name, i) => [name, i]));
    const prices = new Map(); // few distinct prices: parse each once
    const price = (text) => {
      let value = prices.get(text);
      if (value === undefined) prices.set(text, (value = BigInt(text)));
      return value;
    };
    const leases = new Map();
    for (const row of doc.rows) {
      // One object shape for every lease (fast property access in the filters).
      leases.set(row[at.leaseId], {
        leaseId: row[at.leaseId],
        tenantId: row[at.tenantId],
        poolId: row[at.poolId],
        units: row[at.units],
        start: row[at.start],
        end: row[at.end],
        status: row[at.status],
        closeReason: row[at.closeReason],
        pricePerUnitSecond: price(row[at.pricePerUnitSecond]),
        paidUntil: row[at.paidUntil],
        openedBy: row[at.openedBy],
      });
    }
    this.leases = leases;
    this.leasesBlock = doc.block;
    this.leasesVersion += 1;
  }

  async _reloadState() {
    this.state = await getJSON("/console/state");
    this._changed("state");
  }

  async _refreshStatus() {
    try {
      const [status, clock] = await Promise.all([getJSON("/status"), getJSON("/console/clock")]);
      const moved = !this.clock || clock.blockHash !== this.clock.blockHash;
      const changed = JSON.stringify(status) !== JSON.stringify(this.status);
      Object.assign(this, { status, clock });
      if (moved) this._changed("clock");
      else if (changed) this._changed("status");
    } catch (error) {
      this.live = false;
      this._changed("status");
    }
  }

  // ---------------------------------------------------------------------- the event stream

  _connect() {
    const source = new EventSource("/events");
    let opened = false;
    source.addEventListener("open", () => {
      this.live = true;
      if (opened) this.reload(); // events may have been missed while disconnected
      opened = true;
      this._changed("status");
    });
    source.addEventListener("error", () => {
      this.live = false;
      this._changed("status");
    });
    for (const name of ["change", "retract", "final", "reset"]) {
      source.addEventListener(name, (message) => this._receive(name, message));
    }
    this.source = source;
  }

  _receive(name, message) {
    const id = Number(message.lastEventId);
    const gap = this._lastId !== null && id !== this._lastId + 1;
    this._lastId = id;
    this.events += 1;
    let data = {};
    try {
      data = JSON.parse(message.data || "{}");
    } catch {
      data = {};
    }
    if (gap || name === "retract" || name === "reset") {
      this._debounce("reload", () => this.reload(), 50);
      return;
    }
    if (this._queue) this._queue.push([name, data]);
    else this._apply(name, data);
  }

  _apply(name, data) {
    if (name === "final") {
      this._debounce("status", () => this._refreshStatus(), 200);
      return;
    }
    if (name !== "change") return;
    let leases = false;
    let other = false;
    const escrow = [0n, 0n];
    for (const change of data.changes || []) {
      if (change.table === "lease" || change.table === "lease_opener") {
        if (data.block > this.leasesBlock) leases = this._patchLease(change) || leases;
      } else {
        other = true;
      }
      if (change.table === "account") {
        const delta = (key) =>
          BigInt((change.after || {})[key] || 0) - BigInt((change.before || {})[key] || 0);
        escrow[0] += delta("free");
        escrow[1] += delta("reserved");
      }
    }
    if (escrow[0] || escrow[1]) this._escrowPoint(data, escrow);
    if (leases) {
      this.leasesVersion += 1;
      this._changed("leases");
    }
    if (other) this._debounce("state", () => this._reloadState(), 100);
    this._debounce("status", () => this._refreshStatus(), 200);
  }

  _patchLease(change) {
    const id = Number(change.key);
    if (change.table === "lease_opener") {
      const lease = this.leases.get(id);
      if (lease) lease.openedBy = change.after;
      return Boolean(lease);
    }
    if (!change.after) {
      this.leases.delete(id);
      return true;
    }
    const previous = this.leases.get(id);
    const lease = { ...change.after, pricePerUnitSecond: BigInt(change.after.pricePerUnitSecond) };
    lease.openedBy = change.after.openedBy || (previous && previous.openedBy) || null;
    this.leases.set(id, lease);
    return true;
  }

  _escrowPoint(data, [free, reserved]) {
    const last = this.escrow[this.escrow.length - 1];
    if (!last || data.block <= last.block) return; // already in the history read
    this.escrow.push({
      block: data.block,
      at: data.at,
      free: last.free + free,
      reserved: last.reserved + reserved,
    });
  }

  // -------------------------------------------------------------------------------- misc

  _debounce(name, fn, ms) {
    clearTimeout(this._timers[name]);
    this._timers[name] = setTimeout(() => fn().catch?.((e) => console.error(e)), ms);
  }

  _changed(what) {
    this.dispatchEvent(new CustomEvent("changed", { detail: what }));
  }

  // The chain's "now" for derived figures: the timestamp of the block the mirror is at.
  get now() {
    return (this.clock && this.clock.timestamp) || (this.state && this.state.timestamp) || 0;
  }
}

function point(p) {
  return { block: p.block, at: p.at, free: BigInt(p.free), reserved: BigInt(p.reserved) };
}

// What a lease has earned its provider and not yet been settled (LeaseMarket.accrued).
export function accrued(lease, now) {
  if (lease.status !== "Active") return 0n;
  const until = Math.min(now, lease.end);
  if (until <= lease.paidUntil) return 0n;
  return BigInt(lease.units) * lease.pricePerUnitSecond * BigInt(until - lease.paidUntil);
}

// Per tenant: the spend rate of its running leases (per second) and the accruals of its active
// leases that no settlement has paid yet.
export function spending(store) {
  const now = store.now;
  const out = new Map();
  for (const lease of store.leases.values()) {
    if (lease.status !== "Active") continue;
    const entry = out.get(lease.tenantId) || { rate: 0n, unsettled: 0n };
    if (lease.end > now) entry.rate += BigInt(lease.units) * lease.pricePerUnitSecond;
    entry.unsettled += accrued(lease, now);
    out.set(lease.tenantId, entry);
  }
  return out;
}
