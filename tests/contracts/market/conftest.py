"""Lease market fixtures. The lease suite runs once per payment asset: native ETH and an ERC-20.

``asset_kind`` is a session fixture parametrized over ``["eth", "erc20"]``; ``market`` and every
fixture that moves money depend on it, so each test that uses them runs for both assets. The
helpers ``deposit``, ``balance_of`` and ``fees`` hide the difference between the assets.

Deployments are session fixtures; state that tests build on (``pool_id``, ``funded_tenant``,
``lease_id``, ``second_provider``) is function-scoped: ape's isolation of a session fixture first
created inside a test is unreliable (its transactions may leak into later tests or be rolled back
under its cached value).

Assertion and time helpers (``reverts``, ``events``, ``expect``, ``journal``, ``warp``,
``block_time``...) come from ``tests/contracts/conftest.py``.
"""

from __future__ import annotations

from ast import literal_eval
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ape
import pytest
from _market import (
    ANY_PRICE,
    CAPACITY,
    ESCROW,
    GPU,
    HOUR,
    MAX_DURATION,
    MIN_DURATION,
    PRICE,
    PROVIDER_ROLE,
    QUOTA,
    UNITS,
    ZERO_ADDRESS,
)
from ape import compilers
from ape.contracts import ContractContainer
from eth_abi import decode
from eth_hash.auto import keccak
from eth_utils import to_checksum_address

MOCKS_DIR = Path(__file__).resolve().parents[3] / "contracts" / "test"


@pytest.fixture(scope="session", autouse=True)
def _revert_data_with_quotes_is_decoded() -> Iterator[None]:
    """Work around ape's eth-tester provider losing custom errors whose data holds a 0x27 byte.

    eth-tester reports revert data as ``repr(bytes)``; ape turns ``b'...'`` back into hex but not
    ``b"..."``, which is what ``repr`` prints when the bytes contain a single quote, so such errors
    (e.g. one carrying the amount 0x0DE0B02745F2C001) come back undecoded. This rewrites them in the
    ``b'...'`` form before ape sees them.
    """
    from ape_test.provider import LocalProvider
    from eth_tester.exceptions import TransactionFailed

    original = LocalProvider.get_virtual_machine_error
    prefix = "execution reverted: "

    def decoded(self: Any, exception: Exception, **kwargs: Any) -> Any:
        text = str(exception)
        if isinstance(exception, TransactionFailed) and text.startswith(prefix + 'b"'):
            data = literal_eval(text.removeprefix(prefix))
            hexed = "".join(f"\\x{byte:02x}" for byte in data)
            exception = TransactionFailed(f"{prefix}b'{hexed}'")
        return original(self, exception, **kwargs)

    LocalProvider.get_virtual_machine_error = decoded  # type: ignore[method-assign]
    yield
    LocalProvider.get_virtual_machine_error = original  # type: ignore[method-assign]


@contextmanager
def _reverts_via(contract: Any, error: Any, **inputs: Any) -> Iterator[None]:
    with ape.reverts() as info:
        yield
    data = bytes.fromhex(str(info.value.revert_message).removeprefix("0x"))
    abi = next(e for e in contract.contract_type.errors if e.name == error.__name__)
    selector = keccak(abi.selector.encode())[:4]  # ethpm_types' selector is the signature text
    assert data[:4] == selector, f"expected {abi.name}, got revert data 0x{data.hex()}"
    names = [i.name for i in abi.inputs]
    values = decode([i.canonical_type for i in abi.inputs], data[4:])
    assert set(inputs) == set(names), (
        f"{abi.name} has inputs {names}; the test named {sorted(inputs)}"
    )
    expected = {k: getattr(v, "address", v) for k, v in inputs.items()}
    actual = {
        n: (to_checksum_address(v) if isinstance(v, str) else v)
        for n, v in zip(names, values, strict=True)
    }
    assert actual == expected


@pytest.fixture(scope="session")
def reverts_via() -> Callable[..., Any]:
    """``with reverts_via(contract, contract.Error, arg=value)``: a revert that reached the test
    through another contract (ape decodes errors by the called contract's ABI only)."""
    return _reverts_via


@pytest.fixture(scope="session", params=["eth", "erc20"])
def asset_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def mocks(project) -> dict[str, ContractContainer]:
    """The test-only contracts of ``contracts/test/``, compiled by path.

    ape lists at most 500 files under ``contracts/`` and the dependency cache in
    ``contracts/.cache`` holds more, so ``project.<Mock>`` can miss them; compiling them by path
    does not depend on that listing.
    """
    paths = sorted(MOCKS_DIR.glob("*.sol"))
    return {ct.name: ContractContainer(ct) for ct in compilers.compile(paths, project=project)}


@pytest.fixture(scope="session")
def token(mocks, admin, asset_kind):
    """The ERC-20 of the erc20 runs, None for ETH."""
    return mocks["MockERC20"].deploy(sender=admin) if asset_kind == "erc20" else None


@pytest.fixture(scope="session")
def market(project, registry, token, admin):
    return project.LeaseMarket.deploy(registry, token or ZERO_ADDRESS, sender=admin)


@pytest.fixture(scope="session")
def balance_of(token) -> Callable[[Any], int]:
    """An account's balance in the payment asset."""

    def balance(account: Any) -> int:
        address = getattr(account, "address", account)
        if token is None:
            return int(ape.chain.provider.get_balance(address))
        return int(token.balanceOf(address))

    return balance


@pytest.fixture(scope="session")
def fees(token) -> Callable[[Any], int]:
    """What a transaction cost its sender in the payment asset (its gas fees on ETH, else 0)."""
    return lambda receipt: int(receipt.total_fees_paid) if token is None else 0


@pytest.fixture(scope="session")
def fund(token, market) -> Callable[[Any, int], None]:
    """Mint `amount` tokens to an account and approve the market (nothing to do for ETH)."""

    def give(account: Any, amount: int) -> None:
        if token is not None:
            token.mint(account, amount, sender=account)
            token.approve(market, amount, sender=account)

    return give


@pytest.fixture(scope="session")
def deposit(market, token, fund) -> Callable[..., Any]:
    """Deposit `amount` for `tenant` from `sender`, funding the sender first on ERC-20 runs."""

    def do(tenant: int, amount: int, sender: Any) -> Any:
        fund(sender, amount)
        return market.deposit(tenant, amount, sender=sender, value=amount if token is None else 0)

    return do


@pytest.fixture
def second_provider(accounts, registry, admin) -> Any:
    """Another account with PROVIDER_ROLE."""
    account = accounts[7]
    registry.grantRole(PROVIDER_ROLE, account, sender=admin)
    return account


@pytest.fixture(scope="session")
def create_pool(market, provider) -> Callable[..., int]:
    """Create a pool (standard terms unless overridden); return its id."""

    def go(
        sender: Any = provider,
        resource_class: bytes = GPU,
        capacity: int = CAPACITY,
        price: int = PRICE,
        min_duration: int = MIN_DURATION,
        max_duration: int = MAX_DURATION,
    ) -> int:
        receipt = market.createPool(
            resource_class, capacity, price, min_duration, max_duration, sender=sender
        )
        return int(receipt.events.filter(market.PoolCreated)[0].poolId)

    return go


@pytest.fixture
def pool_id(create_pool) -> int:
    """An Open GPU pool of the standard terms, run by `provider`."""
    return create_pool()


@pytest.fixture
def funded_tenant(registry, market, admin, tenant_owner, tenant_id, deposit) -> int:
    """`tenant_id` with a GPU quota of QUOTA units and ESCROW of free escrow."""
    registry.setQuota(tenant_id, GPU, QUOTA, sender=admin)
    deposit(tenant_id, ESCROW, tenant_owner)
    return int(tenant_id)


@pytest.fixture(scope="session")
def open_lease(market) -> Callable[..., int]:
    """Open a lease; return its id (read from the event)."""

    def do(tenant: int, pool: int, units: int, duration: int, sender: Any) -> int:
        receipt = market.openLease(tenant, pool, units, duration, ANY_PRICE, sender=sender)
        return int(receipt.events.filter(market.LeaseOpened)[0].leaseId)

    return do


@pytest.fixture
def lease_id(funded_tenant, pool_id, tenant_owner, open_lease) -> int:
    """A running lease of UNITS units for an hour in the standard pool."""
    return open_lease(funded_tenant, pool_id, UNITS, HOUR, tenant_owner)


@pytest.fixture(scope="session")
def seq(market) -> Callable[[], int]:
    """The market's journal sequence number now (the last event's seq)."""
    return lambda: int(market.journal()[0])


@pytest.fixture(scope="session")
def held(market, balance_of) -> Callable[[], int]:
    """What the market holds of the asset."""
    return lambda: balance_of(market)


@pytest.fixture(scope="session")
def books(market) -> Callable[..., int]:
    """Free + reserved escrow of the given tenants plus claimable of the given providers."""

    def total(tenants: list[int], providers: list[Any]) -> int:
        escrow = sum(sum(market.account(t)) for t in tenants)
        return escrow + sum(int(market.claimable(p)) for p in providers)

    return total
