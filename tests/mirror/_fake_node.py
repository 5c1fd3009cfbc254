"""An in-memory chain with reorgs and finality, served over JSON-RPC (HTTP) with injectable faults.

Enough of a node for the follower and the mirror: blocks (number, hash, parent hash, timestamp),
``eth_getLogs`` by range or block hash with an address filter and an optional range limit,
``finalized``/``safe`` tags (or none), ``eth_chainId``, ``eth_getCode``, ``eth_blockNumber``.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from offchain.chain.decode import Decoder, keccak256


class NodeError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Block:
    number: int
    hash: str
    parent_hash: str
    timestamp: int
    logs: list[dict[str, Any]] = field(default_factory=list)

    def header(self) -> dict[str, Any]:
        return {
            "number": hex(self.number),
            "hash": self.hash,
            "parentHash": self.parent_hash,
            "timestamp": hex(self.timestamp),
        }


class FakeChain:
    """A chain of blocks; ``finality`` is "tags" (finalized + safe), "safe" or "none"."""

    def __init__(
        self, chain_id: int = 31337, finality: str = "tags", depth: int = 8, max_range: int = 0
    ) -> None:
        self.chain_id = chain_id
        self.finality = finality
        self.depth = depth  # how far below the head "finalized" lies
        self.max_range = max_range  # eth_getLogs refuses wider ranges (0: no limit)
        self.max_logs = 0  # eth_getLogs refuses answers with more logs (0: no limit)
        self.code: dict[str, str] = {}
        self.salt = 0
        self.lock = threading.RLock()
        self.calls: list[str] = []
        genesis = Block(0, self._hash(0, "0x" + "00" * 32), "0x" + "00" * 32, 1_700_000_000)
        self.blocks: list[Block] = [genesis]

    def _hash(self, number: int, parent: str) -> str:
        return "0x" + keccak256(f"{parent}:{number}:{self.salt}".encode()).hex()

    @property
    def head(self) -> Block:
        return self.blocks[-1]

    def mine(self, logs: list[dict[str, Any]] | None = None) -> Block:
        with self.lock:
            parent = self.head
            number = parent.number + 1
            block = Block(
                number, self._hash(number, parent.hash), parent.hash, parent.timestamp + 12
            )
            for index, entry in enumerate(logs or []):
                block.logs.append(
                    {
                        **entry,
                        "blockNumber": hex(number),
                        "blockHash": block.hash,
                        "logIndex": hex(index),
                        "transactionHash": "0x" + keccak256(f"{block.hash}{index}".encode()).hex(),
                        "removed": False,
                    }
                )
            self.blocks.append(block)
            return block

    def rewind(self, number: int) -> None:
        """Drop every block above ``number`` (evm_revert)."""
        with self.lock:
            del self.blocks[number + 1 :]
            self.salt += 1  # blocks mined from now on differ from the dropped ones

    def reorg(self, depth: int, replacement: list[list[dict[str, Any]]]) -> None:
        """Replace the last ``depth`` blocks with ``replacement`` (anvil_reorg)."""
        with self.lock:
            self.rewind(self.head.number - depth)
            for logs in replacement:
                self.mine(logs)

    # ---------------------------------------------------------------------------------- rpc

    def _block(self, tag: Any) -> Block | None:
        head = self.head.number
        if tag == "latest":
            number = head
        elif tag in ("finalized", "safe"):
            if self.finality == "none" or (tag == "finalized" and self.finality == "safe"):
                raise NodeError(-32601, f"tag {tag} not supported")
            number = max(0, head - (self.depth if tag == "finalized" else self.depth // 2))
        elif tag == "earliest":
            number = 0
        else:
            number = int(tag, 16)
        return self.blocks[number] if number <= head else None

    def handle(self, method: str, params: list[Any]) -> Any:
        with self.lock:
            self.calls.append(method)
            if method == "eth_chainId":
                return hex(self.chain_id)
            if method == "eth_blockNumber":
                return hex(self.head.number)
            if method == "eth_getBlockByNumber":
                block = self._block(params[0])
                return block.header() if block is not None else None
            if method == "eth_getCode":
                return self.code.get(params[0].lower(), "0x")
            if method == "eth_getLogs":
                return self._logs(params[0])
            raise NodeError(-32601, f"method {method} not found")

    def _logs(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        addresses = query.get("address") or []
        wanted = {a.lower() for a in ([addresses] if isinstance(addresses, str) else addresses)}
        if "blockHash" in query:
            found = [b for b in self.blocks if b.hash == query["blockHash"]]
            if not found:
                raise NodeError(-32000, "unknown block")
            blocks = found
        else:
            start, end = int(query["fromBlock"], 16), int(query["toBlock"], 16)
            if self.max_range and end - start + 1 > self.max_range:
                raise NodeError(-32005, f"block range too large: max {self.max_range}")
            blocks = self.blocks[start : end + 1]
        logs = [e for b in blocks for e in b.logs if not wanted or e["address"].lower() in wanted]
        if self.max_logs and len(logs) > self.max_logs:
            raise NodeError(-32005, f"query returned more than {self.max_logs} results")
        return logs


class FakeNode:
    """Serves a FakeChain over HTTP. ``faults`` holds what the next requests suffer:
    "drop", "429", "500", "truncate", "garbage", ("delay", seconds)."""

    def __init__(self, chain: FakeChain) -> None:
        self.chain = chain
        self.faults: deque[Any] = deque()
        self.down = False  # refuse every request with a dropped connection
        self.requests = 0
        node = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                node.requests += 1
                fault = node.faults.popleft() if node.faults else None
                if node.down or fault == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                if isinstance(fault, tuple) and fault[0] == "delay":
                    time.sleep(fault[1])
                if fault in ("429", "500"):
                    self._send(int(fault), b'{"error": "busy"}')
                    return
                payload = json.loads(body)
                answer = (
                    [node._answer(item) for item in payload]
                    if isinstance(payload, list)
                    else node._answer(payload)
                )
                data = json.dumps(answer).encode()
                if fault == "truncate":
                    data = data[: len(data) // 2]
                elif fault == "garbage":
                    data = b"<html>bad gateway</html>"
                self._send(200, data)

            def _send(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def _answer(self, request: dict[str, Any]) -> dict[str, Any]:
        try:
            result = self.chain.handle(request["method"], request.get("params", []))
        except NodeError as exc:
            return {
                "jsonrpc": "2.0",
                "id": request["id"],
                "error": {"code": exc.code, "message": exc.message},
            }
        return {"jsonrpc": "2.0", "id": request["id"], "result": result}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def serve(chain: FakeChain) -> Iterator[FakeNode]:
    node = FakeNode(chain)
    try:
        yield node
    finally:
        node.close()


class Writer:
    """Mines blocks of Anchored logs of DataAnchor at ``address``, with the seqs it would give."""

    def __init__(self, chain: FakeChain, address: str) -> None:
        self.chain = chain
        self.address = address
        self.topic0 = Decoder({"DataAnchor": address}).spec("DataAnchor", "Anchored").topic0
        self.seq_after = {0: 0}  # block number -> DataAnchor seq after it
        self.salt = 0

    def block(self, anchors: int = 2) -> Block:
        seq = self.seq_after[self.chain.head.number]
        logs = []
        for _ in range(anchors):
            seq += 1
            self.salt += 1
            digest = self.salt.to_bytes(32, "big")
            data = (1_700_000_000).to_bytes(32, "big") + seq.to_bytes(32, "big")
            logs.append(
                {
                    "address": self.address,
                    "topics": [
                        "0x" + self.topic0.hex(),
                        "0x" + digest.hex(),
                        "0x" + (1).to_bytes(32, "big").hex(),
                    ],
                    "data": "0x" + data.hex(),
                }
            )
        block = self.chain.mine(logs)
        self.seq_after[block.number] = seq
        return block

    def blocks(self, n: int, anchors: int = 2) -> None:
        for _ in range(n):
            self.block(anchors)

    def reorg(self, depth: int, anchors: int = 1) -> None:
        self.chain.rewind(self.chain.head.number - depth)
        self.blocks(depth, anchors)
