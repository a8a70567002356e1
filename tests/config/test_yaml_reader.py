"""PyYAML's reader pattern, placed pre-compiled in its cheap form (config/_yaml.py): the same characters, the
same errors, and what PyYAML itself compiles is still what the placed form stands for."""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml.reader

from infraprobe.config._yaml import DIRECT_SOURCE, READER_SOURCE
from infraprobe.configfile import load_config
from infraprobe.errors import ConfigError


def test_the_placed_text_is_pyyamls_own() -> None:
    """If PyYAML changes its pattern, nothing compiles the placed text any more: this says so."""
    tree = ast.parse(inspect.getsource(yaml.reader))
    texts = [
        node.value.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "NON_PRINTABLE" for t in node.targets)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.args[0], ast.Constant)
    ]
    assert texts == [READER_SOURCE]


def test_both_forms_find_the_same_characters_among_every_code_point() -> None:
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    # re.UNICODE (the default for text) keeps the complement form out of the placed cache entry.
    complement = re.compile(READER_SOURCE, re.UNICODE)
    direct = re.compile(DIRECT_SOURCE, re.UNICODE)
    found = [m.start() for m in direct.finditer(every)]
    assert found == [m.start() for m in complement.finditer(every)]
    # C0 controls but tab, LF and CR; DEL and the C1 controls but NEL; the surrogates; U+FFFE and U+FFFF
    assert len(found) == 29 + 32 + 2048 + 2


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="placed only in CPython 3.11's cache layout")
def test_the_reader_uses_the_placed_form_in_a_fresh_process() -> None:
    code = (
        "import infraprobe.config.yamlsrc\n"  # the loader's module imports yaml first, as `config validate` does
        "import yaml.reader\n"
        "from infraprobe.config._yaml import DIRECT_SOURCE\n"
        "print(yaml.reader.Reader.NON_PRINTABLE.pattern == DIRECT_SOURCE)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"


def test_a_control_character_is_still_one_located_error(tmp_path: Path) -> None:
    config = tmp_path / "env.yaml"
    config.write_text("components:\n  - {name: we\x07b, kind: tcp, host: h, port: 1}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert caught.value.one_line() == (
        f"{config}:2:14: invalid YAML: special characters are not allowed (character 7)"
    )
