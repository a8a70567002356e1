"""PyYAML, imported with its reader's one costly pattern compiled the cheap way (start-up, issue 10).

`import yaml` compiles `yaml.reader.Reader.NON_PRINTABLE`, the code points a YAML stream may not hold, written
as the complement of the allowed ranges. Python's regex compiler (itself Python) maps such a class code point
by code point: 57 million instructions, 8 % of `config validate`. The same set written directly (nine small
ranges) compiles in a fraction of that, and matches exactly the same characters (tests/config/test_yaml_reader.py
checks all 1,114,112 code points). `re.compile` looks a pattern up by its text in its cache first, so placing
the direct form under PyYAML's text before the first `import yaml` gives the reader that one. Only where the
cache is the plain dict CPython 3.11 keys by (type, text, flags); anywhere else nothing is placed and PyYAML
compiles its own pattern, as it always did: slower, never different.
"""

from __future__ import annotations

import re
import sys

# PyYAML's pattern, character for character (yaml/reader.py), and the same set spelled as what it excludes.
READER_SOURCE = "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
DIRECT_SOURCE = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]"


def _place_reader_pattern() -> None:
    cache = getattr(re, "_cache", None)
    if "yaml" in sys.modules or sys.version_info[:2] != (3, 11) or not isinstance(cache, dict):
        return
    cache.setdefault((str, READER_SOURCE, 0), re.compile(DIRECT_SOURCE))


_place_reader_pattern()

import yaml  # noqa: E402  (after the pattern is in place: see above)

__all__ = ["DIRECT_SOURCE", "READER_SOURCE", "yaml"]
