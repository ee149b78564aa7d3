"""Every validation error a form can raise reaches people as an NHS.UK-style sentence that names
the field and the limit, never pydantic's own text (issue 17: "Input should be less than or equal
to 21", "String should have at most 200 characters")."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from carecluster.service.outcome_schemas import GoalIn, OutcomeIn
from carecluster.service.schemas import AssessmentIn, ChoiceIn, ReviewIn, TeamIn, UserIn
from carecluster.web.forms import field_errors, pydantic_faults
from carecluster.web.messages import describe

LIBRARY_WORDS = ("Input should", "String should", "Field required", "Value error", "Extra inputs", "should be a valid")
RATINGS = "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0"
USER = {"username": "ada.l", "full_name": "Ada", "role": "clinician", "password": "a-long-password"}

# (model, body, expected pydantic type, the words the message must contain)
CASES = [
    (ChoiceIn, {"chosen_cluster": 22}, "less_than_equal", "Cluster must be 21 or less"),
    (ChoiceIn, {"chosen_cluster": -1}, "greater_than_equal", "Cluster must be 0 or more"),
    (ChoiceIn, {"chosen_cluster": "three"}, "int_parsing", "Cluster must be a whole number"),
    (ChoiceIn, {"chosen_cluster": 2.5}, "int_from_float", "Cluster must be a whole number"),
    (ChoiceIn, {}, "missing", "Enter the cluster"),
    (ChoiceIn, {"chosen_cluster": 3, "reason": "ok"}, "string_too_short", "Reason must be 3 characters or more"),
    (
        ChoiceIn,
        {"chosen_cluster": 3, "reason": "x" * 4001},
        "string_too_long",
        "Reason must be 4000 characters or fewer",
    ),
    (ChoiceIn, {"chosen_cluster": 3, "colour": "red"}, "extra_forbidden", "colour"),
    (TeamIn, {"code": "", "name": "A team"}, "string_too_short", "Enter the team code"),
    (TeamIn, {"code": "a b", "name": "A team"}, "string_pattern_mismatch", "letters, numbers, hyphens and underscores"),
    (TeamIn, {"code": "T1", "name": "n" * 201}, "string_too_long", "Team name must be 200 characters or fewer"),
    (UserIn, {**USER, "role": "king"}, "literal_error", "Select the role"),
    (UserIn, {**USER, "password": "short"}, "string_too_short", "Password must be 10 characters or more"),
    (UserIn, {**USER, "team_ids": ["x"]}, "int_parsing", "Teams must be a whole number"),
    (UserIn, {**USER, "team_ids": "x"}, "list_type", "teams"),
    (
        AssessmentIn,
        {"ratings": RATINGS, "assessed_on": "2024-02-30"},
        "date_from_datetime_parsing",
        "Date of the assessment must be a real date",
    ),
    (
        AssessmentIn,
        {"ratings": RATINGS, "assessed_on": "yesterday"},
        "date_from_datetime_parsing",
        "must be a real date",
    ),
    (AssessmentIn, {"ratings": "0,0,7", "assessed_on": "2024-02-01"}, "value_error", "scale"),
    (
        AssessmentIn,
        {"ratings": RATINGS, "assessed_on": "2024-02-01", "super_class": "odd"},
        "literal_error",
        "Select the super class",
    ),
    (
        ReviewIn,
        {"ratings": RATINGS, "reviewed_on": "2024-02-01", "facts": {"q": "maybe"}},
        "bool_parsing",
        "Select yes or no",
    ),
    (
        ReviewIn,
        {"ratings": RATINGS, "reviewed_on": "2024-02-01", "clustering_event": "party"},
        "enum",
        "Select the clustering event",
    ),
    (
        OutcomeIn,
        {"measure_id": "gas", "administered_on": "2024-01-01", "answers": {}, "respondent": "cat"},
        "literal_error",
        "Select the person who completed the measure",
    ),
    (GoalIn, {"id": "g1", "description": "Walk", "weight": 0}, "greater_than", "Goal weight must be more than 0"),
    (GoalIn, {"id": "g1", "description": "Walk", "weight": 101}, "less_than_equal", "Goal weight must be 100 or less"),
    (GoalIn, {"id": "g1", "description": "Walk", "weight": "heavy"}, "float_parsing", "Goal weight must be a number"),
]


@pytest.mark.parametrize(("model", "body", "kind", "words"), CASES, ids=[f"{c[0].__name__}-{c[2]}" for c in CASES])
def test_each_error_type_reads_as_a_sentence_naming_field_and_limit(model, body, kind, words) -> None:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    errors = caught.value.errors()
    assert kind in {e["type"] for e in errors}, errors  # the case really raises that type
    messages = [message for _loc, message in pydantic_faults(caught.value)]
    assert any(words in m for m in messages), messages
    for message in messages:
        assert not any(w.lower() in message.lower() for w in LIBRARY_WORDS), message
        assert message[:1].isupper(), message


def test_a_form_handler_shows_the_message_against_its_field() -> None:
    with pytest.raises(ValidationError) as caught:
        ChoiceIn.model_validate({"chosen_cluster": 30, "reason": "x" * 4001})
    errors = field_errors(pydantic_faults(caught.value), {"chosen_cluster": "chosen", "reason": "reason"}, "reason")
    assert errors == {"chosen": "Cluster must be 21 or less", "reason": "Reason must be 4000 characters or fewer"}


def test_a_page_may_name_its_own_fields() -> None:
    with pytest.raises(ValidationError) as caught:
        TeamIn.model_validate({"code": "T1", "name": ""})
    assert pydantic_faults(caught.value, {"name": "name of the team"}) == [(("name",), "Enter the name of the team")]


def test_an_unknown_error_type_still_names_the_field_not_the_library() -> None:
    message = describe({"type": "something_new", "loc": ("body", "full_name"), "msg": "Input should be odd"})
    assert "full name" in message
    assert "Input should" not in message
