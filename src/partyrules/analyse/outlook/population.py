"""Every subject's outlook at once, as tables: the known part of each table is filtered by date, the remaining
months of each extreme are one template row per month (per plan: category and health) joined to the subjects,
the annual evaluation at its extreme is one row per subject, and each candidate completion is scored with the
vectorised backend; so is the completion that keeps to what is asked (its months from the plan's obligations).
Each subject's lowest and highest are picked as :func:`.single.outlook` picks them (a vetoed
completion is the worst, then the lowest total), so both paths agree number for number."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ...evaluate.population import score_population
from ...facts import SubjectFacts
from ...periods import Month, Period
from ...population import Population, facts_to_population
from ...rulesets.model import RuleSet
from .complete import annual_at, keeps_record, month_record
from .domain import Domain, build_domain, plan_for
from .single import threshold_grade

__all__ = ["PopulationOutlook", "outlook_population"]

STATUSES = ("secure", "on_track", "at_risk", "out_of_reach")
SIDES = ("worst", "best", "keeps")
STACK_ROWS = 60_000
"""Up to this many subjects times completions, the completions are scored together in one call."""


@dataclass
class PopulationOutlook:
    """``frame``: one row per subject the rule set applies to, in population order: ``subject_id``, ``lowest``,
    ``grade_low``, ``vetoed_low``, ``highest``, ``grade_high``, ``vetoed_high``, ``keeps``, ``grade_keeps``,
    ``vetoed_keeps`` (the completion that keeps to what is asked), ``status`` (secure, on_track, at_risk,
    out_of_reach) against ``warn_below`` and ``grades``, the grades still reachable (ids, best first,
    comma-separated)."""

    ruleset: RuleSet
    as_of: str
    warn_below: str
    frame: Any

    def counts(self) -> dict[str, int]:
        got = dict(self.frame.group_by("status").len().iter_rows()) if self.frame.height else {}
        return {s: int(got.get(s, 0)) for s in STATUSES}

    def warnings(self) -> Any:
        """The early-warning list: who can no longer reach the grade, then who needs more than what is asked to
        reach it (the lowest best case first). Those on track (secure if they keep to what is asked) are not on
        it: see :meth:`on_track`."""
        import polars as pl

        return (self.frame.filter(pl.col("status").is_in(["at_risk", "out_of_reach"]))
                .with_columns(pl.col("status").replace_strict({"out_of_reach": 0, "at_risk": 1},
                                                              return_dtype=pl.Int8).alias("_o"))
                .sort(["_o", "highest", "subject_id"]).drop("_o"))

    def on_track(self) -> Any:
        """Who reaches the grade if they keep to what is asked, and may fall below it otherwise (the lowest
        completion keeping to what is asked first)."""
        import polars as pl

        return self.frame.filter(pl.col("status") == "on_track").sort(["keeps", "subject_id"])

    def _repr_html_(self) -> str:
        from ...results.html_table import html_block, html_headline, html_table

        c = self.counts()
        head = html_headline([(("规则集", "rule set"), self.ruleset.id), (("截至", "as of"), self.as_of),
                              (("已确保", "secure"), c["secure"]),
                              (("按要求参加即可", "on track"), c["on_track"]), (("有风险", "at risk"), c["at_risk"]),
                              (("已无法达到", "out of reach"), c["out_of_reach"])])
        w = self.warnings()
        rows = html_table([("对象", "subject"), ("最低", "lowest"), ("最高", "highest"), ("状态", "status")],
                          w.select("subject_id", "lowest", "highest", "status").head(20).iter_rows(), total=w.height)
        return html_block(("年度展望: 预警名单", "Outlook: the warning list"), head, rows)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        if isinstance(v, Mapping):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = list(v) if isinstance(v, tuple) else getattr(v, "value", v)
    return out


def _remaining_rows(pl: Any, dom: Domain, pop: Population, subjects: Any, months: tuple[str, ...], year: int,
                    side: str) -> Any:
    """The records of the remaining months at ``side`` for every subject: a template per plan, joined."""
    from ...facts import MemberMonthRecord

    schema = pop.tables["records"].schema
    parts = []
    keys = ["category", "health_limited"] if dom.kind == "member" else []
    groups: list[tuple[Any, ...]] = list(subjects.select(keys).unique(maintain_order=True).iter_rows()) \
        if keys else [()]
    for key in groups:
        plan = plan_for(str(key[0]), bool(key[1]), year) if keys else (lambda _m: {})
        rows = [_flatten(MemberMonthRecord.model_validate(
            keeps_record(dom, "X", plan, m) if side == "keeps" else month_record(dom, "X", plan, m, side)).model_dump())
            for m in months]
        template = pl.DataFrame(rows, schema={c: t for c, t in schema.items() if c != "subject_id"})
        ids = subjects if not keys else subjects.filter(
            (pl.col("category") == key[0]) & (pl.col("health_limited") == key[1]))
        part = ids.select("subject_id", "_i").join(template, how="cross")
        parts.append(part.with_columns(pl.col("subject_id").alias("member_id")))
    return pl.concat(parts).select("_i", *schema.keys())


def _known(pl: Any, pop: Population, m: Month) -> dict[str, Any]:
    cut = m.last_day
    t = dict(pop.tables)
    t["records"] = t["records"].filter(pl.col("month") <= str(m))
    if "incidents" in t:
        t["incidents"] = t["incidents"].filter(pl.col("occurred_on") <= cut)
    if "commendations" in t:
        t["commendations"] = t["commendations"].filter(pl.col("awarded_on") <= cut)
    if "annual" in t and m.month != 12:
        t["annual"] = t["annual"].clear()
    return t


def _scored(ruleset: RuleSet, pop: Population, tables: dict[str, Any], period: Period) -> Any:
    filled = Population(pop.subject_kind, tables, absent=pop.absent)
    return score_population(ruleset, filled, period, missing_tables="empty").frame.select(
        "subject_id", "total", "grade", "vetoed")


def _renamed(pl: Any, table: Any, suffix: str) -> Any:
    """``table`` with the subject's id, wherever it names the subject itself (``subject_id``, and ``member_id``,
    ``branch_id``, ``responsible_id``... where equal to it), followed by ``suffix``."""
    own = [c for c, t in table.schema.items() if c != "subject_id" and c.endswith("_id") and t == pl.String]
    return table.with_columns(
        *(pl.when(pl.col(c) == pl.col("subject_id")).then(pl.col(c) + suffix).otherwise(pl.col(c)).alias(c)
          for c in own),
        pl.col("subject_id") + suffix)


def _scored_together(pl: Any, ruleset: RuleSet, pop: Population, sets: list[dict[str, Any]],
                     period: Period) -> list[Any]:
    """The scores of several completions of a small population in one scoring: each completion's subjects under
    their own ids (the id, a unit separator, the completion's number), split apart again after. Scoring has a cost
    per call that dominates a few thousand members; for large chunks the completions are scored one by one, which
    bounds the memory."""
    sep = "\x1f"
    stacked = {name: pl.concat([_renamed(pl, t[name], f"{sep}{k}") for k, t in enumerate(sets)])
               for name in sets[0]}
    scored = _scored(ruleset, pop, stacked, period)
    parts = scored.with_columns(pl.col("subject_id").str.split_exact(sep, 1).struct.rename_fields(["_s", "_k"])
                                .alias("_p")).unnest("_p")
    parts = parts.with_columns(pl.col("_k").cast(pl.Int64)).drop("subject_id").rename({"_s": "subject_id"})
    cols = ["subject_id", "total", "grade", "vetoed"]
    return [parts.filter(pl.col("_k") == k).select(cols) for k in range(len(sets))]


def _candidate_tables(pl: Any, dom: Domain, pop: Population, m: Month, side: str) -> list[tuple[bool, Any]]:
    """The tables of each candidate completion of ``side`` (``keeps``: the remaining months recorded keeping to
    what is asked, the annual evaluation at its worst), each with whether it is the candidate with nothing more on
    file, which is the same for every side."""
    known = _known(pl, pop, m)
    subjects = pop.tables["subjects"].with_row_index("_i")
    order = subjects.select("subject_id", "_i")
    remaining = tuple(str(Month(m.year, k)) for k in range(m.month + 1, 13))
    record_sets = [known["records"]]
    if remaining and dom.reads_records:
        extra = _remaining_rows(pl, dom, pop, subjects, remaining, m.year, side)
        both = pl.concat([known["records"].join(order, on="subject_id").select(extra.columns), extra])
        record_sets.append(both.sort(["_i", "month"]).drop("_i"))
        if side == "keeps":  # keeping to what is asked records every remaining month
            record_sets = record_sets[1:]
    annual_sets = [known.get("annual")]
    if dom.reads_annual and "annual" in known:
        kind = pop.subject_kind
        org = "branch_id" if kind == "member" else "parent_org_id"
        schema = known["annual"].schema
        at = "worst" if side == "keeps" else side
        template = pl.DataFrame([_flatten(annual_at(dom, kind, "X", m.year, "X", at).model_dump())],
                                schema=schema).drop("subject_id", "evaluator_org_id")
        missing = (subjects.join(known["annual"].select("subject_id"), on="subject_id", how="anti")
                   .select("subject_id", pl.col(org).fill_null("unknown").alias("evaluator_org_id")))
        add = missing.join(template, how="cross").select(schema.keys())
        annual_sets.append(pl.concat([known["annual"], add]).join(order, on="subject_id").sort("_i").drop("_i"))
    out = []
    for records in record_sets:
        for ai, annual in enumerate(annual_sets):
            tables = {**known, "records": records}
            if annual is not None:
                tables["annual"] = annual
            out.append((records is known["records"] and ai == 0, tables))
    return out


def outlook_population(ruleset: RuleSet, subjects: Population | Iterable[SubjectFacts], as_of: Month | str, *,
                       directions: Mapping[str, str] | None = None,
                       bounds: Mapping[str, tuple[float, float]] | None = None,
                       warn_below: str | None = None, chunk: int = 200_000) -> PopulationOutlook:
    """The outlook of every subject the rule set applies to (see :func:`.single.outlook`), as tables scored with
    the vectorised backend (the default plan of members; no recourse, which is per subject). ``chunk`` subjects
    are done at a time, which bounds the memory of the candidate tables (a few GB for 200,000 members)."""
    import polars as pl

    m = Month.parse(as_of) if isinstance(as_of, str) else as_of
    dom = build_domain(ruleset, directions=directions, bounds=bounds)
    pop = subjects if isinstance(subjects, Population) else facts_to_population(subjects, ruleset.subject_kind)
    warn = threshold_grade(ruleset, warn_below)
    ids = pop.subject_ids
    parts = [_frame(pl, ruleset, dom, pop if len(ids) <= chunk else pop.select(ids[i:i + chunk]), m, warn)
             for i in range(0, max(len(ids), 1), max(chunk, 1))]
    frame = pl.concat(parts) if len(parts) > 1 else parts[0]
    return PopulationOutlook(ruleset, str(m), warn, frame)


def _frame(pl: Any, ruleset: RuleSet, dom: Domain, pop: Population, m: Month, warn: str) -> Any:
    sets: list[dict[str, Any]] = []
    of_side: dict[str, list[int]] = {}
    nothing_more: int | None = None  # the candidate with nothing more on file, scored once for every side
    for side in SIDES:
        of_side[side] = []
        for shared, tables in _candidate_tables(pl, dom, pop, m, side):
            if shared and nothing_more is not None:
                of_side[side].append(nothing_more)
                continue
            sets.append(tables)
            of_side[side].append(len(sets) - 1)
            if shared:
                nothing_more = len(sets) - 1
    period = Period.year(m.year)
    if pop.tables["subjects"].height * len(sets) <= STACK_ROWS:
        scores = _scored_together(pl, ruleset, pop, sets, period)
    else:
        scores = [_scored(ruleset, pop, t, period) for t in sets]
    picks = {}
    for side in SIDES:
        both = pl.concat([scores[i] for i in of_side[side]])
        order = [pl.col("vetoed").not_(), pl.col("total")]
        picks[side] = both.sort(order, descending=side == "best", maintain_order=True).group_by(
            "subject_id", maintain_order=True).first()
    low = picks["worst"].rename({"total": "lowest", "grade": "grade_low", "vetoed": "vetoed_low"})
    high = picks["best"].rename({"total": "highest", "grade": "grade_high", "vetoed": "vetoed_high"})
    kept = picks["keeps"].rename({"total": "keeps", "grade": "grade_keeps", "vetoed": "vetoed_keeps"})
    rank = {g.id: i for i, g in enumerate(ruleset.grades)}

    def within(col: str, vetoed: str) -> Any:
        return (pl.col(col).replace_strict(rank, return_dtype=pl.Int64) <= rank[warn]) & pl.col(vetoed).not_()

    ids = pop.tables["subjects"].select("subject_id")
    frame = (ids.join(low, on="subject_id", how="inner", maintain_order="left")
             .join(high, on="subject_id", how="inner", maintain_order="left")
             .join(kept, on="subject_id", how="inner", maintain_order="left")
             .with_columns(pl.when(within("grade_low", "vetoed_low")).then(pl.lit("secure"))
                           .when(within("grade_keeps", "vetoed_keeps")).then(pl.lit("on_track"))
                           .when(within("grade_high", "vetoed_high")).then(pl.lit("at_risk"))
                           .otherwise(pl.lit("out_of_reach")).alias("status")))
    return frame.with_columns(_grades_expr(pl, ruleset).alias("grades"))


def _grades_expr(pl: Any, ruleset: RuleSet) -> Any:
    """:func:`.single.grades_between` over columns: the grades whose band meets [lowest, highest], best first."""
    parts = []
    upper = float("inf")
    for g in ruleset.grades:
        meets = ((pl.col("highest") >= float(g.at_least)) & (pl.col("lowest") < upper)) | (pl.col("grade_low") == g.id)
        parts.append(pl.when(meets).then(pl.lit(g.id)))
        upper = float(g.at_least)
    return (pl.when(pl.col("vetoed_high")).then(pl.lit(ruleset.grades[-1].id))
            .otherwise(pl.concat_str(parts, separator=",", ignore_nulls=True)))
