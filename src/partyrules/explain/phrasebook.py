"""The words evidence is told in: a Chinese and an English label for every fact field rules read, for the values
they compare with, and for the lists they aggregate.

A label names what the field measures as a member or a branch secretary would say it ("按时交纳党费" / "dues paid
on time"), not how it is spelled in the data. A field missing here is still shown readably (its name with spaces),
and tests/results/test_render.py checks that every field the shipped rule sets read has a label in both languages.
"""

from __future__ import annotations

from ..facts.kinds import describe_incident_kind, is_incident_kind

# field name (the last part of a dotted name, or the whole dotted name) -> (zh, en)
FIELDS: dict[str, tuple[str, str]] = {
    # member
    "health_limited": ("身体状况受限", "health-limited"),
    "is_organ_staff": ("机关党员", "works in an organ"),
    "placard_displayed": ("挂牌亮身份", "Party identity shown at home"),
    "cards": ("已建立的卡片", "cards on file"),
    "registered_with_community_on": ("到居住社区报到日期", "registered with the residence community on"),
    "linked_household_ids": ("联系户", "linked households"),
    "roles": ("担任的网格角色", "grid roles held"),
    "hardship_certified": ("困难认定", "certified hardship"),
    # branch
    "member_count": ("党员人数", "members"),
    "formal_member_count": ("正式党员人数", "formal members"),
    "has_committee": ("设有支部委员会", "has a branch committee"),
    "committee_size": ("支部委员人数", "committee members"),
    "committee_complete": ("支部班子健全", "committee complete"),
    "secretary_id": ("支部书记", "secretary"),
    "secretary_vacant_since": ("书记出缺起始日期", "secretary post vacant since"),
    "flagged_weak_and_lax": ("被列为软弱涣散党组织", "listed as weak and lax"),
    "cadre_profile_ok": ("班子结构合理", "committee profile sound"),
    "households_covered": ("联系覆盖户数", "households covered"),
    "joint_building_activities": ("共驻共建活动次数", "joint-building activities"),
    # community
    "cadre_supervision_mechanism": ("干部监督机制", "cadre supervision mechanism"),
    "employment_training_sessions": ("就业培训次数", "employment training sessions"),
    "five_ones_completion_rate": ("“五个一”完成率", "completion rate of the five 'ones'"),
    "joint_meeting_system": ("联席会议制度", "joint meeting system"),
    "market_operated_projects": ("市场化运作项目数", "market-operated projects"),
    "mass_orgs_present": ("已建立的群团组织", "mass organisations present"),
    "member_council_active": ("党员议事会正常运行", "members' council active"),
    "post_responsibility_active": ("设岗定责正常运行", "posts with duties in operation"),
    "satisfaction_residents": ("群众满意率", "residents' satisfaction"),
    "satisfaction_units": ("驻区单位满意率", "resident units' satisfaction"),
    "service_investment_channels": ("服务投入渠道数", "service funding channels"),
    "service_network_online": ("服务网络上线", "service network online"),
    "service_projects": ("服务项目数", "service projects"),
    "service_station": ("服务站", "service station"),
    "services_present": ("已开展的服务", "services offered"),
    "vulnerable_group_service": ("困难群体服务", "service for vulnerable groups"),
    # annual evaluation
    "democratic_review_held": ("召开民主评议", "democratic review held"),
    "employer_appraisal": ("单位年度考核结果", "employer's annual appraisal"),
    "org_life_meeting_held": ("召开组织生活会", "organisational-life meeting held"),
    "satisfaction_rate": ("群众满意度", "residents' satisfaction"),
    # monthly records (members and branches)
    "excused_absences": ("请假次数", "excused absences"),
    "study_sessions_required": ("应参加集中学习次数", "study sessions required"),
    "study_sessions_attended": ("参加集中学习次数", "study sessions attended"),
    "study_sessions_held": ("组织集中学习次数", "study sessions held"),
    "notes_submitted": ("学习笔记或心得篇数", "study notes handed in"),
    "dues_paid_on_time": ("按时交纳党费", "dues paid on time"),
    "dues_collected_in_full": ("党费足额收缴", "dues collected in full"),
    "volunteer_hours": ("志愿服务时长(小时)", "volunteering hours"),
    "community_activities": ("参加社区活动次数", "community activities"),
    "households_contacted": ("走访联系户数", "linked households contacted"),
    "households_linked": ("党员联系户数", "households linked to members"),
    "difficulties_resolved": ("帮助解决困难件数", "difficulties resolved"),
    "suggestions_made": ("合理化建议条数", "suggestions made"),
    "policy_promotion_events": ("政策宣传次数", "policy promotion activities"),
    "post_duty_performed": ("履行岗位职责", "post duty carried out"),
    "tasks_assigned": ("分配的任务数", "tasks assigned"),
    "tasks_completed": ("完成的任务数", "tasks completed"),
    "spot_check_passed": ("通过随机抽查", "spot check passed"),
    "youth_care_activities": ("关心下一代活动次数", "youth care activities"),
    "mediation_cases": ("调解矛盾件数", "disputes mediated"),
    "property_fee_paid": ("按时交纳物业费", "property fee paid"),
    "resettlement_milestones_met": ("按期完成安置节点", "resettlement milestones met"),
    "courtyard_meetings_attended": ("参加院落会议次数", "courtyard meetings attended"),
    "training_sessions": ("参加技能培训次数", "training sessions"),
    "activists_count": ("入党积极分子人数", "activists in training"),
    "attendance_rate": ("党员参会率", "members' attendance rate"),
    "cards_complete_members": ("四卡齐全党员人数", "members with all four cards"),
    "central_tasks_assigned": ("承担的中心工作任务数", "central tasks assigned"),
    "central_tasks_completed": ("完成的中心工作任务数", "central tasks completed"),
    "commitments_fulfilled": ("兑现的承诺事项数", "commitments fulfilled"),
    "commitments_total": ("承诺事项数", "commitments made"),
    "directives_received": ("收到的上级部署数", "directives received"),
    "directives_relayed_on_time": ("按时传达的上级部署数", "directives relayed on time"),
    "disputes_found": ("排查出的矛盾纠纷数", "disputes found"),
    "disputes_resolved": ("化解的矛盾纠纷数", "disputes resolved"),
    "inservice_members_registered": ("已报到的在职党员人数", "in-service members registered"),
    "inservice_members_residing": ("居住在辖区的在职党员人数", "in-service members residing"),
    "inservice_members_with_posts": ("认领岗位的在职党员人数", "in-service members holding posts"),
    "issues_collected": ("收集的群众诉求数", "residents' issues collected"),
    "issues_resolved_on_time": ("按时办结的群众诉求数", "issues resolved on time"),
    "joint_agreements_active": ("有效的共建协议数", "joint-building agreements in force"),
    "joint_meetings_held": ("召开联席会议次数", "joint meetings held"),
    "practical_deeds_done": ("为群众办实事件数", "practical deeds done"),
    "public_disclosure_done": ("党务公开", "Party affairs disclosed"),
    "report_submitted": ("按时报送材料", "report submitted"),
    "reserve_cadres_count": ("后备干部人数", "reserve cadres"),
    "volunteer_activities": ("志愿服务活动次数", "volunteer activities"),
    # items of other lists
    "accepted": ("已验收", "accepted"),
    "accepted_on": ("验收日期", "acceptance date"),
    "accepted_by": ("验收人", "acceptor"),
    "responsible_id": ("责任人", "responsible person"),
    "member_id": ("党员本人", "the member"),
    "serves_item_id": ("对应的支部清单事项", "branch item served"),
    "task": ("点名任务", "named task"),
    "branch_type": ("党支部类型", "branch type"),
    "post_appraisal": ("设岗定责年底评议等次", "year-end post appraisal"),
    "post_summary_done": ("岗位履职年底汇总", "year-end summary of post duties"),
    "due": ("到期日", "due date"),
    "active": ("在岗", "active"),
    "kind": ("类型", "kind"),
    "severity": ("严重程度", "severity"),
    "consequence": ("处理结果", "consequence"),
    "size": ("人数", "size"),
    "households": ("户数", "households"),
    "grid_worker_ids": ("网格员", "grid workers"),
    "branch_id": ("党支部", "Party branch"),  # of a grid: its grid branch (SC3B)
}

# meetings_required.X / meetings_attended.X / meetings_held.X: the meeting and what is counted of it
MEETINGS: dict[str, tuple[str, str]] = {
    "member_meeting": ("党员大会", "member meetings"),
    "committee_meeting": ("支委会", "committee meetings"),
    "group_meeting": ("党小组会", "group meetings"),
    "party_lecture": ("党课", "Party lectures"),
    "theme_day": ("主题党日", "Party theme days"),
    "org_life_meeting": ("组织生活会", "organisational-life meetings"),
    "democratic_review": ("民主评议党员", "democratic reviews"),
}
MEETING_COUNTS: dict[str, tuple[str, str]] = {
    "meetings_required": ("应参加{m}次数", "{m} required"),
    "meetings_attended": ("参加{m}次数", "{m} attended"),
    "meetings_held": ("召开{m}次数", "{m} held"),
}

# values compared with enumerated fields and lists (incident kinds are labelled by the incident-kind registry)
VALUES: dict[str, tuple[str, str]] = {
    "excellent": ("优秀", "excellent"), "competent": ("称职", "competent"),
    "basically_competent": ("基本称职", "basically competent"), "incompetent": ("不称职", "incompetent"),
    "lead_resettlement": ("带头拆迁安置", "lead in resettlement"),
    "lead_property_fee": ("带头缴纳物业管理费", "lead in paying the property fee"),
    "lead_stop_illegal_building": ("带头制止乱搭违建", "lead in stopping illegal building"),
    "mobile": ("流动党员", "mobile member"),
    "minor": ("一般", "minor"), "major": ("较重", "major"), "serious": ("严重", "serious"),
    "commendation": ("受到表彰", "commendation"),
    "stood_against_obstruction": ("挺身抵制阻挠", "stood against obstruction"),
    "stopped_illegal_building": ("带头制止违建", "stopped an illegal building"),
    "admonishment": ("诫勉谈话", "admonishment"),
    "mediator": ("调解员", "mediator"), "policy_promoter": ("政策宣传员", "policy promoter"),
    "grid_worker": ("网格员", "grid worker"), "building_head": ("楼栋长", "building head"),
    "unit_head": ("单元长", "unit head"), "group_leader": ("小组长", "group leader"),
    "opinion_collector": ("民意收集员", "opinion collector"), "security_patrol": ("治安巡逻员", "security patrol"),
    "environment_monitor": ("环境监督员", "environment monitor"), "volunteer_server": ("志愿服务员", "volunteer"),
    "courtyard_council": ("院落议事会", "courtyard council"),
    "union": ("工会", "trade union"), "youth_league": ("共青团", "Youth League"),
    "womens_federation": ("妇联", "Women's Federation"), "elderly_association": ("老年协会", "elders' association"),
    "elderly_care": ("养老服务", "elderly care"), "childcare": ("托幼服务", "childcare"),
    "convenience": ("便民服务", "convenience services"), "culture": ("文化服务", "culture"),
    "health": ("健康服务", "health"), "medical": ("医疗服务", "medical care"),
    "housekeeping": ("家政服务", "housekeeping"), "employed": ("已就业", "employed"),
    "entrepreneur": ("创业", "self-employed"), "collective_economy": ("集体经济", "collective economy"),
    "basic_info": ("党员基本情况卡", "basic information card"),
    "activity_record": ("活动记录卡", "activity record card"),
    "community_performance": ("社区表现卡", "community performance card"),
    "community_feedback": ("社区表现反馈卡", "community feedback card"),
    "per_team": ("每支队伍", "per team"), "total": ("合计", "in total"),
}

# what an aggregation counts: (zh measure word, zh noun, en plural)
SOURCES: dict[str, tuple[str, str, str]] = {
    "records": ("个月", "月份", "months"),
    "incidents": ("起", "事件", "incidents"),
    "commendations": ("项", "表彰", "commendations"),
    "checklist": ("项", "清单事项", "checklist items"),
    "claimed_posts": ("个", "认领岗位", "posts held"),
    "volunteer_teams": ("支", "志愿服务队", "volunteer teams"),
    "grids": ("个", "网格", "grids"),
}

PERIOD: dict[str, tuple[str, str]] = {
    "months": ("本期月数", "months in the period"),
    "start": ("本期开始日期", "start of the period"),
    "end": ("本期结束日期", "end of the period"),
}


def field_label(path: tuple[str, ...], lang: str, scope: str = "subject") -> str:
    """The label of a field, by its path inside its fact (``("meetings_attended", "theme_day")``)."""
    i = 0 if lang == "zh" else 1
    if scope == "period" and path and path[-1] in PERIOD:
        return PERIOD[path[-1]][i]
    if len(path) == 2 and path[0] in MEETING_COUNTS and path[1] in MEETINGS:
        return MEETING_COUNTS[path[0]][i].format(m=MEETINGS[path[1]][i])
    dotted = ".".join(path)
    if dotted in FIELDS:
        return FIELDS[dotted][i]
    if path and path[-1] in FIELDS:
        return FIELDS[path[-1]][i]
    return dotted.replace("_", " ").replace(".", " ")  # readable, though not translated


def has_label(path: tuple[str, ...], scope: str = "subject") -> bool:
    if scope == "period":
        return bool(path) and path[-1] in PERIOD
    return (len(path) == 2 and path[0] in MEETING_COUNTS and path[1] in MEETINGS) or ".".join(path) in FIELDS \
        or (bool(path) and path[-1] in FIELDS)


def value_label(value: str, lang: str, subject_kind: str = "member") -> str:
    """The label of an enumerated value: an incident kind by the registry, others by the table."""
    i = 0 if lang == "zh" else 1
    if value in VALUES:
        return VALUES[value][i]
    for kind in (subject_kind, "member", "branch", "community"):
        # ask first: describe_incident_kind's error for an unknown kind computes a spelling suggestion, which
        # cost most of an evaluation when every breakdown line looked up its values that way
        if kind not in ("member", "branch", "community") or not is_incident_kind(kind, value):
            continue
        info = describe_incident_kind(kind, value)
        return info.zh if lang == "zh" else info.en
    return value.replace("_", " ")
