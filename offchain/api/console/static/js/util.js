// Small helpers: HTTP, DOM building and formatting. Amounts are decimal strings in the API
// (they exceed 2^53): they are read as BigInt and formatted here.

export async function getJSON(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`${path}: ${response.status} ${body.message || ""}`);
  return body;
}

export async function postJSON(path, payload) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(payload),
  });
  return { status: response.status, body: await response.json().catch(() => ({})) };
}

// h("td", {class: "num", dataset: {id: 3}}, "text", child...): an element.
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function table(headers, rows, attrs = {}) {
  return h(
    "table",
    attrs,
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))),
    h("tbody", {}, rows),
  );
}

export const short = (address) =>
  address && address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address || "";

export const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

// Wei (or the token's smallest unit) as a decimal with up to `digits` decimals of 10^18.
export function amount(value, digits = 6) {
  const wei = BigInt(value);
  const sign = wei < 0n ? "-" : "";
  const abs = wei < 0n ? -wei : wei;
  const whole = abs / 10n ** 18n;
  const fraction = (abs % 10n ** 18n).toString().padStart(18, "0").slice(0, digits);
  const trimmed = fraction.replace(/0+$/, "");
  return `${sign}${grouped(whole)}${trimmed ? "." + trimmed : ""}`;
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  let s = Math.max(0, Math.floor(Number(seconds)));
  if (s === 0) return "0s";
  const parts = [];
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]]) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

export function when(timestamp) {
  if (!timestamp) return "—";
  return new Date(Number(timestamp) * 1000).toISOString().replace("T", " ").slice(0, 19);
}

// 1234567 -> "1,234,567" (Intl is slow for thousands of cells).
function grouped(value) {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

export const count = (n) => grouped(Math.trunc(Number(n)));
