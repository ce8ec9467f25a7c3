"""A rule set as one zen-engine decision (JDM) that returns the subject's total, aggregation included.

The graph is a chain: an expression node computes every rule's points (each rounded to 6 decimals, as partyrules
rounds each line), a decision-table node per ``bands`` standard turns its value into points (first hit), an
expression node takes each dimension's subtotal (standards less deductions, floored at 0, at most the dimension's
maximum) and the last node outputs only the total (0 when a veto zeroes it), so no input is copied back.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from partyrules.rulesets.model import RuleSet

from .translate import Dialect, Translator, band_steps, band_value, deduction_amount, standard_points, veto_test


def key(rule_id: str) -> str:
    return "r_" + rule_id.replace(".", "_")


def _expr_node(node_id: str, pairs: list[tuple[str, str]], *, pass_through: bool) -> dict[str, Any]:
    return {"id": node_id, "type": "expressionNode", "name": node_id, "position": {"x": 0, "y": 0},
            "content": {"expressions": [{"id": f"{node_id}{i}", "key": k, "value": v}
                                        for i, (k, v) in enumerate(pairs)],
                        "passThrough": pass_through, "inputField": None, "outputPath": None,
                        "executionMode": "single"}}


def _table_node(node_id: str, field: str, out: str, steps: list[tuple[float, float]]) -> dict[str, Any]:
    rules = [{"_id": f"{node_id}r{i}", "i": f">= {at}", "o": repr(points)} for i, (at, points) in enumerate(steps)]
    rules.append({"_id": f"{node_id}rz", "i": "", "o": "0"})
    return {"id": node_id, "type": "decisionTableNode", "name": node_id, "position": {"x": 0, "y": 0},
            "content": {"hitPolicy": "first", "passThrough": True, "inputField": None, "outputPath": None,
                        "executionMode": "single", "inputs": [{"id": "i", "name": field, "field": field}],
                        "outputs": [{"id": "o", "name": out, "field": out}], "rules": rules}}


def _binding_nodes(tr: Translator) -> list[dict[str, Any]]:
    """The aggregations, each computed once (in order: a month list is read by the aggregation after it)."""
    assert tr.bindings is not None
    names = list(tr.bindings.values())
    nodes = []
    done: set[str] = set()
    while names:  # a node per round of aggregations whose bound inputs are computed by earlier nodes
        ready = [(n, e) for n, e in names if not any(re.search(rf"\b{other}\b", e) for other, _ in names
                                                      if other != n and other not in done)]
        if not ready:
            raise NotImplementedError("aggregations that read each other in a cycle")
        nodes.append(_expr_node(f"aggs{len(nodes)}", ready, pass_through=True))
        done.update(n for n, _ in ready)
        names = [x for x in names if x[0] not in done]
    return nodes


def decision(rs: RuleSet) -> dict[str, Any]:
    """The JDM document of ``rs``."""
    tr = Translator(rs, Dialect(), bind=True)
    rules: list[tuple[str, str]] = []
    tables = []
    for s in rs.standards:
        if s.method == "bands":
            rules.append(("b" + key(s.id), band_value(tr, s)))
            tables.append(_table_node("t" + key(s.id), "b" + key(s.id), key(s.id), band_steps(s)))
        else:
            rules.append((key(s.id), f"round({standard_points(tr, s)}, 6)"))
    for k in rs.deductions:
        rules.append((key(k.id), f"round({deduction_amount(tr, k)}, 6)"))
    for v in rs.vetoes:
        rules.append((key(v.id), veto_test(tr, v)))
    dims = []
    for d in rs.dimensions:
        earned = " + ".join([key(s.id) for s in rs.standards if s.dimension == d.id] or ["0"])
        taken = " + ".join([key(k.id) for k in rs.deductions if k.dimension == d.id] or ["0"])
        dims.append(("d_" + d.id.replace(".", "_"),
                     f"round(min([{float(d.max)!r}, max([0, ({earned}) - ({taken})])]), 6)"))
    total = "round(" + " + ".join(k for k, _ in dims) + ", 6)"
    vetoed = " or ".join(key(v.id) for v in rs.vetoes) or "false"
    if rs.spec.veto_effect == "zero_total":
        total = f"({vetoed}) ? 0 : {total}"
    nodes = [{"id": "in", "type": "inputNode", "name": "in", "position": {"x": 0, "y": 0}},
             *_binding_nodes(tr), _expr_node("rules", rules, pass_through=True), *tables,
             _expr_node("dims", dims, pass_through=True),
             _expr_node("total", [("total", total), ("vetoed", vetoed)], pass_through=False),
             {"id": "out", "type": "outputNode", "name": "out", "position": {"x": 0, "y": 0}}]
    edges = [{"id": f"e{i}", "sourceId": a["id"], "targetId": b["id"], "type": "edge"}
             for i, (a, b) in enumerate(itertools.pairwise(nodes))]
    return {"nodes": nodes, "edges": edges}


def decision_json(rs: RuleSet) -> str:
    return json.dumps(decision(rs), ensure_ascii=False)
