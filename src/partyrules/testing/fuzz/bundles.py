"""Mutated JSON-lines files of subject bundles: a value, a nesting, the bytes or a subject id changed."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from .base import (
    _PLACEHOLDER,
    BIG_STRING_CHARS,
    WIDE_STRING_CHARS,
    TablesMutant,
    _replace,
    _where,
    odd_numbers,
    odd_strings,
)

# -- JSON lines of bundles -----------------------------------------------------------------------------------------
BUNDLE_FAMILIES = ("value", "big_string", "nesting", "encoding", "duplicate_id", "subject_id", "truncate")


def _json_leaves(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _json_leaves(v, (*prefix, k))]
    if isinstance(node, list) and node:
        return [p for i, v in enumerate(node) for p in _json_leaves(v, (*prefix, i))]
    return [prefix]


def _subject_key(bundle: dict[str, Any]) -> tuple[str, ...]:
    subject = next(k for k in ("member", "branch", "community") if k in bundle)
    return subject, f"{subject}_id"


@st.composite
def bundle_mutants(draw: st.DrawFn, lines: Sequence[str], families: Sequence[str] = BUNDLE_FAMILIES, *,
                   big: bool = True) -> TablesMutant:
    """One change to a JSON-lines file of subject bundles (``lines``, one ``model_dump_json()`` each)."""
    family = draw(st.sampled_from(list(families)))
    i = draw(st.integers(0, len(lines) - 1))
    bundle = json.loads(lines[i])
    key = _subject_key(bundle)
    sid = bundle[key[0]][key[1]]
    out = [ln.encode("utf-8") for ln in lines]

    def done(desc: str, new: bytes | None = None, who: str | None = sid) -> TablesMutant:
        if new is not None:
            out[i] = new
        return TablesMutant(family, f"line {i + 1} ({sid}): {desc}", "jsonl", {"facts.jsonl": b"\n".join(out)},
                            who)

    def dumped(obj: Any) -> bytes:
        return json.dumps(obj, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")

    if family in ("value", "big_string"):
        path = draw(st.sampled_from(_json_leaves(bundle)))
        if family == "big_string":
            value: Any = draw(st.sampled_from(["z" * BIG_STRING_CHARS, "y" * WIDE_STRING_CHARS] if big
                                              else ["y" * WIDE_STRING_CHARS]))
        else:
            value = draw(st.one_of(odd_numbers(), odd_strings(), st.sampled_from([None, [], {}, True, [1]])))
        if isinstance(value, int) and abs(value) > 10**4000:
            value = 10**400  # json.dumps refuses more digits than int's string limit
        shown = f"{str(value)[:20]!r}... ({len(str(value))} characters)" if len(str(value)) > 40 else repr(value)
        return done(f"{_where(path)} = {shown}", dumped(_replace(bundle, path, value)))
    if family == "nesting":
        depth = draw(st.sampled_from([100, 1000, 100_000]))
        path = draw(st.sampled_from(_json_leaves(bundle)))
        text = json.dumps(_replace(bundle, path, _PLACEHOLDER))
        return done(f"{_where(path)} nested {depth} deep",
                    text.replace(f'"{_PLACEHOLDER}"', "[" * depth + "]" * depth).encode())
    if family == "encoding":
        junk = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\xef\xbb\xbf"]))
        where = draw(st.sampled_from(["string", "start", "end"]))
        raw = out[i]
        if where == "string":
            head = re.search(rb'"' + key[1].encode() + rb'": ?"', raw)
            raw = raw[:head.end()] + junk + raw[head.end():] if head else junk + raw
        else:
            raw = junk + raw if where == "start" else raw + junk
        return done(f"bytes {junk!r} at the {where}", raw)
    if family == "duplicate_id":
        out.append(out[i])
        return done("repeated as the last line", None, None)
    if family == "subject_id":
        value = draw(st.sampled_from([None, "", "null", "\x00", 1, "M 1"]))
        subject = dict(bundle[key[0]])
        if draw(st.booleans()):
            subject.pop(key[1])
            desc = f"{key[0]}.{key[1]} removed"
        else:
            subject[key[1]] = value
            desc = f"{key[0]}.{key[1]} = {value!r}"
        return done(desc, dumped({**bundle, key[0]: subject}))
    cut = draw(st.integers(0, max(0, len(out[i]) - 1)))
    return done(f"truncated at byte {cut}", out[i][:cut])
