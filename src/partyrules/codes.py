"""The one registry of error and diagnostic codes, in Chinese and English.

Every code the package raises or reports is here: the error classes' own codes (``PR...``) and the codes of the
diagnostics a rule set, an expression, a reform, a targets file or a case file can get (``RS``, ``EX``, ``RF``,
``ST``, ``TC``). Each entry says what kind it is (the error class that carries it, or ``diagnostic`` for a finding
of the linter or the case-file checker that is reported rather than raised), its severity where it has one, a
title in both languages and, where one helps, a hint in both.

Commands use it to speak Chinese about problems whose message is built in English (``--lang zh``), and
docs/errors.md is generated from it (:func:`errors_markdown`; ``python -m partyrules.codes`` prints it), so the
list cannot drift from the code: tests check every code literal in the source is registered and every registered
code is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .errors import Diagnostic

Severity = Literal["error", "warning"]

# the kinds of the rule-set loader's diagnostics: the class each is raised as (rulesets.problems.error_class)
_SYNTAX, _LIMIT, _INCLUDE, _SCHEMA, _EXPR = ("RuleSetSyntaxError", "RuleSetLimitError", "IncludeError",
                                             "RuleSetSchemaError", "ExpressionError")
DIAGNOSTIC = "diagnostic"


@dataclass(frozen=True, slots=True)
class Code:
    """One code: what kind it is, how severe, a title and a hint in English and Chinese."""

    code: str
    kind: str  # the error class that carries it, or "diagnostic" (a finding reported, not raised)
    severity: Severity | None
    en: str
    zh: str
    hint_en: str | None = None
    hint_zh: str | None = None

    def title(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en

    def hint(self, lang: str = "en") -> str | None:
        return self.hint_zh if lang == "zh" else self.hint_en


def _c(code: str, kind: str, severity: Severity | None, en: str, zh: str, hint_en: str | None = None,
       hint_zh: str | None = None) -> Code:
    return Code(code, kind, severity, en, zh, hint_en, hint_zh)


_E: Severity = "error"
_W: Severity = "warning"

_ALL: tuple[Code, ...] = (
    # -- errors raised as exceptions (the code is the class's) ------------------------------------------------
    _c("PR000", "PartyRulesError", None, "an expected failure of partyrules", "partyrules 的预期错误"),
    _c("PR010", "ParameterError", None, "unknown parameter or a value of the wrong type", "参数未知或取值类型错误",
       "see the rule set's params (partyrules inspect)", "查看规则集的参数(partyrules inspect)"),
    _c("PR020", "FactError", None, "invalid facts", "事实数据无效",
       "see the fact schema: partyrules schema", "查看事实数据结构: partyrules schema"),
    _c("PR030", "EvaluationError", None, "facts and rule set cannot be evaluated together",
       "事实数据与规则集无法一起评估"),
    _c("PR031", "NotApplicableError", None, "the rule set does not apply to this subject", "规则集不适用于该对象"),
    _c("PR032", "ForeignConductError", None, "the facts carry another subject's item", "事实数据含有其他对象的条目",
       "only a subject's own conduct is assessed", "只评价本人的行为"),
    _c("PR033", "NotInForceError", None, "the period is outside the rule set's effective dates",
       "评估期不在规则集的有效期内", "choose a period within 'effective'", "选择有效期内的评估期"),
    _c("PR040", "PopulationError", None, "the population cannot be taken as given", "人员数据无法按原样使用",
       "check the tables and their columns", "检查数据表及其列"),
    _c("PR050", "LedgerError", None, "the ledger refused the request", "台账拒绝了该请求"),
    _c("PR051", "LedgerNotFoundError", None, "no ledger entry has this id", "台账中没有该编号的记录"),
    _c("PR052", "LedgerStateError", None, "the request is not allowed in the current state", "当前状态下不允许该操作"),
    _c("PR053", "ObjectionsPendingError", None, "objections are still open", "仍有未处理的异议",
       "decide the open objections first", "先处理未决异议"),
    _c("PR054", "PeriodFinalisedError", None, "the period's results are final", "该期结果已定稿"),
    _c("PR055", "ReproductionError", None, "a stored result could not be reproduced", "已存结果无法复现"),
    _c("PR056", "LedgerIntegrityError", None, "the ledger fails verification", "台账校验未通过",
       "run partyrules audit verify", "运行 partyrules audit verify"),
    _c("PR057", "LedgerLockedError", None, "the ledger is locked by another connection", "台账被其他连接锁定",
       "retry later or raise the timeout", "稍后重试或延长等待时间"),
    _c("PR058", "LedgerReadOnlyError", None, "the ledger cannot be written", "台账不可写入",
       "open it read-only to read and verify", "以只读方式打开以读取和校验"),
    _c("PR059", "LedgerFullError", None, "the disk is full; nothing was written", "磁盘已满, 未写入任何内容"),
    _c("PR060", "RankingError", None, "the subjects to rank are invalid", "待排名的对象无效"),
    _c("PR061", "FundingError", None, "the funding allocation cannot be made as asked", "无法按要求分配经费"),
    _c("PR062", "NoEligibleError", None, "no branch is eligible for the pool", "没有支部符合经费分配条件"),
    _c("PR070", "FollowUpError", None, "the follow-up cannot be recorded as asked", "无法按要求记录后续处理"),
    _c("PR075", "NoticePeriodError", None, "the step is outside the notice's objection period",
       "该操作不在公示期内", "objections are accepted from the first to the last day of the period; a list is "
       "finalised only after it", "公示期内(首日至末日)方可提出异议; 公示期满后方可定稿"),
    _c("PR076", "AwardsError", None, "the recommendations cannot be made as asked", "无法按要求提出推荐",
       "check the criteria: shares between 0 and 1, quotas of 0 or more", "检查推荐条件: 比例在0到1之间, 名额不小于0"),
    _c("PR080", "ComparisonError", None, "the score tables cannot be compared as asked", "无法按要求比较得分表"),
    _c("PR090", "EngineError", None, "the rule engine misbehaved (a bug in partyrules)",
       "规则引擎出错(partyrules 的缺陷)",
       "please report it", "请报告此问题"),
    _c("PR100", "DistributedError", None, "distributed scoring cannot run as asked", "无法按要求进行分布式评分"),
    _c("PR101", "PartitionError", None, "a partition does not hold whole subjects", "数据分区未包含完整的对象"),
    _c("PR110", "CheckpointError", None, "the checkpoint, key or proof cannot be used", "检查点、密钥或证明无法使用"),
    _c("PR130", "ServiceError", None, "the decision service cannot do what was asked", "决策服务无法按要求处理"),
    _c("PR131", "KeysFileError", None, "the keys file cannot be used", "密钥文件无法使用",
       "make it with partyrules keys add NAME --role ROLE --file FILE", "用 partyrules keys add 生成密钥文件"),
    _c("PR132", "NotConfiguredError", None, "the service was started without what this needs",
       "服务启动时未配置此功能所需内容", "start it with the option named in the message", "按提示的选项重新启动服务"),
    _c("PR133", "SessionLimitError", None, "too many live sessions are open", "打开的实时会话过多",
       "close sessions you no longer need (DELETE /sessions/ID)", "关闭不再使用的会话"),
    _c("PR134", "SessionNotFoundError", None, "no live session has this id for this key",
       "该密钥下没有此编号的实时会话",
       "open a new session (POST /sessions)", "重新打开一个会话"),
    _c("PR150", "CalibrationError", None, "the calibration cannot run as asked (a bad target or range)",
       "无法按要求校准(目标或范围无效)", "see docs/calibrate.md for the target syntax", "目标写法见 docs/calibrate.md"),
    _c("PR151", "NoCalibrationError", None, "no cut-off or parameter value meets every target",
       "没有任何分数线或参数值能满足全部目标",
       "relax the target named, or search another cut-off or parameter", "放宽所列目标, 或改为校准其他分数线或参数"),
    _c("PR160", "OutlookError", None, "the mid-year outlook cannot be computed as asked",
       "无法按要求计算年中展望", "declare the direction (monotone) of every field the rules read, or pass directions",
       "为规则读取的每个字段声明方向(monotone), 或传入 directions"),
    # -- the rule-set loader ------------------------------------------------------------------------------------
    _c("RS000", "RuleSetError", _E, "the rule set cannot be read", "无法读取规则集"),
    _c("RS100", _SYNTAX, _E, "the text holds a lone surrogate character", "文本含有孤立的代理字符",
       "save the file as UTF-8", "以 UTF-8 保存文件"),
    _c("RS101", _SYNTAX, _E, "YAML tags are not allowed", "不允许使用 YAML 标签", "remove the tag", "删除该标签"),
    _c("RS102", _SYNTAX, _E, "YAML anchors are not allowed", "不允许使用 YAML 锚点",
       "write the value out, or use include:", "直接写出该值, 或使用 include:"),
    _c("RS103", _SYNTAX, _E, "a number out of range", "数值超出范围"),
    _c("RS104", _SYNTAX, _E, "a key that is not a string", "键不是字符串", "quote the key", "给键加引号"),
    _c("RS105", _SYNTAX, _E, "a duplicate key", "键重复", "give each key once", "每个键只写一次"),
    _c("RS106", _SYNTAX, _E, "more than one YAML document in the file", "文件中有多个 YAML 文档",
       "one rule set per file", "每个文件一个规则集"),
    _c("RS110", _LIMIT, _E, "the file is too large", "文件过大"),
    _c("RS111", _LIMIT, _E, "too many values in one file", "单个文件中的值过多"),
    _c("RS112", _LIMIT, _E, "nesting too deep", "嵌套层级过深"),
    _c("RS113", _LIMIT, _E, "too many files in one rule set", "一个规则集包含的文件过多"),
    _c("RS120", _INCLUDE, _E, "an include cannot be read", "无法读取包含的文件", "check the path", "检查路径"),
    _c("RS121", _INCLUDE, _E, "an include without a rule-set directory", "未指定规则集目录, 无法包含文件",
       "load the rule set from a file", "从文件加载规则集"),
    _c("RS122", _INCLUDE, _E, "an include must be a relative path inside the rule-set directory",
       "包含的文件须为规则集目录内的相对路径"),
    _c("RS123", _INCLUDE, _E, "a file is included twice", "同一文件被包含两次", "include each file once",
       "每个文件只包含一次"),
    _c("RS200", _SCHEMA, _E, "not a valid rule set (unknown key, wrong type or missing value)",
       "不是有效的规则集(未知键、类型错误或缺少值)", "see docs/rule-language.md", "参见 docs/rule-language.md"),
    _c("RS201", _SCHEMA, _E, "the file is a fragment: only a rule set can include it", "该文件是片段, 只能被规则集包含",
       "load the rule set that includes it", "加载包含它的规则集"),
    _c("RS301", _SCHEMA, _E, "a parameter is declared twice", "参数被重复声明"),
    _c("RS302", _SCHEMA, _E, "an unknown reference (dimension, rule or grade)", "引用未知(维度、规则或等次)"),
    _c("RS303", _SCHEMA, _E, "the standards of a dimension add up to less than its max",
       "维度下各标准分值之和小于其满分",
       "make the points sum to the max", "使分值之和等于满分"),
    _c("RS304", _SCHEMA, _E, "grades out of order", "等次顺序错误",
       "list grades from the highest at_least down to 0", "按 at_least 从高到低排列, 最后一个为 0"),
    _c("RS305", _SCHEMA, _E, "a cap below the points per occurrence", "扣分上限低于每次扣分",
       "raise the cap to at least the points", "将上限提高到不低于每次扣分"),
    _c("RS306", _SCHEMA, _E, "a dimension has no standards", "维度下没有标准"),
    _c("RS307", _SCHEMA, _E, "a monotone field is not numeric or true/false", "单调字段不是数值或真假值"),
    _c("RS308", _SCHEMA, _E, "the annual settings name something invalid", "年度设置引用了无效内容"),
    _c("RS309", _SCHEMA, _E, "an invalid actionable field", "可改进字段无效"),
    _c("RS310", _SCHEMA, _E, "a yearly rule reads period.months", "按年评估的规则读取了 period.months",
       "a yearly rule always sees 12 months", "按年规则总是 12 个月"),
    _c("RS311", _SCHEMA, _E, "the rule reads the annual evaluation but is not yearly",
       "规则读取年度评议, 但不是按年评估",
       "add due: yearly", "添加 due: yearly"),
    _c("RS312", _EXPR, _E, "a text placeholder names an unknown parameter", "文本占位符引用了未知参数",
       "use {params.NAME} with a declared parameter", "使用已声明参数的 {params.NAME}"),
    _c("RS401", _SCHEMA, _E, "the declared counts differ from the rule set", "声明的数量与规则集不符",
       "correct expect:", "更正 expect:"),
    # -- the linter (partyrules validate) ------------------------------------------------------------------------
    _c("RS501", DIAGNOSTIC, _E, "the declared maximum differs from the dimensions' maxima",
       "声明的满分与各维度满分之和不符"),
    _c("RS502", DIAGNOSTIC, _W, "the standards of a dimension add up to more than its max",
       "维度下各标准分值之和超过其满分"),
    _c("RS503", DIAGNOSTIC, _E, "no band gives the standard its full points", "没有任何档次给予该标准满分"),
    _c("RS504", DIAGNOSTIC, _W, "a deduction's cap is above its dimension's max", "扣分上限高于所在维度满分"),
    _c("RS510", DIAGNOSTIC, _E, "a condition can never be true", "条件永远不成立"),
    _c("RS511", DIAGNOSTIC, _W, "a condition is always true", "条件总是成立"),
    _c("RS512", DIAGNOSTIC, _E, "an amount can never be above 0", "数量永远不会大于 0"),
    _c("RS513", DIAGNOSTIC, _E, "a band can never be reached", "档次永远无法达到"),
    _c("RS514", DIAGNOSTIC, _E, "a parameter choice the rule set cannot take", "参数可选值不被规则集接受"),
    _c("RS515", DIAGNOSTIC, _W, "never true or never above 0 with the current parameter values",
       "按当前参数值永远不成立或永远不大于 0"),
    _c("RS516", DIAGNOSTIC, _W, "a ratio's denominator can never be above 0", "比例的分母永远不会大于 0"),
    _c("RS520", DIAGNOSTIC, _E, "two rules count the same items", "两条规则重复计算同一条目"),
    _c("RS521", DIAGNOSTIC, _W, "two rules can count the same item", "两条规则可能重复计算同一条目"),
    _c("RS530", DIAGNOSTIC, _W, "a parameter no rule reads", "参数未被任何规则读取"),
    _c("RS540", DIAGNOSTIC, _W, "a parameter or dimension without its texts or source", "参数或维度缺少说明或出处"),
    _c("RS541", DIAGNOSTIC, _W, "a text in the wrong language", "文本语言不符"),
    _c("RS542", DIAGNOSTIC, _W, "two items have the same text", "两个条目的文本相同"),
    _c("RS543", DIAGNOSTIC, _W, "a text writes out a parameter's value", "文本直接写出了参数的值",
       "write {params.NAME} so a reform keeps the text true", "改写为 {params.NAME}, 使改革后文本仍然准确"),
    _c("RS550", DIAGNOSTIC, _W, "a monotone field no rule reads", "单调字段未被任何规则读取"),
    _c("RS551", DIAGNOSTIC, _W, "an actionable field no rule reads", "可改进字段未被任何规则读取"),
    _c("RS560", DIAGNOSTIC, _W, "a standard does not say when it falls due", "标准未说明何时考核"),
    _c("RS561", DIAGNOSTIC, _W, "a standard gives full points without reading any fact", "标准不读取任何事实即给满分"),
    _c("RS570", DIAGNOSTIC, _E, "two versions of one rule set are in force on the same days",
       "同一规则集的两个版本有效期重叠", "end the earlier version the day before the later one starts",
       "让前一版本在后一版本生效前一天失效"),
    _c("RS571", DIAGNOSTIC, _E, "no version of a rule set is in force between two of its versions",
       "同一规则集的两个版本之间有空档期", "start the later version the day after the earlier one ends",
       "让后一版本在前一版本失效后一天生效"),
    # -- expressions ------------------------------------------------------------------------------------------
    _c("EX101", _EXPR, _E, "an unexpected character", "意外的字符"),
    _c("EX102", _EXPR, _E, "a name starting with '_'", "名称以 '_' 开头"),
    _c("EX103", _EXPR, _E, "an unknown escape in a string", "字符串中有未知的转义"),
    _c("EX104", _EXPR, _E, "an empty expression", "表达式为空"),
    _c("EX105", _EXPR, _E, "something expected is missing", "缺少预期的内容"),
    _c("EX106", _EXPR, _E, "text after a complete expression", "完整表达式之后还有内容"),
    _c("EX107", _EXPR, _E, "chained comparisons", "比较不能连写", "join the comparisons with and", "用 and 连接比较"),
    _c("EX108", _EXPR, _E, "a field name is missing after '.'", "'.' 之后缺少字段名"),
    _c("EX109", _EXPR, _E, "a value is expected", "此处应为一个值"),
    _c("EX110", _EXPR, _E, "the expression is too long", "表达式过长"),
    _c("EX111", _EXPR, _E, "the expression is nested too deeply", "表达式嵌套过深"),
    _c("EX201", _EXPR, _E, "a list holds values of different types", "列表中的值类型不一致"),
    _c("EX202", _EXPR, _E, "a name that needs a field", "该名称需要指定字段"),
    _c("EX203", _EXPR, _E, "not one of the listed values", "不是可选值之一"),
    _c("EX204", _EXPR, _E, "an unknown field", "未知字段"),
    _c("EX205", _EXPR, _E, "a list used as a value", "列表被当作单个值使用", "aggregate it: count(...), sum(...)",
       "使用聚合: count(...)、sum(...)"),
    _c("EX206", _EXPR, _E, "an unknown parameter", "未知参数"),
    _c("EX207", _EXPR, _E, "the value has no fields", "该值没有字段"),
    _c("EX208", _EXPR, _E, "an order comparison with none", "与 none 进行大小比较"),
    _c("EX209", _EXPR, _E, "'in' needs a list on the right", "'in' 右侧须为列表"),
    _c("EX210", _EXPR, _E, "a value of the wrong type", "值的类型错误"),
    _c("EX211", _EXPR, _E, "an aggregation without a list", "聚合缺少列表"),
    _c("EX212", _EXPR, _E, "an unknown function", "未知函数"),
    _c("EX213", _EXPR, _E, "date() needs one text like \"2026-01-31\"", "date() 需要一个形如 \"2026-01-31\" 的文本"),
    _c("EX214", _EXPR, _E, "nested aggregations", "聚合不能嵌套"),
    _c("EX215", _EXPR, _E, "a counting function given values", "计数函数被传入了数值"),
    _c("EX216", _EXPR, _E, "a number out of range", "数值超出范围"),
    # -- reforms -------------------------------------------------------------------------------------------------
    _c("RF100", "ReformError", _E, "the reform file cannot be read", "无法读取改革方案文件", "check the path",
       "检查路径"),
    _c("RF200", "ReformError", _E, "the reform file is not a mapping", "改革方案文件不是键值映射"),
    _c("RF201", "ReformError", _E, "an unknown key in the reform", "改革方案中有未知键"),
    _c("RF202", "ReformError", _E, "both steps: and top-level operations", "同时给出了 steps: 和顶层操作"),
    _c("RF203", "ReformError", _E, "an item that cannot be replaced", "该条目不能被替换"),
    _c("RF204", "ReformError", _E, "scale_deductions without reweight:", "给出了 scale_deductions 但没有 reweight:"),
    _c("RF300", "ReformError", _E, "the reform removes an item the rule set does not have",
       "改革方案删除了规则集中不存在的条目"),
    _c("RF301", "ReformError", _E, "the reform replaces an item with one of another kind", "改革方案用另一类条目替换"),
    _c("RF302", "ReformError", _E, "the reform adds an id the rule set already has", "改革方案新增的编号已存在"),
    _c("RF303", "ReformError", _E, "the reform reweights an unknown dimension", "改革方案调整了未知维度的权重"),
    _c("RF304", "ReformError", _E, "the reform moves an unknown grade", "改革方案调整了未知的等次"),
    _c("RF305", "ReformError", _E, "the reform removes a dimension still in use", "改革方案删除了仍在使用的维度"),
    _c("RF306", "ReformError", _E, "the reform reweights a dimension without standards",
       "改革方案调整了没有标准的维度"),
    _c("RF320", "ReformError", _E, "after the reform a dimension's standards no longer add up to its max",
       "改革后维度下各标准分值之和不再等于满分"),
    _c("RF400", "ReformError", _E, "the reform is written for another rule set", "改革方案针对的是另一个规则集"),
    _c("RF401", "ReformError", _E, "the rule set was not built by the loader", "规则集不是由加载器构建的",
       "load it with load_ruleset", "用 load_ruleset 加载"),
    _c("RF500", "ReformError", _E, "no reform to compose", "没有可组合的改革方案"),
    _c("RF501", "ReformError", _E, "the reforms are for different rule sets", "改革方案针对不同的规则集"),
    _c("RF502", "ReformError", _E, "two reforms change the same item", "两个改革方案修改了同一条目"),
    # -- star targets --------------------------------------------------------------------------------------------
    _c("ST001", "StarTargetsError", _E, "an unknown key in the targets", "星级目标中有未知键"),
    _c("ST002", "StarTargetsError", _E, "a missing key in the targets", "星级目标缺少键"),
    _c("ST003", "StarTargetsError", _E, "a value that must be a mapping", "该值须为键值映射"),
    _c("ST004", "StarTargetsError", _E, "a share out of range (above 0, at most 1)", "比例超出范围(大于 0 且不超过 1)"),
    _c("ST005", "StarTargetsError", _E, "a star count out of range", "星级数超出范围"),
    _c("ST006", "StarTargetsError", _E, "a year given twice", "年份重复"),
    _c("ST007", "StarTargetsError", _E, "count must be at_least or exactly", "count 须为 at_least 或 exactly"),
    _c("ST008", "StarTargetsError", _E, "the exact targets add up to more than every community",
       "精确目标之和超过全部社区"),
    _c("ST009", "StarTargetsError", _E, "two targets for one kind and star count", "同一类型和星级有两个目标"),
    # -- case files (partyrules test) ------------------------------------------------------------------------------
    _c("TC001", DIAGNOSTIC, _E, "not a case file", "不是测试用例文件",
       "give ruleset: and a list of cases:", "写明 ruleset: 和 cases: 列表"),
    _c("TC002", DIAGNOSTIC, _E, "an unknown key in a case file", "测试用例文件中有未知键"),
    _c("TC003", DIAGNOSTIC, _E, "a value of the wrong type in a case file", "测试用例文件中的值类型错误"),
    _c("TC004", DIAGNOSTIC, _E, "a case without a name, or a name used twice", "用例没有名称或名称重复",
       "give each case a unique name:", "为每个用例写唯一的 name:"),
    _c("TC005", DIAGNOSTIC, _E, "an id the rule set does not have", "规则集中没有该编号"),
    _c("TC006", DIAGNOSTIC, _E, "a period that does not parse", "评估期无法解析",
       "e.g. 2026, 2026-Q1, 2026-03", "例如 2026、2026-Q1、2026-03"),
    _c("TC007", DIAGNOSTIC, _E, "facts for another kind of subject", "事实数据的对象类型不符"),
)

CODES: dict[str, Code] = {c.code: c for c in _ALL}


def describe(code: str) -> Code:
    """The registry's entry for ``code``; a ``KeyError`` naming it when it is not registered."""
    try:
        return CODES[code]
    except KeyError:
        raise KeyError(f"unknown code {code!r}") from None


@dataclass(frozen=True, slots=True)
class BilingualDiagnostic(Diagnostic):
    """A diagnostic whose message (and hint) were also written in Chinese where it was found, with the same
    values: the linter's findings. ``format()`` and ``to_dict()`` stay English, as before."""

    message_zh: str | None = None
    hint_zh: str | None = None


def zh_line(d: Diagnostic) -> str:
    """A diagnostic in Chinese: ``CODE 位置: 说明 (提示: ...)``.

    A diagnostic written in both languages where it was found gives its own Chinese message; any other gives the
    registry's Chinese title with its English message (which carries the values) as a ``(详情: ...)`` tail."""
    where = f" {d.location}" if d.location else ""
    severity = "警告: " if d.severity == "warning" else ""
    entry = CODES.get(d.code)
    if isinstance(d, BilingualDiagnostic) and d.message_zh:
        text, hint = d.message_zh, d.hint_zh
    else:
        detail = d.message + (f"; hint: {d.hint}" if d.hint and not (entry and entry.hint_zh) else "")
        text = f"{entry.zh if entry else '问题'} (详情: {detail})"
        hint = entry.hint_zh if entry else None
    return f"{d.code}{where}: {severity}{text}" + (f" (提示: {hint})" if hint else "")


_PREFIXES = (("PR", "Errors raised", "抛出的错误"), ("RS", "Rule sets", "规则集"),
             ("EX", "Expressions", "表达式"), ("RF", "Reforms", "改革方案"), ("ST", "Star targets", "星级目标"),
             ("TC", "Test-case files", "测试用例文件"))


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|")


def errors_markdown() -> str:
    """docs/errors.md: every code in a table per family, generated from the registry."""
    out = [
        "# Error and diagnostic codes / 错误与诊断代码",
        "",
        "<!-- generated from src/partyrules/codes.py by `python -m partyrules.codes > docs/errors.md`; a test "
        "checks it is up to date -->",
        "",
        "Every code partyrules raises or reports. *Kind* is the error class that carries the code (catch it, or its "
        "base `PartyRulesError`), or `diagnostic` for a finding the linter (`partyrules validate`) or the case-file "
        "checker (`partyrules test`) reports without raising. *Severity*: an `error` fails `validate` (exit 3); a "
        "`warning` fails it only with `--strict`. With `--lang zh`, `validate`, `check` and `test` print each "
        "diagnostic with the Chinese title below. Exit codes: [ci.md](ci.md).",
        "",
    ]
    for prefix, en, zh in _PREFIXES:
        out += [f"## {prefix}: {en} / {zh}", "",
                "| code | kind | severity | title | 说明 | hint | 提示 |", "|---|---|---|---|---|---|---|"]
        out += [f"| {c.code} | {c.kind} | {c.severity or ''} | {_cell(c.en)} | {_cell(c.zh)} | {_cell(c.hint_en)} "
                f"| {_cell(c.hint_zh)} |" for c in _ALL if c.code.startswith(prefix)]
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    print(errors_markdown(), end="")
