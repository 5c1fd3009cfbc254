// The console's entry: a hash router over the pages, the headline, and the store's start.
// window.leaseholdConsole exposes the store and timing marks (for the tests and the bench).

import { PAGES } from "./pages.js";
import { Store } from "./store.js";

const store = new Store();
const metrics = { firstPaintMs: null, leasesPaintMs: null, lastFilterMs: null, renders: 0 };
window.leaseholdConsole = { store, metrics };

const root = document.getElementById("page");
const headline = document.getElementById("headline");
let current = { name: null, page: null };

function route() {
  const [path, query] = (location.hash.replace(/^#\/?/, "") || "overview").split("?");
  const name = PAGES[path] ? path : "overview";
  return { name, params: new URLSearchParams(query || "") };
}

function show() {
  const { name, params } = route();
  for (const link of document.querySelectorAll("nav a[data-page]")) {
    link.classList.toggle("current", link.dataset.page === name);
  }
  if (!store.state) return; // drawn when the first read arrives
  current = { name, page: PAGES[name]() };
  current.page.mount(root, store, params);
  document.body.dataset.page = name;
  mark();
}

function drawHeadline() {
  const st = store.status;
  if (!st) return;
  const agree = st.journal ? (st.journal.ok ? "journal heads equal" : "journal heads DIFFER") : "journal not checked yet";
  headline.replaceChildren(
    `chain ${st.chainId} · block ${st.block} · ${st.phase} · lag ${st.lag} · ${agree} · `,
    Object.assign(document.createElement("span"), {
      className: store.live ? "live on" : "live off",
      textContent: store.live ? "live" : "offline",
    }),
  );
  headline.dataset.block = st.block;
  headline.dataset.journal = st.journal ? String(st.journal.ok) : "";
}

function mark() {
  metrics.renders += 1;
  document.body.dataset.renders = metrics.renders;
  const now = performance.now();
  if (metrics.firstPaintMs === null && store.state) {
    metrics.firstPaintMs = now;
    performance.mark("console:first-paint");
  }
  if (metrics.leasesPaintMs === null && store.leasesBlock >= 0) {
    metrics.leasesPaintMs = now;
    performance.mark("console:leases-painted");
  }
  document.body.dataset.block = store.clock ? store.clock.block : "";
  document.body.dataset.leasesBlock = store.leasesBlock;
}

let pending = new Set();
store.addEventListener("changed", (event) => {
  drawHeadline();
  const first = pending.size === 0;
  pending.add(event.detail);
  if (!first) return;
  requestAnimationFrame(() => {
    const what = [...pending];
    pending = new Set();
    if (!store.state) return;
    if (!current.page || current.name !== route().name) show();
    else {
      current.page.update(store, what);
      mark();
    }
  });
});

window.addEventListener("hashchange", () => {
  if (route().name !== current.name) show();
});

show();
store.start().catch((error) => {
  root.replaceChildren(`Could not read the mirror: ${error.message || error}`);
});
