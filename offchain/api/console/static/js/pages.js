// The console's pages. Each is {mount(root, store, params), update(store)}: mount draws it,
// update redraws what changed when the store moves (filters and focus survive).

import { lineChart, utilizationChart } from "./charts.js";
import { accrued, spending } from "./store.js";
import { verifyPanel } from "./verify.js";
import { amount, count, duration, h, short, table, when, ZERO_ADDRESS } from "./util.js";

const MAX_ROWS = 100; // rows drawn in the leases table (the newest matching)

// A page whose update is a full redraw, when the store's change is one it shows (`deps`:
// "state", "leases", "clock" (a new block), "status" (the mirror's status only)).
function simple(draw, deps = ["state", "leases", "clock"]) {
  let root = null;
  return {
    mount(node, store) {
      root = node;
      root.replaceChildren(draw(store));
    },
    update(store, what) {
      if (root && what.some((x) => deps.includes(x))) root.replaceChildren(draw(store));
    },
  };
}

const pill = (text, cls = text) => h("span", { class: `pill ${String(cls).toLowerCase()}` }, text);
const addr = (a) => h("code", { title: a }, short(a));
const perHour = (perSecond) => `${amount(BigInt(perSecond) * 3600n, 9)} /h`;

// --------------------------------------------------------------------------------- overview

function journal(status) {
  const check = status && status.journal;
  if (!check) {
    return h("section", { id: "journal", "data-journal": "unchecked" }, h("h2", {}, "Journal heads"), h("p", { class: "muted" }, "not checked yet"));
  }
  const rows = Object.entries(check.contracts).map(([name, j]) => {
    const equal = j.mirrorSeq === j.chainSeq && j.mirrorHead === j.chainHead;
    return h(
      "tr",
      { "data-contract": name, "data-equal": String(equal) },
      h("td", {}, name),
      h("td", { class: "num" }, j.mirrorSeq),
      h("td", {}, h("code", { title: j.mirrorHead }, short(j.mirrorHead))),
      h("td", { class: "num" }, j.chainSeq ?? "—"),
      h("td", {}, h("code", { title: j.chainHead || "" }, short(j.chainHead || "—"))),
      h("td", {}, equal ? pill("equal", "ok") : pill("differ", "bad")),
    );
  });
  return h(
    "section",
    { id: "journal", "data-journal": check.ok ? "equal" : "differ" },
    h("h2", {}, "Journal heads"),
    h(
      "p",
      { class: check.ok ? "agree" : "disagree" },
      check.ok
        ? `✔ The mirror's journal heads equal the chain's at block ${check.blockNumber}: it applied exactly the chain's events.`
        : `✘ ${check.description}`,
    ),
    table(["contract", "mirror seq", "mirror head", "chain seq", "chain head", ""], rows),
  );
}

// Counts for the overview, from the store (what /summary answers, without asking again).
export function summary(store) {
  const state = store.state || { tenants: [], anchors: [], providers: [] };
  const tenants = {};
  const escrow = { free: 0n, reserved: 0n, claimable: 0n };
  for (const { tenant, escrow: e } of state.tenants) {
    tenants[tenant.status] = (tenants[tenant.status] || 0) + 1;
    escrow.free += BigInt(e.free);
    escrow.reserved += BigInt(e.reserved);
  }
  for (const p of state.providers) escrow.claimable += BigInt(p.claimable);
  const anchors = { digest: 0, batch: 0, revoked: 0, leaves: 0 };
  for (const { anchor } of state.anchors) {
    anchors[anchor.kind] += 1;
    anchors.leaves += anchor.count;
    if (anchor.revokedAt) anchors.revoked += 1;
  }
  let leases = null;
  if (store.leasesBlock >= 0) {
    leases = { Active: 0 };
    for (const x of store.leases.values()) {
      const key = x.status === "Active" ? "Active" : x.closeReason;
      leases[key] = (leases[key] || 0) + 1;
    }
  }
  return { tenants, escrow, anchors, leases };
}

function overview(store) {
  const st = store.status || {};
  const sm = summary(store);
  const escrow = sm.escrow;
  const card = (label, value, id) => h("div", { class: "card", id }, h("div", { class: "label" }, label), h("div", { class: "value" }, value));
  const cards = h(
    "div",
    { class: "cards" },
    card("chain", st.chainId ?? "—", "ov-chain"),
    card("mirror phase", st.phase ?? "—", "ov-phase"),
    card("mirror block", st.block ?? "—", "ov-block"),
    card("chain head", st.head ?? "—", "ov-head"),
    card("lag (blocks)", st.lag ?? "—", "ov-lag"),
    card("finalized", st.finalized ?? "—", "ov-finalized"),
    card("events applied", count(st.eventsApplied ?? 0), "ov-events"),
    card("reorgs", st.reorgs ?? 0, "ov-reorgs"),
    card("live stream", store.live ? "connected" : "disconnected", "ov-live"),
  );
  const counts = (title, obj, id) =>
    h("div", { class: "counts", id }, h("h3", {}, title), h("ul", {}, Object.entries(obj || {}).map(([k, v]) => h("li", { "data-key": k }, `${k}: `, h("b", {}, count(v))))));
  const pools = (store.state && store.state.pools) || [];
  const history = store.escrow.map((p) => p);
  return h(
    "div",
    {},
    cards,
    journal(st),
    st.audit ? h("p", { class: st.audit.ok ? "agree" : "disagree" }, `Audit at block ${st.audit.blockNumber}: ${st.audit.description}`) : null,
    h(
      "section",
      {},
      h("h2", {}, "Counts"),
      h(
        "div",
        { class: "cards" },
        counts("tenants", sm.tenants, "ov-tenants"),
        sm.leases ? counts("leases", sm.leases, "ov-leases") : h("div", { class: "counts", id: "ov-leases" }, h("h3", {}, "leases"), "loading…"),
        counts("anchors", sm.anchors, "ov-anchors"),
        h("div", { class: "counts", id: "ov-escrow" }, h("h3", {}, "escrow"), h("ul", {}, ["free", "reserved", "claimable"].map((k) => h("li", { "data-key": k, "data-wei": escrow[k].toString() }, `${k}: `, h("b", {}, amount(escrow[k])))))),
      ),
    ),
    h("section", {}, h("h2", {}, "Utilization per pool"), poolChart(pools)),
    h(
      "section",
      { id: "escrow-chart" },
      h("h2", {}, "Escrow over time"),
      lineChart(
        [
          { name: "free", cls: "free", points: history.map((p) => [p.block, toUnits(p.free)]) },
          { name: "reserved", cls: "reserved", points: history.map((p) => [p.block, toUnits(p.reserved)]) },
        ],
        { yLabel: "ETH (10^18 units)" },
      ),
      h("p", { class: "muted" }, `From the changes the server holds (its last 1,024 events) and those since this page opened: ${history.length} points.`),
    ),
  );
}

const toUnits = (wei) => Number(wei) / 1e18;
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function poolChart(pools) {
  return utilizationChart(
    pools.map((p) => ({
      key: p.poolId,
      label: `#${p.poolId} ${p.resourceClass}`,
      value: p.allocated,
      max: p.capacity,
      title: `${p.allocated} of ${p.capacity} units allocated`,
    })),
  );
}

// ---------------------------------------------------------------------------------- tenants

function tenants(store) {
  const now = store.now;
  const spend = spending(store);
  const rows = ((store.state && store.state.tenants) || []).map(({ tenant, escrow, quotas }) => {
    const s = spend.get(tenant.tenantId) || { rate: 0n, unsettled: 0n };
    const left = BigInt(escrow.free) + BigInt(escrow.reserved) - s.unsettled;
    const runway = s.rate > 0n ? Number(left / s.rate) : null;
    return h(
      "tr",
      { "data-tenant": tenant.tenantId },
      h("td", { class: "num" }, tenant.tenantId),
      h("td", { "data-field": "status" }, pill(tenant.status)),
      h("td", { "data-field": "owner" }, addr(tenant.owner)),
      h(
        "td",
        { "data-field": "operators" },
        (tenant.operators || []).length === 0
          ? h("span", { class: "muted" }, "none")
          : h(
              "ul",
              { class: "plain" },
              tenant.operators.map((o) =>
                h(
                  "li",
                  { "data-operator": o.operator, "data-expires": o.expiresAt },
                  addr(o.operator),
                  o.expiresAt > now ? ` until ${when(o.expiresAt)}` : " ",
                  o.expiresAt > now ? null : pill("expired", "bad"),
                  o.allowance === null ? "" : ` · allowance ${amount(o.allowance)}`,
                  o.maxDuration === null ? "" : ` · leases ≤ ${duration(o.maxDuration)}`,
                ),
              ),
            ),
      ),
      h("td", { "data-field": "quotas" }, quotas.length ? h("ul", { class: "plain" }, quotas.map((q) => h("li", { "data-class": q.resourceClass }, `${q.resourceClass}: ${q.active}/${q.quota}`))) : h("span", { class: "muted" }, "none")),
      h("td", { class: "num", "data-field": "free", "data-wei": escrow.free }, amount(escrow.free)),
      h("td", { class: "num", "data-field": "reserved", "data-wei": escrow.reserved }, amount(escrow.reserved)),
      h("td", { class: "num", "data-field": "rate" }, s.rate ? perHour(s.rate) : "—"),
      h("td", { "data-field": "runway", "data-seconds": runway ?? "" }, runway === null ? "—" : duration(runway)),
    );
  });
  return h(
    "section",
    {},
    h("h2", {}, "Tenants"),
    table(["id", "status", "owner", "operators (expiry, limits)", "quotas (active/max)", "escrow free", "reserved", "spend", "runway"], rows, { id: "tenants-table" }),
    h("p", { class: "muted" }, "Runway: how long the escrow not yet earned by providers (free + reserved − unsettled accruals) lasts at the spend rate of the tenant's running leases. Times are the chain's (the mirror's block)."),
  );
}

// ------------------------------------------------------------------------------------ pools

function pools(store) {
  const state = store.state || { pools: [], providers: [] };
  const rows = state.pools.map((p) => {
    const share = p.capacity ? p.allocated / p.capacity : 0;
    return h(
      "tr",
      { "data-pool": p.poolId },
      h("td", { class: "num" }, p.poolId),
      h("td", {}, p.resourceClass),
      h("td", {}, addr(p.provider)),
      h("td", {}, pill(p.status)),
      h(
        "td",
        { "data-field": "utilization", "data-allocated": p.allocated, "data-capacity": p.capacity },
        h("div", { class: "bar" }, h("div", { class: share >= 0.9 ? "fill hot" : "fill", style: `width:${Math.round(share * 100)}%` })),
        `${p.allocated}/${p.capacity}`,
      ),
      h("td", { class: "num", "data-field": "price", "data-wei": p.pricePerUnitSecond }, perHour(p.pricePerUnitSecond)),
      h("td", {}, `${duration(p.minDuration)} – ${duration(p.maxDuration)}`),
    );
  });
  const providers = state.providers.map((p) =>
    h(
      "tr",
      { "data-provider": p.provider },
      h("td", {}, addr(p.provider)),
      h("td", {}, p.pools.join(", ")),
      h("td", { class: "num", "data-wei": p.claimable }, amount(p.claimable)),
      h("td", {}, p.payoutAddress === p.provider ? "itself" : addr(p.payoutAddress)),
      h("td", {}, p.pendingHandover === ZERO_ADDRESS ? "—" : addr(p.pendingHandover)),
    ),
  );
  return h(
    "div",
    {},
    h("section", {}, h("h2", {}, "Pools"), poolChart(state.pools), table(["id", "class", "provider", "status", "allocated", "price per unit-hour", "lease length"], rows, { id: "pools-table" })),
    h("section", {}, h("h2", {}, "Providers"), table(["provider", "pools", "claimable", "payout to", "handover to"], providers, { id: "providers-table" })),
  );
}

// ----------------------------------------------------------------------------------- leases

const REASONS = ["Expired", "ReleasedByTenant", "TerminatedByProvider", "TerminatedByAdmin", "TenantClosed"];

// Leases newest first, sorted once per version of the store's leases.
let sorted = { version: -1, list: [] };

export function filterLeases(store, f) {
  if (sorted.version !== store.leasesVersion) {
    // Ids grow with each new lease, so the map's order is usually already ascending.
    const list = Array.from(store.leases.values()).reverse();
    if (list.some((x, i) => i > 0 && x.leaseId > list[i - 1].leaseId)) {
      list.sort((a, b) => b.leaseId - a.leaseId);
    }
    sorted = { version: store.leasesVersion, list };
  }
  const tenant = f.tenant ? Number(f.tenant) : null;
  const pool = f.pool ? Number(f.pool) : null;
  return sorted.list.filter(
    (x) =>
      (tenant === null || x.tenantId === tenant) &&
      (pool === null || x.poolId === pool) &&
      (!f.status || x.status === f.status) &&
      (!f.reason || x.closeReason === f.reason),
  );
}

function accruedCell(wei) {
  return h("td", { class: "num", "data-field": "accrued", "data-wei": wei.toString() }, amount(wei, 9));
}

function leasesPage() {
  let root = null;
  let body = null;
  let note = null;
  let filters = {};
  const select = (name, label, options) =>
    h(
      "label",
      {},
      `${label} `,
      h(
        "select",
        { id: `filter-${name}`, "data-filter": name, onchange: (e) => apply(name, e.target.value) },
        h("option", { value: "" }, "all"),
        options.map(([value, text]) => h("option", { value, selected: String(filters[name] || "") === String(value) }, text)),
      ),
    );
  let store = null;
  function apply(name, value) {
    filters = { ...filters, [name]: value };
    const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
    history.replaceState(null, "", `#/leases${query.size ? "?" + query : ""}`);
    const started = performance.now();
    draw();
    window.leaseholdConsole.metrics.lastFilterMs = performance.now() - started;
  }
  function draw() {
    const now = store.now;
    const chosen = filterLeases(store, filters);
    const rows = chosen.slice(0, MAX_ROWS).map((x) =>
      h(
        "tr",
        { "data-lease": x.leaseId },
        h("td", { class: "num" }, x.leaseId),
        h("td", { class: "num" }, x.tenantId),
        h("td", { class: "num" }, x.poolId),
        h("td", { class: "num" }, x.units),
        h("td", { "data-field": "status" }, pill(x.status)),
        h("td", { "data-field": "reason" }, x.closeReason === "None" ? "" : x.closeReason),
        h("td", {}, when(x.start)),
        h("td", { "data-field": "end" }, when(x.end)),
        h("td", { "data-field": "left" }, x.status === "Active" ? duration(x.end - now) : "—"),
        accruedCell(accrued(x, now)),
        h("td", {}, x.openedBy ? addr(x.openedBy) : ""),
      ),
    );
    body.replaceChildren(...rows);
    note.textContent = `${count(chosen.length)} matching of ${count(store.leases.size)} leases${chosen.length > MAX_ROWS ? `, newest ${MAX_ROWS} shown` : ""}; times as of block ${store.clock ? store.clock.block : "?"} (${when(now)}).`;
    note.dataset.matching = chosen.length;
  }
  return {
    mount(node, s, params) {
      root = node;
      store = s;
      filters = Object.fromEntries(["tenant", "pool", "status", "reason"].map((k) => [k, params.get(k) || ""]));
      const state = s.state || { tenants: [], pools: [] };
      body = h("tbody");
      note = h("p", { id: "leases-note", class: "muted" });
      root.replaceChildren(
        h(
          "section",
          {},
          h("h2", {}, "Leases"),
          h(
            "div",
            { class: "filters" },
            select("tenant", "tenant", state.tenants.map(({ tenant }) => [tenant.tenantId, `#${tenant.tenantId}`])),
            select("pool", "pool", state.pools.map((p) => [p.poolId, `#${p.poolId} ${p.resourceClass}`])),
            select("status", "status", [["Active", "Active"], ["Closed", "Closed"]]),
            select("reason", "close reason", REASONS.map((r) => [r, r])),
          ),
          note,
          h(
            "table",
            { id: "leases-table" },
            h("thead", {}, h("tr", {}, ["id", "tenant", "pool", "units", "status", "close reason", "start", "end", "time left", "accrued", "opened by"].map((x) => h("th", {}, x)))),
            body,
          ),
        ),
      );
      draw();
    },
    update(s, what) {
      store = s;
      if (body && (what.includes("leases") || what.includes("clock"))) draw();
    },
  };
}

// ---------------------------------------------------------------------------------- anchors

function anchors(store) {
  const list = (store.state && store.state.anchors) || [];
  const rows = list.map(({ anchor: a, uri }) =>
    h(
      "tr",
      { "data-digest": a.digest, "data-revoked": String(a.revokedAt > 0) },
      h("td", {}, h("code", { title: a.digest }, short(a.digest))),
      h("td", {}, a.kind),
      h("td", { class: "num" }, a.tenantId),
      h("td", {}, when(a.timestamp)),
      h("td", { class: "num" }, a.blockNumber),
      h("td", { class: "num" }, a.count || ""),
      h("td", { "data-field": "revoked" }, a.revokedAt ? h("span", {}, pill("revoked", "bad"), ` ${when(a.revokedAt)} (reason ${a.revokeReason})`) : ""),
      h("td", {}, uri),
    ),
  );
  const batches = list.filter((x) => x.anchor.kind === "batch").length;
  const revoked = list.filter((x) => x.anchor.revokedAt).length;
  return h(
    "section",
    {},
    h("h2", {}, "Anchors and batches"),
    h("p", { class: "muted" }, `${plural(list.length, "anchor")}: ${plural(batches, "batch", "batches")}, ${plural(list.length - batches, "digest")}, ${revoked} revoked.`),
    table(["digest or root", "kind", "tenant", "anchored", "block", "leaves", "revoked", "batch URI"], rows, { id: "anchors-table" }),
  );
}

function verify() {
  let mounted = false;
  return {
    mount(node) {
      node.replaceChildren(verifyPanel());
      mounted = true;
    },
    update() {
      return mounted; // the verdict stays until the next drop
    },
  };
}

export const PAGES = {
  overview: () => simple(overview, ["state", "leases", "clock", "status"]),
  tenants: () => simple(tenants),
  pools: () => simple(pools, ["state"]),
  leases: leasesPage,
  anchors: () => simple(anchors, ["state"]),
  verify,
};
