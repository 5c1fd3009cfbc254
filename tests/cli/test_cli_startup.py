"""The CLI starts light: the root group imports no command module, a read imports no web3.py and
no pydantic, and a record prints without rich.

Structural tests only (which modules load, what the listing says); the times are measured by
``bench/cli_startup.py``, not asserted here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner
from click.utils import make_default_short_help

from offchain.cli.root import COMMANDS, cli

HEAVY = ("web3", "eth_abi", "eth_utils", "eth_account", "requests", "aiohttp")


def _modules_after(code: str) -> list[str]:
    """The modules loaded after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def _heavy(modules: list[str]) -> list[str]:
    tops = {m.split(".")[0] for m in modules}
    return [name for name in HEAVY if name in tops]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_maps_summary_is_the_commands_own_help(name):
    command = COMMANDS[name].load()
    assert command.name == name
    first_paragraph = " ".join((command.help or "").split("\n\n")[0].split())
    assert COMMANDS[name].summary == first_paragraph
    for limit in (30, 45, 80):
        assert make_default_short_help(COMMANDS[name].summary, limit) == (
            command.get_short_help_str(limit)
        )


def test_every_command_module_is_in_the_map():
    """A command added to a module but not to the map would be missing from the CLI."""
    import pkgutil

    import offchain.cli

    targets = {c.target.partition(":")[0] for c in COMMANDS.values()}
    helpers = {"root", "units", "__main__"}
    modules = {
        f"offchain.cli.{m.name}"
        for m in pkgutil.iter_modules(offchain.cli.__path__)
        if not m.name.startswith("_") and m.name not in helpers
    }
    assert modules == targets


def test_root_help_lists_every_command_as_the_loaded_commands_would():
    lazy = CliRunner().invoke(cli, ["--help"])
    eager = click.Group(name="leasehold", help=cli.help, params=cli.params, epilog=cli.epilog)
    for name, entry in COMMANDS.items():
        eager.add_command(entry.load(), name)
    loaded = CliRunner().invoke(eager, ["--help"])
    assert lazy.exit_code == loaded.exit_code == 0
    lazy_listing = lazy.output.split("Commands:")[1]
    assert lazy_listing == loaded.output.split("Commands:")[1]
    for name in COMMANDS:
        assert f"\n  {name} " in lazy_listing


def test_importing_the_root_group_loads_no_command_module_and_no_web3():
    loaded = _modules_after("import offchain.cli.root")
    assert _heavy(loaded) == []
    commands = {c.target.partition(":")[0] for c in COMMANDS.values()}
    assert not commands & set(loaded)


def test_a_read_commands_modules_and_the_read_only_client_load_no_web3():
    code = (
        "import offchain.cli.tenant, offchain.cli.lease, offchain.cli.pool, "
        "offchain.cli.escrow, offchain.cli.anchor, offchain.chain.client, offchain.chain.light"
    )
    assert _heavy(_modules_after(code)) == []


#: Every read command (``{lease}``, ``{root}``, ``{provider}``: from the demo scenario).
READS = [
    ["tenant", "show", "1"], ["tenant", "list"], ["pool", "show", "1"], ["pool", "list"],
    ["lease", "show", "{lease}"], ["lease", "list"], ["escrow", "show", "1"],
    ["provider", "show", "{provider}"], ["earnings", "show", "{provider}"],
    ["anchors", "show", "{root}"],
]  # fmt: skip


@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_a_read_on_the_chain_loads_no_web3_and_no_pydantic(stack, args):
    """A read prints the API's JSON shapes without the API's pydantic models
    (``offchain/cli/_reads.py``; ``test_cli_shapes.py`` keeps both equal)."""
    values = {
        "lease": str(stack.scenario.leases["acme-gpu"]),
        "root": stack.scenario.batch_root,
        "provider": stack.client().market.pool(1).provider,
    }
    argv = [
        "--rpc", stack.rpc, "--deployment", str(stack.manifest_path),
        *(a.format(**values) for a in args),
    ]  # fmt: skip
    code = (
        "from offchain.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code"
    )
    loaded = _modules_after(code)
    assert _heavy(loaded) == []
    assert [m for m in loaded if m.split(".")[0] == "pydantic" or m == "offchain.models"] == []


@pytest.mark.parametrize("args", [["--help"], ["tenant", "--help"], ["lease", "list", "--help"]])
def test_help_loads_only_its_own_command_module_and_no_web3(args):
    code = (
        "from offchain.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code"
    )
    loaded = _modules_after(code)
    assert _heavy(loaded) == []
    assert "offchain.models" not in loaded  # pydantic: only for the commands that print a model
    own = {f"offchain.cli.{args[0]}"} if len(args) > 1 else set()
    commands = {c.target.partition(":")[0] for c in COMMANDS.values()}
    assert commands & set(loaded) == own


def test_the_root_help_imports_no_rich_console():
    """``leasehold --help`` is click's own output: rich's console is for the commands."""
    loaded = _modules_after(
        "from offchain.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    )
    assert "rich.console" not in loaded


def test_a_record_prints_without_rich(stack):
    """``pool show`` prints one record (plain text through click): rich loads only for tables."""
    argv = ["--rpc", stack.rpc, "--deployment", str(stack.manifest_path), "pool", "show", "1"]
    loaded = _modules_after(
        f"from offchain.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass"
    )
    assert [m for m in loaded if m.split(".")[0] == "rich"] == []
