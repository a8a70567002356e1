"""Compiling hyperscan databases, cached on disk.

Compiling the classifier's rule regexes takes about a second, longer than scanning a few hundred MB; the
serialized database is cached under `$INFRAPROBE_CACHE_DIR` (default `$XDG_CACHE_HOME/infraprobe` or
`~/.cache/infraprobe`), keyed by a hash of the patterns, flags and hyperscan version, so only the first run
after a classifier change pays. An unwritable cache directory only costs the compile.

A cached file is trusted only when it proves what it is: it starts with the full hash of the patterns it was
built from and a hash of the database bytes, and it belongs to this user with no group or other write bit.
Anything else (a different valid database planted at the path, a truncated or edited file) is rebuilt,
because a wrong database silently changes what `logs --expect-none` lets pass.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import hyperscan

_MAGIC = b"infraprobe-hs-2\n"  # then the 32-byte pattern hash, the 32-byte payload hash, the payload


def compile_literals(literals: Sequence[bytes]) -> Any:
    """Case-insensitive literals (hyperscan's literal compiler: no regex syntax to escape)."""
    expressions = [bytes(x) for x in literals]
    flags = hyperscan.HS_FLAG_CASELESS
    return _cached(expressions, flags, True, lambda: _build(expressions, flags, literal=True))


def compile_regexes(rules: Sequence[tuple[str, tuple[str, ...]]]) -> Any:
    """Case-insensitive, multi-line regexes. A rule hyperscan cannot compile (look-arounds, say) is
    replaced by its literal needles, which is looser, never stricter."""
    flags = hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_MULTILINE | hyperscan.HS_FLAG_ALLOWEMPTY
    material = [f"{regex}\x00{chr(1).join(needles)}".encode() for regex, needles in rules]
    return _cached(material, flags, False, lambda: _build(_expressions(rules, flags), flags, literal=False))


def compile_plain(expressions: list[bytes], flags: int) -> Any:
    """Expressions compiled as they are, all with `flags` (the classifier's literal automata: see
    `classifier.literals.compiled_by`)."""
    material = [bytes(x) for x in expressions]
    return _cached(material, flags, False, lambda: _build(material, flags, literal=False))


def escape(literal: str) -> str:
    """A literal as a hyperscan regex (every non-alphanumeric byte as \\xNN; NUL included)."""
    return "".join(chr(b) if b < 128 and chr(b).isalnum() else f"\\x{b:02x}" for b in literal.encode())


def _expressions(rules: Sequence[tuple[str, tuple[str, ...]]], flags: int) -> list[bytes]:
    out: list[bytes] = []
    for regex, needles in rules:
        if _compiles(regex.encode(), flags):
            out.append(regex.encode())
        else:
            out.extend(escape(n).encode() for n in needles)
    return out


def _compiles(expression: bytes, flags: int) -> bool:
    try:
        hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK).compile(expressions=[expression], flags=flags)
    except hyperscan.error:
        return False
    return True


def _build(expressions: list[bytes], flags: int, *, literal: bool) -> Any:
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=expressions, ids=list(range(len(expressions))), flags=flags, literal=literal)
    return db


def _cached(material: list[bytes], flags: int, literal: bool, build: Callable[[], Any]) -> Any:
    key = _key(material, flags, literal)
    path = _cache_dir() / f"hs-{key.hex()[:32]}.db"
    payload = _verified(path, key)
    if payload is not None:
        try:
            db = hyperscan.loadb(payload, hyperscan.HS_MODE_BLOCK)
            db.scratch = hyperscan.Scratch(db)  # a loaded database comes without scratch space
            return db
        except hyperscan.error:
            pass
    db = build()
    data = hyperscan.dumpb(db)
    _store(path, _MAGIC + key + hashlib.sha256(data).digest() + data)
    return db


def _verified(path: Path, key: bytes) -> bytes | None:
    """The database bytes of a cache file that is ours, built from exactly these patterns, and intact."""
    try:
        with path.open("rb") as file:
            info = os.fstat(file.fileno())
            if info.st_uid != os.getuid() or info.st_mode & 0o022:
                return None  # someone else could have written it
            data = file.read()
    except OSError:
        return None
    head = len(_MAGIC) + 64
    if not data.startswith(_MAGIC) or data[len(_MAGIC) : len(_MAGIC) + 32] != key:
        return None
    payload = data[head:]
    return payload if hashlib.sha256(payload).digest() == data[len(_MAGIC) + 32 : head] else None


def _key(expressions: list[bytes], flags: int, literal: bool) -> bytes:
    digest = hashlib.sha256(f"{getattr(hyperscan, '__version__', '')}|{flags}|{literal}".encode())
    for expression in expressions:
        digest.update(len(expression).to_bytes(4, "big") + expression)
    return digest.digest()


def _store(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a concurrent run never loads half a file.
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:  # created 0600
            tmp.write(data)
        os.replace(tmp.name, path)
    except OSError:
        pass


def _cache_dir() -> Path:
    if explicit := os.environ.get("INFRAPROBE_CACHE_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "infraprobe"
