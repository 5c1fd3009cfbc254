"""Raw JSON-RPC: batches, range errors, retries with backoff, failover, a clear all-down status."""

from __future__ import annotations

import pytest
from _fake_node import FakeChain, FakeNode, serve

from offchain.chain.rpc import RpcClient, classify_error
from offchain.exceptions import RangeTooLargeError, RpcError, RpcUnavailableError


@pytest.fixture
def node():
    chain = FakeChain(chain_id=7)
    with serve(chain) as served:
        yield served


def client(*urls: str, attempts: int = 6) -> RpcClient:
    return RpcClient(list(urls), attempts=attempts, backoff=0.001, max_backoff=0.01, timeout=2)


def test_call_returns_the_result(node):
    assert client(node.url).call("eth_chainId") == "0x7"


def test_batch_returns_results_in_order_with_errors_in_place(node):
    results = client(node.url).batch(
        [("eth_chainId", []), ("eth_nope", []), ("eth_blockNumber", [])]
    )
    assert (results[0], results[2]) == ("0x7", "0x0")
    assert isinstance(results[1], RpcError)
    assert results[1].code == -32601


def test_batches_longer_than_the_limit_are_split(node):
    rpc = RpcClient(node.url, max_batch=2)
    assert rpc.batch([("eth_chainId", [])] * 5) == ["0x7"] * 5
    assert node.requests == 3


def test_node_error_is_raised_at_once_without_retry(node):
    with pytest.raises(RpcError, match="eth_nope failed"):
        client(node.url).call("eth_nope")
    assert node.requests == 1


def test_refused_log_range_raises_range_too_large(node):
    node.chain.max_range = 1
    with pytest.raises(RangeTooLargeError):
        client(node.url).call("eth_getLogs", [{"fromBlock": "0x0", "toBlock": "0x5"}])


@pytest.mark.parametrize(
    "message",
    [
        "query returned more than 10000 results",
        "block range too large",
        "exceed maximum block range: 5000",
        "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range",
        "eth_getLogs is limited to a 10,000 range",
    ],
)
def test_providers_range_messages_are_recognized(message):
    error = classify_error("eth_getLogs", {"code": -32005, "message": message}, "http://x")
    assert isinstance(error, RangeTooLargeError)


def test_the_same_message_for_another_method_is_a_plain_error():
    error = classify_error("eth_call", {"code": -32005, "message": "limit exceeded"}, "http://x")
    assert type(error) is RpcError


@pytest.mark.parametrize("fault", ["drop", "429", "500", "truncate", "garbage", ("delay", 0.05)])
def test_transport_fault_is_retried_until_the_node_answers(node, fault):
    node.faults.extend([fault, fault])
    assert client(node.url).call("eth_chainId") == "0x7"
    assert node.requests >= 3 if fault != ("delay", 0.05) else node.requests >= 1


def test_retried_faults_are_counted_in_the_endpoint_status(node):
    node.faults.extend(["500", "500"])
    rpc = client(node.url)
    rpc.call("eth_chainId")
    status = rpc.status().endpoints[0]
    assert (status.failures, status.consecutive_failures, status.ok) == (2, 0, True)


def test_a_down_endpoint_fails_over_to_the_next():
    chain = FakeChain(chain_id=9)
    with serve(chain) as first, serve(chain) as second:
        first.down = True
        rpc = client(first.url, second.url)
        assert rpc.call("eth_chainId") == "0x9"
        assert rpc.urls == [first.url, second.url]
        assert rpc.status().endpoints[0].ok is False
        rpc.call("eth_chainId")
        assert second.requests == 2  # the failed endpoint is no longer tried first


def test_every_endpoint_down_raises_rpc_unavailable_naming_each(node):
    node.down = True
    other = FakeNode(FakeChain())
    other.down = True
    try:
        rpc = client(node.url, other.url, attempts=4)
        with pytest.raises(RpcUnavailableError, match="no RPC endpoint answered") as raised:
            rpc.call("eth_chainId")
        assert set(raised.value.errors) == {node.url, other.url}
        status = rpc.status()
        assert status.all_down
        assert "DOWN" in status.describe()
    finally:
        other.close()


def test_status_is_up_again_after_an_answer(node):
    node.down = True
    rpc = client(node.url, attempts=2)
    with pytest.raises(RpcUnavailableError):
        rpc.call("eth_chainId")
    node.down = False
    rpc.call("eth_chainId")
    assert not rpc.status().all_down


def test_status_callback_hears_down_and_up(node):
    seen: list[bool] = []
    node.down = True
    rpc = client(node.url, attempts=2)
    rpc.on_status_change = lambda status: seen.append(status.all_down)
    with pytest.raises(RpcUnavailableError):
        rpc.call("eth_chainId")
    node.down = False
    rpc.call("eth_chainId")
    assert seen == [True, False]


@pytest.mark.parametrize("url", ["ws://127.0.0.1:1", "127.0.0.1:8545", "http://"])
def test_malformed_url_is_refused(url):
    with pytest.raises(ValueError, match="expected http"):
        RpcClient(url)
