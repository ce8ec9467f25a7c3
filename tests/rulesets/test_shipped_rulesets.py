"""The shipped rule sets against ../shared/policy/acceptance-checks.md: exact counts, names and seed texts."""

from __future__ import annotations

import json

import pytest

import partyrules as pr
from partyrules.cli import main
from partyrules.shipped_rulesets import SHIPPED, shipped_ruleset_path


def load(key: str) -> pr.RuleSet:
    return pr.load_ruleset(shipped_ruleset_path(key))


@pytest.mark.parametrize("key,counts", [
    ("branch", {"dimensions": 5, "standards": 21, "deductions": 24, "vetoes": 9}),
    ("in_service", {"dimensions": 5, "standards": 19, "deductions": 22, "vetoes": 5}),
    ("retired", {"dimensions": 4, "standards": 13, "deductions": 15, "vetoes": 5}),
    ("new_citizen", {"dimensions": 7, "standards": 28, "deductions": 28, "vetoes": 5}),
    ("community", {"dimensions": 6, "standards": 6, "deductions": 0, "vetoes": 0}),
])
def test_counts_through_inspect(capsys, key, counts):
    assert main(["inspect", str(shipped_ruleset_path(key)), "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert {k: info[k] for k in counts} == counts


def test_branch_index_dimensions_and_verbatim_vetoes():
    rs = load("branch")
    assert [d.zh for d in rs.dimensions] == ["政治向心力", "大局保障力", "队伍管控力", "资源统筹力", "群众粘合力"]
    texts = {v.spec.zh for v in rs.vetoes}
    assert "看齐意识差,政治方向出现偏差" in texts
    assert "推动中心工作中不作为、慢作为,造成不良后果" in texts
    assert rs.max_points == 100


@pytest.mark.parametrize("key,names", [
    ("in_service", {"政治行为先进", "本职工作先进", "为民服务先进"}),
    ("retired", {"发挥余热先进", "社会声誉先进"}),
    ("new_citizen", {"拆迁安置先进", "院落自治先进"}),
])
def test_member_indices_share_the_five_vetoes(key, names):
    rs = load(key)
    assert names <= {d.zh for d in rs.dimensions}
    assert rs.max_points == 100
    vetoes = {v.id: v.spec.zh for v in rs.vetoes}
    assert sorted(vetoes) == ["MV1", "MV2", "MV3", "MV4", "MV5"]
    assert vetoes["MV1"] == "遇事临阵退缩,关键时刻不敢站出来,造成较大负面影响"
    assert any(f.endswith("member-vetoes.yaml") for f in rs.files)


def test_six_star_names_and_level():
    rs = load("community")
    stars = ["班子建设星", "党员队伍星", "工作机制星", "社区服务星", "群众满意星", "发展经济星"]
    assert [d.zh for d in rs.dimensions] == stars
    assert rs.max_points == 6 and [g.at_least for g in rs.grades] == [6, 5, 4, 3, 2, 1, 0]


@pytest.mark.parametrize("key", sorted(SHIPPED))
def test_every_item_is_bilingual_and_sourced(key):
    rs = load(key)
    for rule in rs.rules:
        sp = rule.spec
        assert sp.zh.strip() and sp.en.strip() and sp.source.strip(), rule.id
        # a source names a seed file (000-004) or says it is a completion
        assert sp.source[:3] in {"000", "001", "002", "003", "004"} or "completion" in sp.source, (
            rule.id, sp.source)


@pytest.mark.parametrize("key", ["in_service", "retired", "new_citizen", "branch"])
def test_unverified_incidents_of_every_kind_change_nothing(key):
    """Fairness: no rule of a shipped rule set can see an unverified incident, whatever its kind."""
    from partyrules.facts import incident_kinds
    from partyrules.synthetic import generate_subdistrict

    area = generate_subdistrict(seed=3, communities=2, organisations=4, members=40)
    subjects = area.branches if key == "branch" else [m for m in area.members if m.member.category == key]
    facts = subjects[0]
    rs = load(key)
    base = pr.evaluate(rs, facts, period="2026")
    kinds = sorted(incident_kinds("member" if key != "branch" else "branch"))
    rumours = tuple(pr.Incident(incident_id=f"U{i}", subject_kind="member" if key != "branch" else "branch",
                                subject_id=facts.subject_id, kind=k, occurred_on="2026-06-01", severity="serious",
                                consequence="较大负面影响", verified=False, evidence_ref="rumour")
                    for i, k in enumerate(kinds))
    with_rumours = facts.model_copy(update={"incidents": (*facts.incidents, *rumours)})
    assert pr.evaluate(rs, with_rumours, period="2026").to_json() == base.to_json()
