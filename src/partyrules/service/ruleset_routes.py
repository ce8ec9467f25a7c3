"""The rule-set endpoints: every loaded version with its dates and whether it is in force, validating a posted rule
set, and running a posted rule set against its posted YAML test cases (as ``partyrules test`` does).

A posted rule set's includes resolve inside the service's rule-set directory only; nothing posted is written
anywhere, and the case file's own ``ruleset:`` is not read (the posted rule set is the one tested).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Query

from ..errors import PartyRulesError, RuleSetError
from ..periods import Period
from ..rulesets.caselint import lint_case_file
from ..rulesets.cases import CaseFile
from ..rulesets.lint import lint_ruleset
from ..rulesets.loader import loads_ruleset
from ..rulesets.model import RuleSet
from ..rulesets.versions import covers, effective_range
from ..rulesets.yamlsafe import load_yaml
from ..testing.cases import CaseResult, rule_coverage, run_case
from .common import bad_input, parse_period, problem, require
from .config import MAX_CASES, ServiceConfig
from .models import (
    CaseOut,
    Outcome,
    RuleSetInfo,
    RuleSetTestRequest,
    RuleSetTestResponse,
    ValidateRequest,
    ValidateResponse,
)

_POSTED, _POSTED_CASES = "<posted>", "<posted cases>"


def _in_force(rs: RuleSet, period: Period | None, today: date) -> bool:
    days = effective_range(rs)
    if period is not None:
        return covers(days, period)
    start, until = days
    return start <= today and (until is None or today <= until)


def ruleset_info(rs: RuleSet, in_force: bool) -> RuleSetInfo:
    eff = rs.spec.effective
    return RuleSetInfo(id=rs.id, version=rs.version, content_hash=rs.content_hash, subject_kind=rs.subject_kind,
                       title_zh=rs.title_zh, title_en=rs.title_en,
                       effective_from=eff.from_.isoformat() if eff else None,
                       effective_until=eff.until.isoformat() if eff and eff.until else None, in_force=in_force)


def _case_out(r: CaseResult) -> CaseOut:
    return CaseOut(index=r.index if r.index is not None else -1, name=r.name, location=str(r.location),
                   outcome=cast(Outcome, r.outcome), problems=list(r.problems),
                   total=r.breakdown.total if r.breakdown is not None else None)


def run_posted(config: ServiceConfig, req: RuleSetTestRequest) -> RuleSetTestResponse:
    """Load the posted rule set and case file, check both, run every valid case and measure rule coverage."""
    try:
        rs = loads_ruleset(req.ruleset, file=_POSTED, root=config.rulesets_dir)
    except RuleSetError as exc:
        return RuleSetTestResponse(valid=False, diagnostics=[d.to_dict() for d in exc.diagnostics])
    head = RuleSetTestResponse(valid=False, id=rs.id, version=rs.version, content_hash=rs.content_hash,
                               diagnostics=[])
    try:
        doc = load_yaml(req.cases, _POSTED_CASES)
    except RuleSetError as exc:
        return head.model_copy(update={"diagnostics": [d.to_dict() for d in exc.diagnostics]})
    if isinstance(doc.data, dict):
        doc.data.setdefault("ruleset", _POSTED)  # the case file may leave it out: the posted rule set is meant
        cases = doc.data.get("cases")
        if isinstance(cases, list) and len(cases) > MAX_CASES:
            raise bad_input(("body", "cases"), "too_long", f"at most {MAX_CASES} cases")
    lint = lint_case_file(doc, rs)
    diagnostics = [d.to_dict() for d in lint.file]
    if any(d.severity == "error" for d in lint.file):
        return head.model_copy(update={"diagnostics": diagnostics})
    cf = CaseFile(Path(_POSTED_CASES), doc, rs, list(enumerate(doc.data["cases"])))
    results = []
    for i, case in cf.cases:
        if i in lint.cases:
            name = case.get("name") if isinstance(case, dict) else None
            results.append(CaseResult(_POSTED_CASES, str(name or f"case {i + 1}"), doc.location(("cases", i)),
                                      [d.format() for d in lint.cases[i]], diagnostics=lint.cases[i], index=i))
        else:
            results.append(run_case(cf, i, case))
    coverage = rule_coverage(rs, [r.breakdown for r in results if r.breakdown is not None])
    outcomes = [r.outcome for r in results]
    return head.model_copy(update={
        "valid": True, "diagnostics": diagnostics, "passed": outcomes.count("passed"),
        "failed": outcomes.count("failed"), "invalid": outcomes.count("invalid"),
        "cases": [_case_out(r) for r in results], "coverage": coverage.to_dict()})


def rulesets_router(config: ServiceConfig) -> APIRouter:
    """GET /rulesets (read), POST /rulesets/validate and POST /rulesets/test (administer)."""
    router = APIRouter(prefix="/rulesets", tags=["rule sets / 规则集"])
    reader, admin = (Depends(require(config, r)) for r in ("read", "administer"))

    @router.get("", dependencies=[reader], summary="Every rule set loaded, in force or not / 规则集及其生效状态")
    def list_rulesets(period: Annotated[str | None, Query(
            max_length=40, description="The period to check (default: today) / 考核期 (默认今天)",
            examples=["2025"])] = None) -> list[RuleSetInfo]:
        when = parse_period(period, ("query", "period")) if period is not None else None
        today = datetime.now(UTC).date()
        return [ruleset_info(rs, _in_force(rs, when, today)) for rs in config.rulesets]

    @router.post("/validate", dependencies=[admin], summary="Validate a rule set / 校验规则集")
    def validate(req: ValidateRequest) -> ValidateResponse:
        try:
            rs = loads_ruleset(req.yaml, file=_POSTED, root=config.rulesets_dir)
        except RuleSetError as exc:
            return ValidateResponse(valid=False, diagnostics=[d.to_dict() for d in exc.diagnostics])
        except PartyRulesError as exc:
            raise problem(exc) from exc
        found = lint_ruleset(rs)
        return ValidateResponse(valid=not any(d.severity == "error" for d in found), id=rs.id, version=rs.version,
                                content_hash=rs.content_hash, diagnostics=[d.to_dict() for d in found])

    @router.post("/test", dependencies=[admin], summary="Run a rule set's test cases / 运行规则集测试用例")
    def test_ruleset(req: RuleSetTestRequest) -> RuleSetTestResponse:
        try:
            return run_posted(config, req)
        except PartyRulesError as exc:
            raise problem(exc) from exc

    return router
