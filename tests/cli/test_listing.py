"""`infraprobe --help` lists every command without importing any command's engine."""

from __future__ import annotations

import importlib
import subprocess
import sys

import click
import pytest

from infraprobe.cli.main import COMMANDS, SUMMARIES


@pytest.mark.parametrize("name", sorted(SUMMARIES))
def test_each_listed_summary_is_the_commands_own_help(name: str) -> None:
    command = importlib.import_module(f"infraprobe.cli.{COMMANDS[name]}").command
    assert isinstance(command, click.Command) and command.name == name
    assert command.help == SUMMARIES[name]


def test_help_lists_every_command_and_imports_none() -> None:
    script = (
        "import sys\n"
        "from infraprobe.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('infraprobe.cli.', 'infraprobe.runner', "
        "'infraprobe.classifier', 'infraprobe.config'))), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    listed = [line.split()[0] for line in proc.stdout.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == list(COMMANDS)
    assert (
        proc.stderr.strip() == "['infraprobe.cli.common', 'infraprobe.cli.completion', 'infraprobe.cli.main']"
    )
