"""Mutated rule-set files: a number, expression or string replaced, deep nesting, duplicate keys, anchors, tags,
wrong types, bad include names, broken bytes, and a changed structure."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from hypothesis import strategies as st

from .base import (
    _PLACEHOLDER,
    EXPRESSION_KEYS,
    TEXT_KEYS,
    Mutant,
    _replace,
    _where,
    expressions,
    odd_numbers,
    odd_strings,
)

# -- rule sets -----------------------------------------------------------------------------------------------------
RULESET_FAMILIES = ("number", "expression", "string", "nesting", "type", "duplicate_key", "anchor", "tag",
                    "include", "bytes", "structure")


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    out = [(prefix, node)]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _dump(tree: Any) -> str:
    return yaml.safe_dump(tree, allow_unicode=True, sort_keys=False, width=10**9)


def _mutant(family: str, description: str, text: str, extra: Mapping[str, bytes] | None = None) -> Mutant:
    return Mutant(family, description, text.encode("utf-8", "surrogatepass"), text, extra or {})


def _with_raw(tree: Any, path: tuple[Any, ...], raw: str, quoted: bool) -> str:
    """Dump the tree with ``raw`` at ``path`` exactly as given: PyYAML would escape what it cannot print."""
    text = _dump(_replace(tree, path, _PLACEHOLDER))
    return text.replace(_PLACEHOLDER, json.dumps(raw) if quoted else raw, 1)


@st.composite
def ruleset_mutants(draw: st.DrawFn, text: str, families: Sequence[str] = RULESET_FAMILIES) -> Mutant:
    """One change to the rule-set ``text`` (a valid YAML rule set), of one of ``families``."""
    tree = yaml.safe_load(text)
    nodes = _paths(tree)
    family = draw(st.sampled_from(list(families)))
    if family == "number":
        cands = [p for p, v in nodes if isinstance(v, int | float) and not isinstance(v, bool)]
        path = draw(st.sampled_from(cands))
        value = draw(odd_numbers())
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**4000:
            raw = str(value) if draw(st.booleans()) else "0x" + "f" * 5000  # beyond int() of a str
            return _mutant(family, f"{_where(path)} = {raw[:12]}... ({len(raw)} characters)",
                           _with_raw(tree, path, raw, False))
        return _mutant(family, f"{_where(path)} = {value!r}"[:200], _dump(_replace(tree, path, value)))
    if family == "expression":
        cands = [p for p, v in nodes if p and p[-1] in EXPRESSION_KEYS and isinstance(v, str)]
        path = draw(st.sampled_from(cands))
        expr = draw(expressions())
        quoted = draw(st.booleans())
        return _mutant(family, f"{_where(path)} = {expr[:120]!r}", _with_raw(tree, path, expr, quoted)
                       if quoted or _plain_safe(expr) else _dump(_replace(tree, path, expr)))
    if family == "string":
        cands = [p for p, v in nodes if p and p[-1] in TEXT_KEYS and isinstance(v, str)]
        path = draw(st.sampled_from(cands))
        value = draw(odd_strings())
        return _mutant(family, f"{_where(path)} = {value[:40]!r} ({len(value)} characters)",
                       _with_raw(tree, path, value, draw(st.booleans())))
    if family == "nesting":
        path = draw(st.sampled_from([p for p, _ in nodes if p]))
        depth = draw(st.sampled_from([33, 100, 1000, 100_000]))
        opener, closer = draw(st.sampled_from([("[", "]"), ("{a: ", "}")]))
        return _mutant(family, f"{_where(path)} nested {depth} deep in {opener.strip()}",
                       _with_raw(tree, path, opener * depth + "1" + closer * depth, False))
    if family == "type":
        path = draw(st.sampled_from([p for p, _ in nodes if p]))
        value = draw(st.sampled_from([None, True, 0, "x", [], {}, [1, 2], {"a": 1}, "2026-01-01", 1.5]))
        return _mutant(family, f"{_where(path)} = {value!r}", _dump(_replace(tree, path, value)))
    if family == "structure":
        return _structure(draw, tree, nodes)
    return _textual(draw, family, text, tree)


def _plain_safe(expr: str) -> bool:
    """True when PyYAML can write the text itself (no character it would escape or refuse)."""
    try:
        expr.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in expr


def _structure(draw: st.DrawFn, tree: Any, nodes: list[tuple[tuple[Any, ...], Any]]) -> Mutant:
    """A key removed, an unknown key added, or an item of a list repeated (two rules with one id)."""
    how = draw(st.sampled_from(["delete", "unknown_key", "repeat_item"]))
    if how == "repeat_item":
        cands = [p for p, v in nodes if isinstance(v, list) and v]
        path = draw(st.sampled_from(cands))
        items = _get(tree, path)
        return _mutant("structure", f"{_where(path)}: first item repeated",
                       _dump(_replace(tree, path, [*items, items[0]])))
    cands = [p for p, v in nodes if isinstance(v, dict)]
    path = draw(st.sampled_from(cands))
    mapping = _get(tree, path)
    if how == "delete" and mapping:
        key = draw(st.sampled_from(list(mapping)))
        new = {k: v for k, v in mapping.items() if k != key}
        return _mutant("structure", f"{_where(path)}: key {key!r} removed", _dump(_replace(tree, path, new)))
    key = draw(st.sampled_from(["flg", "points2", "Id", "__class__", "when ", "\u202eid"]))
    return _mutant("structure", f"{_where(path)}: unknown key {key!r} added",
                   _dump(_replace(tree, path, {**mapping, key: 1})))


def _get(tree: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        tree = tree[p]
    return tree


_KEY_LINE = re.compile(r"^(\s*)([A-Za-z_][\w.]*):(?: .*)?$", re.M)


def _textual(draw: st.DrawFn, family: str, text: str, tree: Any) -> Mutant:
    if family == "duplicate_key":
        lines = list(_KEY_LINE.finditer(text))
        m = draw(st.sampled_from(lines))
        dup = f"{m.group(1)}{m.group(2)}: {draw(st.sampled_from(['1', 'x', '[]', 'true']))}\n"
        pos = m.end() + 1
        return _mutant(family, f"line {text.count(chr(10), 0, pos) + 1}: key {m.group(2)!r} repeated",
                       text[:pos] + dup + text[pos:])
    if family == "anchor":
        how = draw(st.sampled_from(["alias", "laughs", "merge"]))
        if how == "laughs":
            lol = 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
                f"l{i}: &l{i} [{','.join(['*l' + str(i - 1)] * 9)}]\n" for i in range(1, 10))
            return _mutant(family, "a billion laughs before the rule set", lol + text)
        if how == "merge":
            return _mutant(family, "a merge key <<: *base", "base: &base {x: 1}\nother:\n  <<: *base\n" + text)
        return _mutant(family, "title as an anchor, description as its alias",
                       re.sub(r"^title:", "title: &t", text, count=1, flags=re.M) + "\nnote_alias: *t\n")
    if family == "tag":
        tag = draw(st.sampled_from(["!!python/object/apply:os.system ['true']", "!!binary aGk=", "!custom x",
                                    "!!float 1", "!!timestamp 2026-01-01", "!!set {a}"]))
        return _mutant(family, f"version: {tag}", re.sub(r"^version: .*$", lambda _: f"version: {tag}", text,
                                                          count=1, flags=re.M))
    if family == "include":
        name = draw(st.sampled_from(["a\x00b.yaml", "self.yaml", "../outside.yaml", "/etc/passwd", "x" * 5000 + ".yaml",
                                     "sub/../../x.yaml", "loop-a.yaml", "missing.yaml", "\ud800.yaml", "",
                                     ".", "dir.yaml", "not-yaml.txt", "~/x.yaml", "C:\\x.yaml"]))
        extra = {"loop-a.yaml": b"include: [loop-b.yaml]\n", "loop-b.yaml": b"include: [loop-a.yaml]\n",
                 "self.yaml": b"include: [self.yaml]\n", "not-yaml.txt": b"id: x\n"}
        raw = json.dumps(name)  # a double-quoted YAML scalar: \u0000 and \ud800 escapes reach the loader
        body = text if "include:" in text else "include: []\n" + text
        body = re.sub(r"^include:.*$", lambda _: f"include: [{raw}]", body, count=1, flags=re.M)
        body = re.sub(r"^include: \[(.*)\]\n(  - .*\n)+", r"include: [\1]\n", body, count=1, flags=re.M)
        return _mutant(family, f"include: [{name[:40]!r}]", body, extra)
    # bytes: broken encodings, truncation, NULs, BOMs
    data = text.encode("utf-8")
    how = draw(st.sampled_from(["truncate", "flip", "invalid_utf8", "nul", "bom", "utf16", "crlf", "tabs"]))
    if how == "truncate":
        cut = draw(st.integers(0, len(data)))
        return Mutant(family, f"truncated at byte {cut}", data[:cut])
    if how == "flip":
        at = draw(st.integers(0, len(data) - 1))
        byte = draw(st.integers(0, 255))
        return Mutant(family, f"byte {at} set to {byte:#04x}", data[:at] + bytes([byte]) + data[at + 1:])
    if how == "invalid_utf8":
        at = draw(st.integers(0, len(data)))
        junk = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf"]))
        return Mutant(family, f"bytes {junk!r} inserted at {at}", data[:at] + junk + data[at:])
    if how == "nul":
        at = draw(st.integers(0, len(data)))
        return Mutant(family, f"NUL inserted at byte {at}", data[:at] + b"\x00" + data[at:])
    if how == "bom":
        return Mutant(family, "a UTF-8 byte order mark in front", b"\xef\xbb\xbf" + data, "\ufeff" + text)
    if how == "utf16":
        return Mutant(family, "written as UTF-16", text.encode("utf-16"))
    if how == "crlf":
        return _mutant(family, "CRLF line ends", text.replace("\n", "\r\n"))
    return _mutant(family, "indentation by tabs", text.replace("  ", "\t"))
