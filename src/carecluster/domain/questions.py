"""The open questions of a suggestion, and the answers that come back for them.

One place for their ids, wording and valid answers, so the CLI (`--fact ID=yes`), the API
(`"facts": {...}`), the rating form and the stored assessment all speak the same language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from carecluster.domain.explanation import ratings_range
from carecluster.domain.results import Finding, Question
from carecluster.reference.models import DecisionFact, ReferenceSet

INFERRED_PREFIX = "inferred_cluster_"
"""Answer id of an inferred-rule conflict: `inferred_cluster_14=yes` lets cluster 14 compete."""
YES = ("yes", "y", "true", "1")
NO = ("no", "n", "false", "0")
RATING_ANSWERS = ["0", "1", "2", "3", "4"]

FactAnswers = dict[str, bool]


class AnswerError(ValueError):
    """An answer to an unknown question, or an answer that is not yes or no."""


def answer_ids(facts: Iterable[DecisionFact], inferred_clusters: Iterable[int]) -> list[str]:
    """Every id an answer may be given under, for error messages and forms."""
    return [fact.id for fact in facts] + [f"{INFERRED_PREFIX}{n}" for n in sorted(inferred_clusters)]


def parse_answers(
    answers: Mapping[str, object] | None, facts: Sequence[DecisionFact], inferred_clusters: Iterable[int]
) -> FactAnswers:
    """yes / no answers by id; unknown ids and other answers are refused, naming the valid ones."""
    if not answers:
        return {}
    valid = answer_ids(facts, inferred_clusters)
    parsed: FactAnswers = {}
    for ident, raw in answers.items():
        if ident not in valid:
            raise AnswerError(f"unknown question {ident!r}; questions that take an answer: {', '.join(valid)}")
        if isinstance(raw, bool):
            parsed[ident] = raw
            continue
        word = str(raw).strip().lower()
        if word in YES:
            parsed[ident] = True
        elif word in NO:
            parsed[ident] = False
        else:
            raise AnswerError(f"question {ident}: answer {raw!r} is not yes or no")
    return parsed


def fact_question(fact: DecisionFact, if_yes: int, if_no: int) -> Question:
    """A decision-tree fact whose answer decides between two suggestions."""

    def named(n: int) -> str:
        return f"cluster {n}" if n else "cluster 0 (variance)"

    hint = f" {fact.hint}" if fact.hint else ""
    return Question(
        id=fact.id,
        kind="fact",
        text=f"{fact.text}{hint} Yes suggests {named(if_yes)}; no suggests {named(if_no)}.",
        clusters=sorted({if_yes, if_no}),
        answers=["yes", "no"],
    )


def inferred_question(cluster: int, label: str, breaches: Sequence[Finding], compared_with: int) -> Question:
    """A cluster removed only by inferred red cells that would otherwise fit as well as the answer."""
    cells = "; ".join(
        f"{'scales 7/8 (the higher)' if f.scale == '7/8' else 'scale ' + f.scale} is "
        f"{f.rating if f.rating is not None else 'not known'}, inferred must be {ratings_range(f.expected)}"
        for f in breaches
    )
    versus = f"cluster {compared_with}" if compared_with else "cluster 0 (variance)"
    return Question(
        id=f"{INFERRED_PREFIX}{cluster}",
        kind="inferred_rule",
        text=(
            f"Cluster {cluster} ({label}) is excluded only by inferred red cell(s), not read from the booklet: "
            f"{cells}. Read as expected ranges, it would fit at least as well as {versus}. "
            f"Does cluster {cluster} describe this person?"
        ),
        clusters=sorted({cluster, compared_with}),
        answers=["yes", "no"],
    )


def not_known_question(reference: ReferenceSet, scale: str, clusters: Iterable[int]) -> Question:
    name = reference.mhct.scale(scale).name
    at_stake = sorted(clusters)
    return Question(
        id=f"scale_{scale}",
        kind="not_known",
        text=(
            f"Scale {scale} ({name}) is rated 9 (not known); its rating could change the answer between "
            f"clusters {', '.join(str(n) if n else '0 (variance)' for n in at_stake)}. Assess and rate it."
        ),
        clusters=at_stake,
        answers=list(RATING_ANSWERS),
    )


def tie_question(clusters: Sequence[int]) -> Question:
    listed = ", ".join(str(n) for n in clusters)
    return Question(
        id="tie",
        kind="tie",
        text=(
            f"Clusters {listed} fit these ratings equally well; the grids cannot separate them. "
            "Choose on clinical grounds (each cluster's description and likely diagnoses)."
        ),
        clusters=list(clusters),
        answers=[str(n) for n in clusters],
    )
