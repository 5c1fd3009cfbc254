// Verify a file against its proof bundle: the file is hashed here, in the browser (the bundle's
// algorithm: sha256 or keccak256; the leaf is that digest in a plain bundle, its salted commitment
// in a hiding one), the proof is replayed here to the root as OpenZeppelin's StandardMerkleTree
// over bytes32 does (leaf keccak256(keccak256(value)), pairs hashed in ascending order), then POST /proofs/verify says whether the mirror (and the
// chain, if asked) has that root anchored, unrevoked.

import { fromHex, keccak256, sha256, toHex } from "./hashes.js";
import { h, postJSON } from "./util.js";

function compare(a, b) {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

// A hiding bundle's leaf: keccak256("leasehold:salted-leaf:v1" ‖ salt ‖ digest), as
// offchain.anchoring.commitment.salted_leaf computes it (docs/privacy.md).
const LEAF_DOMAIN = new TextEncoder().encode("leasehold:salted-leaf:v1");

export function saltedLeaf(salt, digest) {
  const joined = new Uint8Array(LEAF_DOMAIN.length + salt.length + digest.length);
  joined.set(LEAF_DOMAIN, 0);
  joined.set(salt, LEAF_DOMAIN.length);
  joined.set(digest, LEAF_DOMAIN.length + salt.length);
  return keccak256(joined);
}

export function processProof(leafValue, proof) {
  let node = keccak256(keccak256(leafValue));
  for (const siblingHex of proof) {
    const sibling = fromHex(siblingHex);
    const pair = new Uint8Array(64);
    const [first, second] = compare(node, sibling) <= 0 ? [node, sibling] : [sibling, node];
    pair.set(first);
    pair.set(second, 32);
    node = keccak256(pair);
  }
  return node;
}

async function digestOf(bytes, algorithm) {
  if (algorithm === "keccak256") return keccak256(bytes);
  return sha256(bytes);
}

// Sort dropped files into the bundle (JSON with a leaf and a proof) and the file it proves.
async function sort(files) {
  let bundle = null;
  let file = null;
  for (const candidate of files) {
    let parsed = null;
    if (candidate.size < 1_000_000 && /json$/i.test(candidate.name)) {
      try {
        parsed = JSON.parse(await candidate.text());
      } catch {
        parsed = null;
      }
    }
    if (parsed && typeof parsed.leaf === "string" && Array.isArray(parsed.proof)) {
      bundle = { name: candidate.name, data: parsed };
    } else {
      file = candidate;
    }
  }
  return { bundle, file };
}

export async function verifyFiles(files, onchain) {
  const { bundle, file } = await sort(files);
  if (!bundle || !file) {
    return {
      verified: false,
      steps: [],
      message: "drop both the file and its proof bundle (the .bundle.json file)",
    };
  }
  const algorithm = bundle.data.algorithm || "sha256";
  const digest = await digestOf(new Uint8Array(await file.arrayBuffer()), algorithm);
  const steps = [];
  const hiding = bundle.data.kind === "hiding" && typeof bundle.data.salt === "string";
  const leaf = hiding ? saltedLeaf(fromHex(bundle.data.salt), digest) : digest;
  const leafOk = toHex(leaf) === String(bundle.data.leaf).toLowerCase();
  if (hiding) {
    steps.push([`${algorithm} of ${file.name} (in this browser)`, toHex(digest), true]);
    steps.push(["the bundle's salt opens the leaf (computed here)", toHex(leaf), leafOk]);
  } else {
    steps.push([`${algorithm} of ${file.name} (in this browser)`, toHex(digest), leafOk]);
  }
  let rootOk = false;
  try {
    const root = processProof(leaf, bundle.data.proof);
    rootOk = toHex(root) === String(bundle.data.root).toLowerCase();
    steps.push([`the proof leads to (computed here)`, toHex(root), rootOk]);
  } catch (error) {
    steps.push(["the proof", String(error.message || error), false]);
  }
  const query = new URLSearchParams({ digest: toHex(digest), onchain: String(Boolean(onchain)) });
  const answer = await postJSON(`/proofs/verify?${query}`, bundle.data);
  const body = answer.body || {};
  const verified = answer.status === 200 && body.verified === true && leafOk && rootOk;
  steps.push([
    onchain ? "the mirror and the chain (POST /proofs/verify?onchain=true)" : "the mirror (POST /proofs/verify)",
    body.message || `HTTP ${answer.status}`,
    answer.status === 200 && body.verified === true,
  ]);
  return { verified, steps, message: body.message || "", answer: body, file: file.name };
}

export function verifyPanel() {
  const result = h("div", { id: "verify-result", class: "verdict", "data-state": "idle" });
  const onchain = h("input", { type: "checkbox", id: "verify-onchain", checked: true });
  const input = h("input", { type: "file", id: "verify-input", multiple: true });
  const zone = h(
    "div",
    { id: "drop-zone", class: "drop-zone", tabindex: 0 },
    h("p", {}, "Drop a file and its proof bundle here"),
    h("p", { class: "muted" }, "or choose both: ", input),
  );
  async function run(files) {
    result.dataset.state = "working";
    result.replaceChildren(h("p", {}, "hashing and checking…"));
    try {
      const outcome = await verifyFiles(Array.from(files), onchain.checked);
      result.dataset.state = outcome.verified ? "verified" : "failed";
      result.replaceChildren(
        h("p", { class: "headline-verdict" }, outcome.verified ? `✔ ${outcome.file} verified` : "✘ not verified"),
        h("p", {}, outcome.message),
        h(
          "ol",
          {},
          outcome.steps.map(([what, value, ok]) =>
            h("li", { class: ok ? "ok" : "bad" }, `${ok ? "✔" : "✘"} ${what}: `, h("code", {}, value)),
          ),
        ),
      );
    } catch (error) {
      result.dataset.state = "failed";
      result.replaceChildren(h("p", {}, `error: ${error.message || error}`));
    }
  }
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    run(event.dataTransfer.files);
  });
  input.addEventListener("change", () => run(input.files));
  return h(
    "section",
    {},
    h("h2", {}, "Verify a file"),
    h(
      "p",
      { class: "muted" },
      "The file never leaves this browser: only its digest and the bundle are sent to the API.",
    ),
    zone,
    h("label", {}, onchain, " also ask the chain (verifyInclusion)"),
    result,
  );
}
