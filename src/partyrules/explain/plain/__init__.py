"""Evidence in plain language: what a line was decided on, told in Chinese and English from its expressions.

``count(records where dues_paid_on_time) == period.months`` with 11 and 12 is told as "12个月中11个月按时交纳党费" /
"dues paid on time: 11 of 12 months"; ``sum(records.volunteer_hours) >= params.organ_volunteer_hours`` as
"志愿服务时长(小时)合计: 52(要求: 不少于100, 机关党员年度志愿服务时长(小时))". The sentences are generated from the
typed IR of the rule (its aggregations, comparisons, fields, parameters and period fields) with the words of
:mod:`.phrasebook`; the expression texts and their values stay in ``evidence.reads`` for audit.

A rule is compiled once into statements (:func:`compile_rule`); each breakdown only fills in the values it read.
A part of an expression that has no sentence of its own (arithmetic, ``min``/``max``, ``x if c else y``) is told
in words and symbols (+, −, ×, ÷); a phrase too long to read is replaced by the fields it is computed from.
"""

from .phrases import aggregation, condition, counted_what, fallback, phrase
from .statements import RuleWords, compile_rule
from .values import Words, evaluate, show

__all__ = ["RuleWords", "Words", "aggregation", "compile_rule", "condition", "counted_what", "evaluate", "fallback",
           "phrase", "show"]
