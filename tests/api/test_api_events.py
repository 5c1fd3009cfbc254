"""GET /events: a change event for every applied block, a retract event when a reorg undoes one.

Each test reverts the devnet to where it started (an Anvil snapshot) and waits until the mirror
has followed the revert, so the other API tests see the scenario's end state.
"""

from __future__ import annotations

import json
import queue
import threading
import time

import httpx
import pytest

from offchain.chain.devnet import dev_account
from offchain.models import TenantOut, dump


class EventReader:
    """Reads the SSE stream on a thread into a queue of (event, data)."""

    def __init__(self, url: str) -> None:
        self.events: queue.Queue[tuple[str, dict]] = queue.Queue()
        self.ready = threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._run, args=(url,), daemon=True)
        self._thread.start()
        assert self.ready.wait(10), "the event stream did not open"

    def _run(self, url: str) -> None:
        with httpx.Client(timeout=None) as client, client.stream("GET", url) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            event, data = "", ""
            for line in response.iter_lines():
                self.ready.set()
                if self._stop:
                    return
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data = line[6:]
                elif line == "" and event:
                    self.events.put((event, json.loads(data)))
                    event, data = "", ""

    def next(self, kind: str, timeout: float = 15.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event, data = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if event == kind:
                return data
        raise AssertionError(f"no {kind} event within {timeout}s")

    def close(self) -> None:
        self._stop = True


@pytest.fixture
def reader(stack):
    made = EventReader(stack.api_url + "/events")
    yield made
    made.close()


@pytest.fixture
def reverted(node, api, caught_up):
    """Revert the devnet afterwards and wait for the mirror to follow."""
    caught_up()
    tenants = api.get("/tenants").json()["total"]
    snapshot = node("evm_snapshot")
    yield
    node("evm_revert", [snapshot])
    node("evm_mine")
    head = node("eth_getBlockByNumber", ["latest", False])["hash"]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if api.get("/status").json()["blockHash"] == head:
            assert api.get("/tenants").json()["total"] == tenants
            return
        time.sleep(0.05)
    raise AssertionError("the mirror did not follow the revert")


def test_a_new_tenant_arrives_as_a_change_event_with_the_entity(
    stack, chain_client, reader, reverted
):
    result = stack.client(dev_account(9)).registry.register("ipfs://sse", bytes(32))
    change = reader.next("change")
    assert change["block"] == result.block_number
    tenants = [c for c in change["changes"] if c["table"] == "tenant"]
    assert tenants == [
        {
            "table": "tenant",
            "key": result.created,
            "before": None,
            "after": dump(TenantOut.of(chain_client.registry.tenant(result.created))),
        }
    ]


def test_a_reorged_block_arrives_as_a_retract_event(stack, node, reader, reverted):
    snapshot = node("evm_snapshot")
    result = stack.client(dev_account(9)).registry.register("ipfs://doomed", bytes(32))
    assert reader.next("change")["block"] == result.block_number
    node("evm_revert", [snapshot])
    node("evm_mine")
    node("evm_mine")
    retract = reader.next("retract", timeout=20)
    assert retract["block"] == result.block_number
    undone = [c for c in retract["changes"] if c["table"] == "tenant"]
    assert undone[0]["before"]["tenantId"] == result.created
    assert undone[0]["after"] is None


def test_a_client_reconnecting_with_last_event_id_gets_what_it_missed(stack, reverted):
    first = EventReader(stack.api_url + "/events")
    stack.client(dev_account(9)).registry.register("ipfs://one", bytes(32))
    first.next("change")
    first.close()
    stack.client(dev_account(9)).registry.register("ipfs://two", bytes(32))
    time.sleep(1.0)
    with (
        httpx.Client(timeout=10) as client,
        client.stream("GET", stack.api_url + "/events", headers={"Last-Event-ID": "0"}) as response,
    ):
        lines = []
        for line in response.iter_lines():
            lines.append(line)
            if sum(1 for x in lines if x.startswith("event: change")) >= 2:
                break
    assert sum(1 for x in lines if x.startswith("event: change")) >= 2


def test_a_final_event_says_up_to_which_block_the_chain_is_final(node, reader, caught_up):
    caught_up()
    node("anvil_mine", [hex(70)])  # Anvil's 'finalized' block trails its head by 64

    final = reader.next("final", timeout=20)

    finalized = node("eth_getBlockByNumber", ["finalized", False])
    assert 0 < final["block"] <= int(finalized["number"], 16)
    assert final["hash"] == node("eth_getBlockByNumber", [hex(final["block"]), False])["hash"]


def test_claimable_changes_carry_the_amount_as_a_decimal_string(stack, reader, reverted):
    acme = stack.client(dev_account(3))  # the scenario's Acme owner
    acme.market.release_lease(stack.scenario.leases["acme-cpu"])  # accrued: provider A's to claim

    change = reader.next("change")

    [claimable] = [c for c in change["changes"] if c["table"] == "claimable"]
    assert isinstance(claimable["after"], str)
    assert int(claimable["after"]) > int(claimable["before"] or "0")
