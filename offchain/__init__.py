"""Leasehold off-chain tooling: mirror, Merkle proofs, web3.py client, CLI and HTTP API."""

__version__ = "0.1.0"
