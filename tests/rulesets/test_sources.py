"""Every `source:` of the shipped rule sets is true: quotes match the seeds, completions name a published standard.

The convention (docs/rule-language.md, "What `source` says"):

- A seed quote is written ``NNN: <excerpt>``, NNN being the seed file's number (000-004). The excerpt is copied
  character for character from the seed: one contiguous run of its text, or several runs joined by "…" (U+2026,
  no spaces), each run contiguous and each found after the one before. The seeds contain no "…", so the ellipsis
  can only be ours. A quote ends at the end of the source, at "; ", ", " or " (" (none of which occurs in any seed),
  or at a ")" that closes a bracket opened before the quote.
- A completion is written ``completion: pub:<key>``, more keys may follow as ``pub:<key>``, and every key is one
  of the published standards. Every mention of "completion" is written this way, remarks included. The only
  exception is a real gap, written ``completion: no published standard (<why>)`` and allowed only for the items of
  KNOWN_GAPS below, so that adding a gap is a visible decision and naming a key later removes it from the list.
- A seed is cited only as ``NNN: <excerpt>``: a bare "000" before a paraphrase is not checkable, so it is refused.

The seeds, published-standards.md and the outline (whose ``refs:`` names the keys) live in ../shared/policy beside
the repository; CI clones main with ../shared beside it, so their absence is a failure, not a skip.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT.parent / "shared" / "policy"
SEED_IDS = ("000", "001", "002", "003", "004")
ELLIPSIS = "…"
# Sequences that end a quote; the seeds never contain them (checked below), so they cannot cut a real quote short.
QUOTE_ENDS = ("; ", ", ", " (")

QUOTE_START = re.compile(r"(?:(?<=^)|(?<=[\s(]))(00[0-4]): ")
BARE_SEED = re.compile(r"(?<![\w.:/-])00[0-4](?!: )(?![\w.])")
COMPLETION = re.compile(r"completion(: pub:|: no published standard)?")
NO_STANDARD = ": no published standard"

# Completions that follow no published standard: published-standards.md has no scheme for them (its rows with no
# key, e.g. the member classes of wenke99 or the 四无 star gate, are named in the source's remark).
_SIX_CRITERIA = "003 describes the star in words; its required and optional criteria are our reading"
KNOWN_GAPS: dict[tuple[str, str], str] = {
    **{("community-six-star.yaml", f"SIX.{n}"): _SIX_CRITERIA for n in range(1, 7)},
    **{("community-six-star.yaml", f"params.min_optional_{n}"): _SIX_CRITERIA
       for n in ("leadership", "membership", "mechanism", "service", "satisfaction", "economy")},
    ("community-six-star.yaml", "params.team_size_reading"): "seed-extraction J4: per team or in total",
    ("community-six-star.yaml", "params.five_ones_min"): "a share of members; no published figure",
    ("community-six-star.yaml", "params.joint_building_min"): "reading 经常 as once a quarter",
    ("community-six-star.yaml", "params.employment_training_min"): "a number of sessions; no published figure",
    ("community-six-star.yaml", "params.investment_channels_min"): "reading 多渠道 as at least 2",
    ("community-six-star.yaml", "params.market_projects_min"): "a number of projects; no published figure",
    ("member-checks.yaml", "SC7"): "reading 5户左右 as 3 to 8",
    ("member-in-service.yaml", "params.post_appraisal_follow_up"): "seed 001 names the year-end 考核评比 of posts "
    "but no levels; following up below 称职 is ours",
    **{(f, f"params.health_limited_{k}_share"): "the share for members in poor health (seed B8); the unkeyed"
       " member-class scheme leaves them out of points" for f in ("member-new-citizen.yaml", "member-retired.yaml")
       for k in ("attendance", "service")},
    ("member-in-service.yaml", "params.health_limited_service_share"): "the share of the volunteering target for"
    " members in poor health (seed B8), as in the retired and new-citizen indices",
}
KEY = re.compile(r"\bpub:([A-Za-z0-9_]+)")


@dataclass(frozen=True)
class Sourced:
    file: str
    item: str
    source: str


@dataclass(frozen=True)
class Quote:
    seed: str
    excerpt: str


def _policy_file(*parts: str) -> Path:
    path = POLICY.joinpath(*parts)
    assert path.exists(), f"{path} is missing: the source checks need ../shared/policy beside the repository"
    return path


def load_seeds() -> dict[str, str]:
    seeds: dict[str, str] = {}
    for sid in SEED_IDS:
        found = sorted(_policy_file("seeds").glob(f"{sid}_*.txt"))
        assert len(found) == 1, f"expected one seed file {sid}_*.txt in {POLICY / 'seeds'}, found {found}"
        seeds[sid] = found[0].read_text(encoding="utf-8")
    return seeds


def load_keys() -> dict[str, list[str]]:
    """The published-standard keys: the outline's `refs:`, each pointing at addresses of published-standards.md."""
    outline = yaml.safe_load(_policy_file("rulesets-outline.yaml").read_text(encoding="utf-8"))
    published = _policy_file("published-standards.md").read_text(encoding="utf-8")
    keys: dict[str, list[str]] = {}
    for ref, text in outline["refs"].items():
        urls = re.findall(r"https?://\S+", text)
        # a key counts only if every address it names is one published-standards.md lists
        if ref.startswith("pub:") and urls and all(u in published for u in urls):
            keys[ref.removeprefix("pub:")] = urls
    return keys


def shipped_files() -> list[Path]:
    files = sorted((ROOT / "rulesets").glob("*.yaml")) + sorted((ROOT / "rulesets" / "reforms").glob("*.yaml"))
    return [f for f in files if not f.name.endswith(".test.yaml")]


def _walk(node: Any, label: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        if "source" in node:
            yield label, node["source"]
        for key, value in node.items():
            if key == "source":
                continue
            if isinstance(value, dict | list):
                name = value.get("id", key) if isinstance(value, dict) else key
                yield from _walk(value, f"{label}.{name}" if label else str(name))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            name = value.get("id") if isinstance(value, dict) else None
            if name is None and isinstance(value, dict) and "year" in value:
                name = value["year"]
            if name is None and isinstance(value, dict) and "stars" in value:
                name = f"{value['stars']}stars"
            yield from _walk(value, str(name) if name is not None else f"{label}[{i}]")


def sourced_items() -> list[Sourced]:
    items: list[Sourced] = []
    for path in shipped_files():
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for label, source in _walk(doc, ""):
            items.append(Sourced(path.name, label or "(top)", source))
    return items


def quotes_in(source: str) -> list[Quote]:
    """The seed quotes a source makes, each cut where the convention ends it."""
    quotes = []
    for m in QUOTE_START.finditer(source):
        depth_before = source[: m.start()].count("(") - source[: m.start()].count(")")
        rest = source[m.end():]
        end = len(rest)
        for stop in QUOTE_ENDS:
            at = rest.find(stop)
            if at != -1:
                end = min(end, at)
        if depth_before > 0:
            depth = 0
            for i, ch in enumerate(rest[:end]):
                depth += ch == "("
                depth -= ch == ")"
                if depth < 0:
                    end = i
                    break
        quotes.append(Quote(m.group(1), rest[:end]))
    return quotes


def quote_problem(quote: Quote, seeds: dict[str, str]) -> str | None:
    """Why the quote is not the seed's text, or None when every run is found in order."""
    text = seeds[quote.seed]
    runs = quote.excerpt.split(ELLIPSIS)
    if not quote.excerpt or any(not r for r in runs):
        return f"empty run in {quote.seed}: {quote.excerpt!r} (a run before or after '…' is empty)"
    pos = 0
    for run in runs:
        at = text.find(run, pos)
        if at == -1:
            where = "earlier in" if run in text else "in"
            return f"not {'after the previous run ' if where != 'in' else ''}{where} seed {quote.seed}: {run!r}"
        pos = at + len(run)
    return None


def source_problems(item: Sourced, seeds: dict[str, str], keys: dict[str, list[str]]) -> list[str]:
    src = item.source
    if not isinstance(src, str) or not src.strip():
        return ["source is not a non-empty text"]
    problems = []
    quotes = quotes_in(src)
    for q in quotes:
        why = quote_problem(q, seeds)
        if why:
            problems.append(why)
    completions = list(COMPLETION.finditer(src))
    gap = (item.file, item.item) in KNOWN_GAPS
    for m in completions:
        if not m.group(1):
            problems.append(f"'completion' not written as 'completion: pub:<key>' at {src[m.start():m.start() + 30]!r}")
        elif m.group(1) == NO_STANDARD and not gap:
            problems.append("'completion: no published standard' but the item is not in KNOWN_GAPS: name a key")
    if gap and NO_STANDARD not in src:
        problems.append("listed in KNOWN_GAPS but names no gap: take it off the list")
    for key in KEY.findall(src):
        if key not in keys:
            problems.append(f"pub:{key} is not a published-standard key (known: {', '.join(sorted(keys))})")
    for m in BARE_SEED.finditer(src):
        problems.append(f"seed {m.group(0)} cited without a quote ('{m.group(0)}: <text>') at {src[m.start():][:30]!r}")
    if not quotes and not completions:
        problems.append("neither a seed quote ('000: ...') nor a completion ('completion: pub:<key>')")
    return problems


# ---------------------------------------------------------------------------------------------------------------
# The shipped files


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    return load_seeds()


@pytest.fixture(scope="module")
def keys() -> dict[str, list[str]]:
    return load_keys()


def test_policy_sources_are_beside_the_repository(seeds, keys):
    assert all(seeds[s].strip() for s in SEED_IDS)
    # the keys used by the shipped rule sets, at least
    assert {"zbtl", "76hw", "foshan", "xingtai", "beijiang", "cz2024"} <= set(keys)


def test_quote_ends_never_occur_in_a_seed(seeds):
    for sid, text in seeds.items():
        for mark in (ELLIPSIS, *QUOTE_ENDS):
            assert mark not in text, (sid, mark)


def test_every_item_in_every_shipped_file_has_a_source():
    items = sourced_items()
    files = {i.file for i in items}
    # every rule set, fragment and target file with items is walked (reforms carry no items of their own)
    assert {p.name for p in shipped_files() if "kind: reform" not in p.read_text(encoding="utf-8")} <= files
    import partyrules as pr
    from partyrules.shipped_rulesets import SHIPPED, shipped_ruleset_path

    walked = {i.item for i in items}
    for key in SHIPPED:
        rs = pr.load_ruleset(shipped_ruleset_path(key))
        missing = [r.id for r in rs.rules if r.id not in walked]
        assert not missing, (key, missing)


def test_known_gaps_are_shipped_items():
    walked = {(i.file, i.item) for i in sourced_items()}
    assert set(KNOWN_GAPS) <= walked, set(KNOWN_GAPS) - walked


def test_every_source_is_true(seeds, keys):
    failures = []
    for item in sourced_items():
        for problem in source_problems(item, seeds, keys):
            failures.append(f"{item.file} {item.item}: {problem}")
    assert not failures, f"{len(failures)} untrue sources:\n" + "\n".join(failures)


# ---------------------------------------------------------------------------------------------------------------
# The checker itself: each rule of the convention, on generated quotes

SEED_TEXT = st.text(alphabet="政治向心力大局保障队伍管控资源统筹群众粘合,、;:()“”0123456789 \n",
                    min_size=20, max_size=200)


def _clean(text: str) -> str:
    for mark in QUOTE_ENDS:
        text = text.replace(mark, "")
    return text


@given(SEED_TEXT, st.data())
def test_any_contiguous_run_matches(text, data):
    text = _clean(text)
    i = data.draw(st.integers(0, len(text) - 1))
    j = data.draw(st.integers(i + 1, len(text)))
    run = text[i:j]
    assume("\n" not in run)
    assert quote_problem(Quote("000", run), {"000": text}) is None


@given(SEED_TEXT, st.data())
def test_runs_in_order_joined_by_an_ellipsis_match(text, data):
    text = _clean(text)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), min_size=4, max_size=4, unique=True)))
    a, b = text[cuts[0]:cuts[1]], text[cuts[2]:cuts[3]]
    assume(a and b and "\n" not in a + b)
    assert quote_problem(Quote("000", a + ELLIPSIS + b), {"000": text}) is None


@given(SEED_TEXT, st.data())
def test_a_changed_character_does_not_match(text, data):
    text = _clean(text)
    i = data.draw(st.integers(0, len(text) - 1))
    j = data.draw(st.integers(i + 1, len(text)))
    k = data.draw(st.integers(i, j - 1))
    run = text[i:j]
    changed = run[: k - i] + "职" + run[k - i + 1:]  # 职 is not in the alphabet of the seed
    assert quote_problem(Quote("000", changed), {"000": text}) is not None


def test_runs_out_of_order_or_joined_do_not_match():
    seed = "甲乙丙\n_第2页\n丁戊己"
    assert quote_problem(Quote("000", "甲乙…丁戊"), {"000": seed}) is None
    assert quote_problem(Quote("000", "丁戊…甲乙"), {"000": seed}) is not None  # order matters
    assert quote_problem(Quote("000", "乙丙丁戊"), {"000": seed}) is not None  # a page marker split it
    assert quote_problem(Quote("000", "乙丙 … 丁戊"), {"000": seed}) is not None  # spaces are not the seed's
    assert quote_problem(Quote("000", "乙丙……丁"), {"000": seed}) is not None  # empty run


def test_where_a_quote_ends():
    assert quotes_in("000: 甲乙(丙)丁") == [Quote("000", "甲乙(丙)丁")]
    assert quotes_in("completion: pub:zbtl (001: 甲乙(丙)丁; 002: 戊)") == [Quote("001", "甲乙(丙)丁"),
                                                                         Quote("002", "戊")]
    assert quotes_in("000: 甲乙, cited as a failure") == [Quote("000", "甲乙")]
    assert quotes_in("000: 甲 (the points: completion: pub:zbtl)") == [Quote("000", "甲")]
    assert quotes_in("2009: 甲; x000: 乙") == []


def test_completions_and_keys():
    keys = {"zbtl": ["u"]}
    seeds = {s: "甲乙丙" for s in SEED_IDS}

    def problems(src: str) -> list[str]:
        return source_problems(Sourced("f", "i", src), seeds, keys)

    assert problems("completion: pub:zbtl (每月1次)") == []
    assert problems("000: 甲乙; completion: pub:zbtl (points)") == []
    assert problems("completion: pub:nokey")  # unknown key
    assert problems("completion (pub:zbtl)")  # not written as completion: pub:
    assert problems("000: 甲乙 (the points are a completion)")  # a remark that names no key
    assert problems("completion: pub:zbtl; 000 甲乙")  # a seed named without a checkable quote
    assert problems("outline")  # neither
    assert problems("001: 甲丁")  # not the seed's text
    assert problems("completion: no published standard (why)")  # a gap not on the list
