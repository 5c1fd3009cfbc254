"""Metering records (offchain/anchoring/records.py): reading CSV and JSON Lines with one-line
errors naming the line, totals per meter, the tree (the anchoring format) and record bundles."""

from __future__ import annotations

import json

import pytest

from offchain.anchoring.merkle import MerkleTree, verify_proof
from offchain.anchoring.records import (
    Statement,
    in_period,
    load_bundle,
    parse_time,
    read_records,
    totals,
    tree_of,
    write_bundles,
)
from offchain.exceptions import BundleFormatError, RecordFormatError

CSV = "id,meter,quantity,timestamp\nr1,gpu.seconds,60,100\nr2,tokens,500,2026-12-05T00:00:00Z\n"
WHERE = Statement(
    31337, "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB", 7, 3, 0, 3600, "0x" + "cd" * 32
)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_and_jsonl_read_the_same_records(tmp_path):
    from_csv = read_records(write(tmp_path, "a.csv", CSV))
    lines = [
        {"id": "r1", "meter": "gpu.seconds", "quantity": 60, "timestamp": 100},
        {"id": "r2", "meter": "tokens", "quantity": "500", "timestamp": "2026-12-05T00:00:00Z"},
    ]
    from_jsonl = read_records(
        write(tmp_path, "a.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    )
    assert [r.canonical() for r in from_csv] == [r.canonical() for r in from_jsonl]
    assert from_csv[1].timestamp == parse_time("2026-12-05T00:00:00+00:00")
    assert [r.line for r in from_csv] == [2, 3]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("b.csv", "id,meter,quantity\nr1,x,1\n", "line 1: the header lacks timestamp"),
        ("b.csv", CSV + "r3,tokens,-4,100\n", "line 4: quantity must be a whole number"),
        ("b.csv", CSV + "r3,tokens,4\n", "line 4: 3 cells where the header has 4"),
        ("b.csv", CSV + "r1,tokens,4,100\n", "line 4: record id 'r1' repeats line 2"),
        ("b.csv", CSV + "r3,tokens,4,yesterday\n", "line 4: timestamp"),
        ("b.jsonl", '{"id": "r1"}\n{oops\n', "line 1: meter is missing"),
        ("b.jsonl", "\n[1]\n", "line 2: expected a JSON object"),
        (
            "b.jsonl",
            '{"id":"a","meter":"m","quantity":1,"timestamp":1}\n{oops\n',
            "line 2: not JSON",
        ),
        ("b.txt", CSV, "expected a .csv or .jsonl"),
        ("b.csv", "id,meter,quantity,timestamp\n", "no records"),
    ],
)
def test_a_malformed_file_names_its_line(tmp_path, name, text, message):
    with pytest.raises(RecordFormatError, match=message):
        read_records(write(tmp_path, name, text))


def test_totals_per_meter_and_unknown_meters(tmp_path):
    records = read_records(write(tmp_path, "a.csv", CSV + "r3,gpu.seconds,40,200\n"))
    assert totals(records, ["gpu.seconds", "tokens"], "a.csv") == [100, 500]
    assert [r.id for r in in_period(records, 100, 201)] == ["r1", "r3"]
    with pytest.raises(RecordFormatError, match=r"line 3: meter 'tokens' is not in the schedule"):
        totals(records, ["gpu.seconds"], "a.csv")


def test_bundles_prove_each_record_against_the_root(tmp_path):
    records = read_records(write(tmp_path, "a.csv", CSV))
    tree = tree_of(records, "a.csv")
    paths = write_bundles(records, tree, WHERE, tmp_path / "out")
    assert (
        MerkleTree.load(json.loads((tmp_path / "out" / "tree.json").read_text())).root == tree.root
    )
    for path, record in zip(paths, records, strict=True):
        bundle = load_bundle(path)
        assert bundle.proves()
        assert bundle.record.canonical() == record.canonical()
        assert bundle.where == WHERE
        assert verify_proof(tree.root, record.leaf, bundle.proof)
    forged = json.loads(paths[0].read_text())
    forged["record"]["quantity"] = 61
    assert not load_bundle(write(tmp_path, "forged.json", json.dumps(forged))).proves()


def test_a_file_that_is_not_a_record_bundle_is_refused(tmp_path):
    with pytest.raises(BundleFormatError, match="not a usage-record bundle"):
        load_bundle(write(tmp_path, "x.json", '{"schema": 2, "kind": "hiding"}'))
    with pytest.raises(BundleFormatError, match="not JSON"):
        load_bundle(write(tmp_path, "y.json", "{"))
