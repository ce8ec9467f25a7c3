"""The results model: what evaluating a subject produces (:class:`ScoreBreakdown` and its parts) and the result's
own renderings (text, Markdown, HTML). It sits just above facts so that every layer that makes, stores or reads a
result (rule-set cases, the backends, scoring, the cycle, analyses) can import it."""

from .breakdown import (
    DimensionScore,
    Evidence,
    GradeResult,
    Line,
    LineKind,
    NotAssessed,
    PeriodInfo,
    ReasonCode,
    ScoreBreakdown,
    Status,
    StructureWarning,
)

__all__ = [
    "DimensionScore",
    "Evidence",
    "GradeResult",
    "Line",
    "LineKind",
    "NotAssessed",
    "PeriodInfo",
    "ReasonCode",
    "ScoreBreakdown",
    "Status",
    "StructureWarning",
]
