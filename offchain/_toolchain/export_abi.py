"""Export the ABIs of the deployed contracts from ape's build output into ``offchain/chain/abi/``.

Run after ``ape compile`` (``make abi`` does both). Writes ``offchain/chain/abi/<Contract>.json``,
sorted and indented so diffs stay readable."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from offchain.chain.abi import EXPORTED

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / ".build" / "__local__.json"
OUT = ROOT / "offchain" / "chain" / "abi"


def compiled_abis(build: Path = BUILD) -> dict[str, list[dict[str, Any]]]:
    """ABIs of :data:`offchain.chain.abi.EXPORTED` from ape's local manifest."""
    if not build.is_file():
        raise SystemExit(f"error: {build} is missing: run 'ape compile' first")
    types = json.loads(build.read_text()).get("contractTypes", {})
    missing = [name for name in EXPORTED if name not in types]
    if missing:
        raise SystemExit(f"error: not compiled: {', '.join(missing)}: run 'ape compile'")
    return {name: types[name]["abi"] for name in EXPORTED}


def render(abi: list[dict[str, Any]]) -> str:
    """The file text for one ABI."""
    return json.dumps(abi, indent=1, sort_keys=True) + "\n"


def main() -> int:
    """Write every ABI file; print what changed."""
    OUT.mkdir(exist_ok=True)
    for name, abi in compiled_abis().items():
        path = OUT / f"{name}.json"
        text = render(abi)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
