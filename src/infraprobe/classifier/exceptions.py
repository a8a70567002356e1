"""Classification of live exceptions: facts first (errno, SSL verify code, SQLSTATE, type), text second.

The whole chain is considered: `__cause__`, `__context__`, exception-group members, and the inner
errors libraries keep in attributes (SQLAlchemy `.orig`, aiohttp `.os_error`, urllib3 `.reason`).
As for texts, the innermost *specific* verdict wins, so `redis.ConnectionError` wrapping a
`ConnectionRefusedError` is connection_refused, and a QueuePool timeout stays pool_exhausted.
"""

from __future__ import annotations

from dataclasses import dataclass

from infraprobe.classifier import components, diagnose
from infraprobe.classifier import text as text_rules
from infraprobe.classifier.exc_facts import read_fact
from infraprobe.classifier.exc_tables import TypeRule as _T
from infraprobe.classifier.exc_types import MODULE_COMPONENTS, TYPES
from infraprobe.result import Diagnosis
from infraprobe.taxonomy import Cause, Component

_INNER_ATTRS = ("orig", "os_error", "reason", "certificate_error", "last_attempt_exception")
_MAX_NODES = 32


@dataclass(frozen=True, slots=True)
class Verdict:
    cause: Cause
    weak: bool
    by_phase: str
    rule: str
    text: str
    component: Component | None = None
    hit: text_rules.Hit | None = None


def qualified_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def type_rule(cls: type) -> tuple[str, _T] | None:
    """The first table entry along the class's MRO."""
    for base in cls.__mro__:
        name = qualified_name(base)
        if name in TYPES:
            return name, TYPES[name]
    return None


def chain(exc: BaseException) -> list[BaseException]:
    """The exception and everything inside it, innermost first (deepest links first)."""
    seen: set[int] = set()
    found: list[tuple[int, int, BaseException]] = []
    stack: list[tuple[BaseException, int]] = [(exc, 0)]
    while stack and len(found) < _MAX_NODES:
        node, depth = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        found.append((-depth, len(found), node))
        stack.extend((inner, depth + 1) for inner in _inner(node))
    return [node for _, _, node in sorted(found, key=lambda t: (t[0], t[1]))]


def _inner(node: BaseException) -> list[BaseException]:
    inner: list[BaseException] = list(getattr(node, "exceptions", None) or ())
    inner = [e for e in inner if isinstance(e, BaseException)]
    # Instance attributes only: properties of some clients warn or compute (websockets' `.reason`).
    attrs = getattr(node, "__dict__", {})
    for attr in _INNER_ATTRS:
        value = attrs.get(attr, attrs.get(f"_{attr}"))
        if isinstance(value, BaseException):
            inner.append(value)
    if node.__cause__ is not None:
        inner.append(node.__cause__)
    elif node.__context__ is not None and not node.__suppress_context__:
        inner.append(node.__context__)
    return inner


def describe(exc: BaseException) -> str:
    """`module.Type: message`, the text the rules read (and the evidence shows)."""
    cls = type(exc)
    name = cls.__qualname__ if cls.__module__ == "builtins" else qualified_name(cls)
    try:
        message = str(exc)
    except Exception:  # a broken __str__ must not break classification
        message = ""
    return f"{name}: {message}" if message else name


def _from_table(rule_id: str, entry: _T, described: str) -> Verdict | None:
    if entry.cause is None:
        return None
    return Verdict(entry.cause, entry.weak, entry.by_phase, rule_id, described, entry.component)


def _from_text(described: str) -> Verdict | None:
    hit = text_rules.match(described)
    if hit is None:
        return None
    r = hit.rule
    return Verdict(r.cause, r.weak, r.by_phase, r.id, described, r.component, hit)


def verdict(exc: BaseException) -> Verdict | None:
    """One link's verdict: a specific type, fact or text first, then the generic ones."""
    described = describe(exc)
    typed = type_rule(type(exc))
    by_type = _from_table(f"exc:{typed[0]}", typed[1], described) if typed else None
    fact = read_fact(exc)
    by_fact = _from_table(f"exc:{fact[0]}", fact[1], described) if fact else None
    by_text = _from_text(described)
    ranked = (by_type, by_fact, by_text)
    strong = [v for v in ranked if v is not None and not v.weak]
    if strong:
        return strong[0]
    weak = [v for v in (by_fact, by_type, by_text) if v is not None]
    return weak[0] if weak else None


def _module_component(links: list[BaseException]) -> Component | None:
    """The outermost client library in the chain names the dependency (SQLAlchemy defers to its driver)."""
    for link in reversed(links):
        root = type(link).__module__.split(".")[0]
        if root in MODULE_COMPONENTS:
            return MODULE_COMPONENTS[root]
    return None


def classify_exception(
    exc: BaseException, *, phase: str | None = None, component: Component | None = None
) -> Diagnosis:
    """Diagnose a live exception (and its chain)."""
    links = chain(exc)
    verdicts = [v for v in map(verdict, links) if v is not None]
    chosen = next((v for v in verdicts if not v.weak), verdicts[0] if verdicts else None)
    all_text = "\n".join(describe(link) for link in links).lower()
    named = _module_component(links) or components.detect(all_text)
    if chosen is None:
        return diagnose.unknown(describe(exc), component, all_text)
    cause = diagnose.resolve_cause(chosen.cause, chosen.by_phase, phase)
    hit = chosen.hit
    window = hit.low[max(0, hit.start - 200) : hit.end + 400] if hit else chosen.text.lower()
    shown = diagnose.evidence(hit.text, hit.start, hit.end) if hit else diagnose.evidence(chosen.text)
    return Diagnosis.of(
        cause,
        diagnose.pick_component(cause, chosen.component, named, component),
        shown,
        rule=chosen.rule,
        layer=diagnose.layer_for(cause, window),
    )
