"""Every role against every endpoint and page: allowed or denied, over real HTTP, on both databases.

The routes are read from the application itself, so an endpoint or page added without an entry
here fails `test_every_route_has_a_matrix_entry`. The target records belong to team A; `clin_b`
is a clinician of team B (cross-team access must be denied, as not found). Denied means 401 for
anonymous API calls, a redirect to the sign-in page for anonymous page views, else 403 or 404;
allowed means a 2xx answer (pages: 2xx or a redirect to somewhere other than the sign-in page).
Changes that cannot be repeated on one record run on freshly made records, so one cell cannot
affect another.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.http.conftest import PASSWORD, Api, nhs_number
from tests.reliability.conftest import served_routes, web_client

RATINGS = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]
ROLES = ("anonymous", "clin_a", "lead_a", "clin_b", "auditor", "admin")
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
READERS = frozenset({"clin_a", "lead_a", "auditor"})
WRITERS = frozenset({"clin_a", "lead_a"})
OWN_LISTS = frozenset({"clin_a", "lead_a", "clin_b", "auditor"})  # a list shows only what the role may see
OWN_WRITERS = frozenset({"clin_a", "lead_a", "clin_b"})  # creating in one's own team
ADMIN = frozenset({"admin"})
REPORT_READERS = frozenset({"lead_a", "auditor"})  # service-level reports: team leads (own teams) and auditors
AUDIT_READERS = frozenset({"admin", "auditor"})
_serial = itertools.count()


@dataclass
class World:
    """A team A service user with every kind of child record, made by clin_a."""

    su: str
    episode: str
    assessment: str
    allocation: str
    unchosen_allocation: str
    period: str
    review: str
    outcome: str


def make_world(api: Api) -> World:
    client = api.as_("clin_a")
    su = api.service_user(clinician_id=api.user["clin_a"])["id"]
    today = str(date.today())

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = client.post(path, json=body)
        assert response.status_code == 201, response.text
        return response.json()

    episode = post(f"/api/v1/service-users/{su}/episodes", {"referral_date": today})["id"]
    assess = {"ratings": RATINGS, "assessed_on": today, "super_class": "non-psychotic"}
    chosen = post(f"/api/v1/service-users/{su}/assessments", {**assess, "chosen_cluster": 4, "reason": "matrix test"})
    unchosen = post(f"/api/v1/service-users/{su}/assessments", assess)
    review = post(f"/api/v1/service-users/{su}/reviews", {"ratings": RATINGS, "reviewed_on": today, "reason": "matrix"})
    period = client.get(f"/api/v1/service-users/{su}/assignment-periods").json()["items"][0]["id"]
    outcome = post(f"/api/v1/service-users/{su}/outcomes", _outcome_body())["id"]
    return World(
        su=su,
        episode=episode,
        assessment=chosen["assessment"]["id"],
        allocation=chosen["allocation"]["id"],
        unchosen_allocation=unchosen["allocation"]["id"],
        period=period,
        review=review["review"]["id"],
        outcome=outcome,
    )


def _outcome_body(*_args: Any) -> dict[str, Any]:
    return {"measure_id": "swemwbs", "administered_on": str(date.today()), "answers": {str(i): 3 for i in range(1, 8)}}


def _fhir_bundle(w: World, api: Api) -> dict[str, Any]:
    """The world's own assessment as FHIR: importing it again is an idempotent 200 for a writer."""
    response = api.as_("clin_a").get(f"/api/v1/assessments/{w.assessment}/fhir")
    assert response.status_code == 200, response.text
    return response.json()


Request = tuple[str, dict[str, Any]]  # url, httpx keyword arguments
Builder = Callable[[World, Api], Request]


def get(url: str, **params: Any) -> Callable[[World, Api], Request]:
    return lambda w, api: (url.format(w=w, api=api), {"params": {k: v(w, api) for k, v in params.items()}})


def post(url: str, body: Callable[[World, Api], dict[str, Any]]) -> Builder:
    return lambda w, api: (url.format(w=w, api=api), {"json": body(w, api)})


def _today() -> str:
    return str(date.today())


def _spell_body(_w: World, _api: Api) -> dict[str, Any]:
    """A spell already over, so recording one more never meets the one-open-spell rule."""
    return {
        "admitted_on": str(date.fromordinal(date.today().toordinal() - 9)),
        "discharged_on": _today(),
        "bed_type": "200",
    }


def _spell(w: World, api: Api) -> str:
    """A spell of the world's person, made by clin_a for the cell that reads or changes it."""
    response = api.as_("clin_a").post(f"/api/v1/service-users/{w.su}/inpatient-spells", json=_spell_body(w, api))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _new_user(_w: World, _api: Api) -> dict[str, Any]:
    return {
        "username": f"matrix.{next(_serial)}.{nhs_number()}",
        "full_name": "Matrix User",
        "role": "clinician",
        "password": "a long enough password",
    }


def _su_body(w: World, api: Api, team: str = "A") -> dict[str, Any]:
    return {
        "nhs_number": nhs_number(),
        "name": "Matrix Person",
        "date_of_birth": "1980-01-01",
        "team_id": api.team[team],
    }


_PERIOD = {"from": lambda w, api: "2026-01-01", "to": lambda w, api: _today()}

# (method, path) -> (roles allowed, request builder). "{w.su}" etc. are filled from a World.
API: dict[tuple[str, str], tuple[frozenset[str], Builder]] = {
    ("GET", "/healthz"): (EVERYONE, get("/healthz")),
    ("POST", "/api/v1/token"): (
        EVERYONE,
        lambda w, api: ("/api/v1/token", {"data": {"username": "auditor", "password": PASSWORD}}),
    ),
    ("POST", "/api/v1/session"): (
        EVERYONE,
        lambda w, api: ("/api/v1/session", {"data": {"username": "auditor", "password": PASSWORD}}),
    ),
    ("DELETE", "/api/v1/session"): (EVERYONE, lambda w, api: ("/api/v1/session", {})),
    ("GET", "/api/v1/me"): (SIGNED_IN, get("/api/v1/me")),
    ("POST", "/api/v1/allocate"): (SIGNED_IN, post("/api/v1/allocate", lambda w, api: {"ratings": RATINGS})),
    ("POST", "/api/v1/review"): (
        SIGNED_IN,
        post("/api/v1/review", lambda w, api: {"ratings": RATINGS, "current_cluster": 4}),
    ),
    ("GET", "/api/v1/service-users"): (OWN_LISTS, get("/api/v1/service-users")),
    ("POST", "/api/v1/service-users"): (WRITERS, post("/api/v1/service-users", _su_body)),
    ("GET", "/api/v1/service-users/{record_id}"): (READERS, get("/api/v1/service-users/{w.su}")),
    ("GET", "/api/v1/service-users/{record_id}/history"): (READERS, get("/api/v1/service-users/{w.su}/history")),
    ("GET", "/api/v1/service-users/{record_id}/currency"): (READERS, get("/api/v1/service-users/{w.su}/currency")),
    ("GET", "/api/v1/service-users/{record_id}/currency/fhir"): (
        READERS,
        get("/api/v1/service-users/{w.su}/currency/fhir"),
    ),
    ("GET", "/api/v1/currency/mhs013"): (OWN_LISTS, get("/api/v1/currency/mhs013")),
    ("POST", "/api/v1/service-users/{record_id}/inpatient-spells"): (
        WRITERS,
        post("/api/v1/service-users/{w.su}/inpatient-spells", _spell_body),
    ),
    ("GET", "/api/v1/service-users/{record_id}/inpatient-spells"): (
        READERS,
        get("/api/v1/service-users/{w.su}/inpatient-spells"),
    ),
    ("GET", "/api/v1/inpatient-spells/{record_id}"): (
        READERS,
        lambda w, api: (f"/api/v1/inpatient-spells/{_spell(w, api)}", {}),
    ),
    ("POST", "/api/v1/inpatient-spells/{record_id}/amendments"): (
        WRITERS,
        lambda w, api: (
            f"/api/v1/inpatient-spells/{_spell(w, api)}/amendments",
            {"json": {"bed_type": "201", "amend_reason": "matrix"}},
        ),
    ),
    ("POST", "/api/v1/service-users/{record_id}/amendments"): (
        WRITERS,
        post("/api/v1/service-users/{w.su}/amendments", lambda w, api: {"name": "Renamed", "amend_reason": "matrix"}),
    ),
    ("POST", "/api/v1/service-users/{record_id}/episodes"): (
        WRITERS,
        # a service user of its own: the world's has an open episode, and a second is refused
        lambda w, api: (
            f"/api/v1/service-users/{api.service_user(clinician_id=api.user['clin_a'])['id']}/episodes",
            {"json": {"referral_date": _today()}},
        ),
    ),
    ("POST", "/api/v1/episodes/{record_id}/amendments"): (
        WRITERS,
        post(
            "/api/v1/episodes/{w.episode}/amendments",
            lambda w, api: {"referral_date": _today(), "amend_reason": "matrix"},
        ),
    ),
    # a transfer needs write access to the receiving team too: none of these roles writes to both
    # A and B (the allowed path is in tests/http/test_episodes.py)
    ("POST", "/api/v1/episodes/{record_id}/transfer"): (
        frozenset(),
        post(
            "/api/v1/episodes/{w.episode}/transfer",
            lambda w, api: {"team_id": api.team["B"], "transferred_on": _today(), "reason": "matrix"},
        ),
    ),
    ("POST", "/api/v1/episodes/{record_id}/discharge"): (
        WRITERS,
        post(
            "/api/v1/episodes/{w.episode}/discharge",
            lambda w, api: {"discharge_date": _today(), "discharge_reason": "matrix test"},
        ),
    ),
    ("POST", "/api/v1/service-users/{record_id}/assessments"): (
        WRITERS,
        post("/api/v1/service-users/{w.su}/assessments", lambda w, api: {"ratings": RATINGS, "assessed_on": _today()}),
    ),
    ("POST", "/api/v1/assessments/{record_id}/amendments"): (
        WRITERS,
        post(
            "/api/v1/assessments/{w.assessment}/amendments",
            lambda w, api: {"assessed_on": _today(), "amend_reason": "matrix"},
        ),
    ),
    ("POST", "/api/v1/allocations/{record_id}/choice"): (
        WRITERS,
        post(
            "/api/v1/allocations/{w.unchosen_allocation}/choice",
            lambda w, api: {"chosen_cluster": 4, "reason": "matrix test"},
        ),
    ),
    ("POST", "/api/v1/allocations/{record_id}/answers"): (
        WRITERS,
        post(
            "/api/v1/allocations/{w.unchosen_allocation}/answers",
            lambda w, api: {"facts": {"treated_for_years": "yes"}},
        ),
    ),
    ("POST", "/api/v1/service-users/{record_id}/reviews"): (
        WRITERS,
        post(
            "/api/v1/service-users/{w.su}/reviews",
            lambda w, api: {"ratings": RATINGS, "reviewed_on": _today(), "reason": "matrix"},
        ),
    ),
    ("POST", "/api/v1/reviews/{record_id}/amendments"): (
        WRITERS,
        post(
            "/api/v1/reviews/{w.review}/amendments",
            lambda w, api: {"reason": "corrected reason", "amend_reason": "matrix"},
        ),
    ),
    ("POST", "/api/v1/assignment-periods/{record_id}/amendments"): (
        WRITERS,
        post(
            "/api/v1/assignment-periods/{w.period}/amendments",
            lambda w, api: {"start_date": _today(), "amend_reason": "matrix"},
        ),
    ),
    ("GET", "/api/v1/caseload"): (READERS, get("/api/v1/caseload", team_id=lambda w, api: api.team["A"])),
    ("GET", "/api/v1/audit"): (AUDIT_READERS, get("/api/v1/audit")),
    ("GET", "/api/v1/worklists"): (READERS, get("/api/v1/worklists", team_id=lambda w, api: api.team["A"])),
    ("GET", "/api/v1/teams"): (SIGNED_IN, get("/api/v1/teams")),
    ("POST", "/api/v1/teams"): (
        ADMIN,
        post("/api/v1/teams", lambda w, api: {"code": f"M{next(_serial)}x{nhs_number()}", "name": "Matrix"}),
    ),
    ("PATCH", "/api/v1/teams/{team_id}"): (
        ADMIN,
        lambda w, api: (f"/api/v1/teams/{api.team['A']}", {"json": {"team_type": "A06"}}),
    ),
    ("GET", "/api/v1/users"): (ADMIN, get("/api/v1/users")),
    ("POST", "/api/v1/users"): (ADMIN, post("/api/v1/users", _new_user)),
    ("GET", "/api/v1/users/{user_id}"): (frozenset({"clin_a", "admin"}), get("/api/v1/users/{api.user[clin_a]}")),
    ("PATCH", "/api/v1/users/{user_id}"): (
        ADMIN,
        lambda w, api: (f"/api/v1/users/{api.user['clin_a']}", {"json": {"full_name": "Clin A"}}),
    ),
    ("GET", "/api/v1/fhir/Questionnaire/mhct-v3.1"): (EVERYONE, get("/api/v1/fhir/Questionnaire/mhct-v3.1")),
    ("GET", "/api/v1/fhir/metadata"): (EVERYONE, get("/api/v1/fhir/metadata")),
    ("POST", "/api/v1/fhir"): (WRITERS, post("/api/v1/fhir", _fhir_bundle)),
    ("GET", "/api/v1/assessments/{record_id}/fhir"): (READERS, get("/api/v1/assessments/{w.assessment}/fhir")),
    ("GET", "/api/v1/nds/export"): (OWN_LISTS, get("/api/v1/nds/export")),
    ("GET", "/api/v1/nds/v6/export"): (OWN_LISTS, get("/api/v1/nds/v6/export")),
    ("GET", "/api/v1/service-users/{record_id}/fhir"): (READERS, get("/api/v1/service-users/{w.su}/fhir")),
    ("GET", "/api/v1/outcomes/{record_id}/fhir"): (READERS, get("/api/v1/outcomes/{w.outcome}/fhir")),
    ("GET", "/api/v1/teams/{team_id}/fhir"): (READERS, get("/api/v1/teams/{api.team[A]}/fhir")),
    # a Patient search answers only the people the role may read (an empty searchset for another
    # team's clinician); an Observation search names one subject, so it is that person's record
    ("GET", "/api/v1/fhir/Patient"): (
        OWN_LISTS,
        get("/api/v1/fhir/Patient", identifier=lambda w, api: "https://fhir.nhs.uk/Id/nhs-number|9990000018"),
    ),
    ("GET", "/api/v1/fhir/Observation"): (
        READERS,
        get("/api/v1/fhir/Observation", subject=lambda w, api: f"Patient/{w.su}"),
    ),
    ("POST", "/api/v1/service-users/{record_id}/outcomes"): (
        WRITERS,
        post("/api/v1/service-users/{w.su}/outcomes", _outcome_body),
    ),
    ("GET", "/api/v1/service-users/{record_id}/outcomes"): (READERS, get("/api/v1/service-users/{w.su}/outcomes")),
    ("GET", "/api/v1/service-users/{record_id}/outcomes/paired"): (
        READERS,
        get("/api/v1/service-users/{w.su}/outcomes/paired"),
    ),
    ("GET", "/api/v1/outcomes/{record_id}"): (READERS, get("/api/v1/outcomes/{w.outcome}")),
    ("GET", "/api/v1/outcomes/{record_id}/history"): (READERS, get("/api/v1/outcomes/{w.outcome}/history")),
    ("POST", "/api/v1/outcomes/{record_id}/amendments"): (
        WRITERS,
        post(
            "/api/v1/outcomes/{w.outcome}/amendments",
            lambda w, api: {"administered_on": _today(), "amend_reason": "matrix"},
        ),
    ),
    ("GET", "/api/v1/outcome-measures"): (EVERYONE, get("/api/v1/outcome-measures")),
    ("GET", "/api/v1/outcome-measures/{measure_id}"): (EVERYONE, get("/api/v1/outcome-measures/swemwbs")),
    ("GET", "/api/v1/reports"): (REPORT_READERS, get("/api/v1/reports")),
    ("GET", "/api/v1/reports/{name}"): (REPORT_READERS, get("/api/v1/reports/completeness", **_PERIOD)),
    ("GET", "/api/v1/reports/{name}/drill/{measure}"): (
        REPORT_READERS,
        get("/api/v1/reports/completeness/drill/current_cluster", **_PERIOD),
    ),
}
# Child records: list under the service user, get one, and its history; all read like the service user.
for _kind, _attr in (
    ("episodes", "episode"),
    ("assessments", "assessment"),
    ("allocations", "allocation"),
    ("assignment-periods", "period"),
    ("reviews", "review"),
):
    API[("GET", f"/api/v1/service-users/{{record_id}}/{_kind}")] = (
        READERS,
        get(f"/api/v1/service-users/{{w.su}}/{_kind}"),
    )
    API[("GET", f"/api/v1/{_kind}/{{record_id}}")] = (READERS, get(f"/api/v1/{_kind}/{{w.{_attr}}}"))
    API[("GET", f"/api/v1/{_kind}/{{record_id}}/history")] = (READERS, get(f"/api/v1/{_kind}/{{w.{_attr}}}/history"))


def _form(build: Callable[[World, Api], dict[str, Any]]) -> Callable[[World, Api], dict[str, Any]]:
    return build


def _rating_form(_w: World, _api: Api) -> dict[str, Any]:
    from carecluster.web.forms import FIELDS

    values = dict(zip(FIELDS, (str(r) for r in RATINGS), strict=True))
    return {**values, "super_class": "non-psychotic", "assessed_on": _today(), "clustering_event": "initial_assessment"}


def _new_su_form(_w: World, api: Api) -> dict[str, Any]:
    return {
        "nhs_number": nhs_number(),
        "name": "Page Person",
        "dob_day": "1",
        "dob_month": "2",
        "dob_year": "1980",
        "team_id": str(api.team["A"]),
    }


def _referral_source() -> str:
    """The first referral source code the form offers (read from the package, not restated)."""
    from carecluster.web.routes import episode_forms

    return next(iter(episode_forms.REFERRAL_SOURCES))


def _review_query() -> str:
    from urllib.parse import urlencode

    from carecluster.web.forms import FIELDS

    return urlencode({**dict(zip(FIELDS, (str(r) for r in RATINGS), strict=True)), "current": "4"})


# Pages: (method, path) -> (roles allowed, url builder, form builder or None).
PAGES: dict[
    tuple[str, str], tuple[frozenset[str], Callable[[World, Api], str], Callable[[World, Api], dict[str, Any]] | None]
] = {
    ("GET", "/"): (EVERYONE, lambda w, api: "/", None),
    ("GET", "/rate"): (EVERYONE, lambda w, api: "/rate", None),
    ("GET", "/rate/suggestion"): (EVERYONE, lambda w, api: "/rate/suggestion", None),
    ("GET", "/clusters"): (EVERYONE, lambda w, api: "/clusters", None),
    ("GET", "/clusters/{number}"): (EVERYONE, lambda w, api: "/clusters/4", None),
    ("GET", "/review"): (EVERYONE, lambda w, api: "/review", None),
    ("GET", "/review/step/{step}"): (EVERYONE, lambda w, api: "/review/step/step_up?" + _review_query(), None),
    ("GET", "/sign-in"): (EVERYONE, lambda w, api: "/sign-in", None),
    ("POST", "/sign-in"): (
        EVERYONE,
        lambda w, api: "/sign-in",
        lambda w, api: {"username": "auditor", "password": PASSWORD},
    ),
    ("POST", "/sign-out"): (EVERYONE, lambda w, api: "/sign-out", lambda w, api: {}),
    ("GET", "/caseload"): (OWN_LISTS, lambda w, api: "/caseload", None),
    ("GET", "/worklists"): (OWN_LISTS, lambda w, api: "/worklists", None),
    ("GET", "/currency/worklist"): (OWN_LISTS, lambda w, api: "/currency/worklist", None),
    ("GET", "/currency/service-users/{record_id}/spells/new"): (
        WRITERS,
        lambda w, api: f"/currency/service-users/{w.su}/spells/new",
        None,
    ),
    ("POST", "/currency/service-users/{record_id}/spells/new"): (
        WRITERS,
        lambda w, api: f"/currency/service-users/{w.su}/spells/new",
        lambda w, api: {
            **{f"admitted-{k}": str(getattr(date.today(), k)) for k in ("day", "month", "year")},
            **{f"discharged-{k}": str(getattr(date.today(), k)) for k in ("day", "month", "year")},
            "bed_type": "200",
        },
    ),
    ("GET", "/currency/spells/{spell_id}"): (WRITERS, lambda w, api: f"/currency/spells/{_spell(w, api)}", None),
    ("POST", "/currency/spells/{spell_id}"): (
        WRITERS,
        lambda w, api: f"/currency/spells/{_spell(w, api)}",
        lambda w, api: {
            **{
                f"admitted-{k}": str(getattr(date.fromordinal(date.today().toordinal() - 9), k))
                for k in ("day", "month", "year")
            },
            **{f"discharged-{k}": str(getattr(date.today(), k)) for k in ("day", "month", "year")},
            "bed_type": "202",
            "amend_reason": "matrix",
        },
    ),
    ("GET", "/currency/episodes/{episode_id}"): (WRITERS, lambda w, api: f"/currency/episodes/{w.episode}", None),
    ("POST", "/currency/episodes/{episode_id}"): (
        WRITERS,
        lambda w, api: f"/currency/episodes/{w.episode}",
        lambda w, api: {"primary_diagnosis": "F32.1", "referral_reason_code": "04", "amend_reason": "matrix"},
    ),
    ("GET", "/audit"): (AUDIT_READERS, lambda w, api: "/audit", None),
    ("GET", "/audit.csv"): (AUDIT_READERS, lambda w, api: "/audit.csv", None),
    ("GET", "/service-users"): (OWN_LISTS, lambda w, api: "/service-users", None),
    ("GET", "/service-users/new"): (OWN_WRITERS, lambda w, api: "/service-users/new", None),
    ("POST", "/service-users/new"): (WRITERS, lambda w, api: "/service-users/new", _new_su_form),
    ("GET", "/service-users/{record_id}"): (READERS, lambda w, api: f"/service-users/{w.su}", None),
    ("GET", "/service-users/{record_id}/assess"): (WRITERS, lambda w, api: f"/service-users/{w.su}/assess", None),
    ("POST", "/service-users/{record_id}/assess"): (
        WRITERS,
        lambda w, api: f"/service-users/{w.su}/assess",
        _rating_form,
    ),
    ("GET", "/service-users/{record_id}/episodes/new"): (
        WRITERS,
        lambda w, api: f"/service-users/{w.su}/episodes/new",
        None,
    ),
    ("POST", "/service-users/{record_id}/episodes/new"): (
        WRITERS,
        # a service user of its own: the world's has an open episode, and a second is refused
        lambda w, api: f"/service-users/{api.service_user(clinician_id=api.user['clin_a'])['id']}/episodes/new",
        lambda w, api: {
            "referral-day": str(date.today().day),
            "referral-month": str(date.today().month),
            "referral-year": str(date.today().year),
            "referral_source": _referral_source(),
            "episode_team_id": str(api.team["A"]),
        },
    ),
    ("GET", "/episodes/{episode_id}/{action}"): (
        WRITERS,
        lambda w, api: f"/episodes/{w.episode}/discharge",
        None,
    ),
    ("POST", "/episodes/{episode_id}/{action}"): (
        WRITERS,
        lambda w, api: f"/episodes/{w.episode}/discharge",
        lambda w, api: {
            "discharged-day": str(date.today().day),
            "discharged-month": str(date.today().month),
            "discharged-year": str(date.today().year),
            "discharge_reason": "matrix test",
        },
    ),
    ("GET", "/allocations/{allocation_id}"): (READERS, lambda w, api: f"/allocations/{w.allocation}", None),
    ("POST", "/allocations/{allocation_id}/choice"): (
        WRITERS,
        lambda w, api: f"/allocations/{w.unchosen_allocation}/choice",
        lambda w, api: {"chosen_cluster": "4", "reason": "matrix test"},
    ),
    ("POST", "/allocations/{allocation_id}/answers"): (
        WRITERS,
        lambda w, api: f"/allocations/{w.unchosen_allocation}/answers",
        lambda w, api: {"fact_treated_for_years": "yes"},
    ),
    ("POST", "/service-users/{record_id}/reviews"): (
        WRITERS,
        lambda w, api: f"/service-users/{w.su}/reviews",
        lambda w, api: {
            **_rating_form(w, api),
            "record_chosen": "4",
            "record_reason": "matrix test",
            "reviewed_on": _today(),
        },
    ),
    ("GET", "/reports"): (REPORT_READERS, lambda w, api: "/reports", None),
    ("GET", "/reports/{name}"): (REPORT_READERS, lambda w, api: "/reports/completeness", None),
    ("GET", "/reports/{name}/export.{fmt}"): (REPORT_READERS, lambda w, api: "/reports/completeness/export.csv", None),
    ("GET", "/reports/{name}/drill/{measure}"): (
        REPORT_READERS,
        lambda w, api: "/reports/completeness/drill/current_cluster",
        None,
    ),
    ("GET", "/reports/{name}/drill/{measure}/export.csv"): (
        REPORT_READERS,
        lambda w, api: "/reports/completeness/drill/current_cluster/export.csv",
        None,
    ),
    ("GET", "/service-users/{record_id}/outcomes"): (READERS, lambda w, api: f"/service-users/{w.su}/outcomes", None),
    ("GET", "/service-users/{record_id}/outcomes/new"): (
        WRITERS,
        lambda w, api: f"/service-users/{w.su}/outcomes/new?measure=swemwbs",
        None,
    ),
    ("POST", "/service-users/{record_id}/outcomes/new"): (
        WRITERS,
        lambda w, api: f"/service-users/{w.su}/outcomes/new?measure=swemwbs",
        lambda w, api: {
            **{f"item-{i}": "3" for i in range(1, 8)},
            "on-day": str(date.today().day),
            "on-month": str(date.today().month),
            "on-year": str(date.today().year),
        },
    ),
    ("GET", "/admin"): (ADMIN, lambda w, api: "/admin", None),
    ("GET", "/admin/users"): (ADMIN, lambda w, api: "/admin/users", None),
    ("POST", "/admin/users"): (
        ADMIN,
        lambda w, api: "/admin/users",
        lambda w, api: {k: v for k, v in _new_user(w, api).items()},
    ),
    ("POST", "/admin/users/{user_id}/active"): (
        ADMIN,
        lambda w, api: f"/admin/users/{api.user['clin_a2']}/active",
        lambda w, api: {"active": "1"},
    ),
    ("GET", "/admin/users/{user_id}/deactivate"): (
        ADMIN,
        lambda w, api: f"/admin/users/{api.user['clin_a2']}/deactivate",
        None,
    ),
    ("GET", "/admin/teams"): (ADMIN, lambda w, api: "/admin/teams", None),
    ("GET", "/admin/changes"): (ADMIN, lambda w, api: "/admin/changes", None),
    ("POST", "/admin/teams/{team_id}/type"): (
        ADMIN,
        lambda w, api: f"/admin/teams/{api.team['A']}/type",
        lambda w, api: {"team_type": "A06"},
    ),
    ("POST", "/admin/teams"): (
        ADMIN,
        lambda w, api: "/admin/teams",
        lambda w, api: {"code": f"P{next(_serial)}x{nhs_number()}", "name": "Page team"},
    ),
}

# Changes that cannot be repeated on the same record (a second choice needs an amend reason) get
# records of their own; every other allowed change may be repeated on the shared ones.
FRESH = frozenset(
    {
        ("POST", "/api/v1/allocations/{record_id}/choice"),
        ("POST", "/allocations/{allocation_id}/choice"),
        ("POST", "/api/v1/episodes/{record_id}/discharge"),
        ("POST", "/episodes/{episode_id}/{action}"),
        ("POST", "/currency/episodes/{episode_id}"),
    }
)
_worlds: dict[str, World] = {}


def shared_world(api: Api) -> World:
    if api.base_url not in _worlds:
        _worlds[api.base_url] = make_world(api)
    return _worlds[api.base_url]


def test_every_route_has_a_matrix_entry(route_app: FastAPI) -> None:
    """A new endpoint or page fails here until someone decides who may use it."""
    served = served_routes(route_app)
    missing = sorted(served - set(API) - set(PAGES))
    assert not missing, f"routes without an access matrix entry: {missing}"
    stale = sorted((set(API) | set(PAGES)) - served)
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"


def _api_client(api: Api, who: str) -> httpx.Client:
    if who == "anonymous":
        return api.anonymous()
    if who in ("clin_a", "lead_a", "clin_b", "auditor", "admin"):
        return api.as_(who)
    raise AssertionError(who)


@pytest.mark.parametrize("role", ROLES)
def test_api_matrix(live: Api, role: str) -> None:
    """Every API endpoint as `role`: allowed ones succeed, the rest are refused without effect."""
    failures = []
    for (method, path), (allowed, build) in sorted(API.items()):
        permitted = role in allowed
        world = make_world(live) if permitted and (method, path) in FRESH else shared_world(live)
        url, kwargs = build(world, live)
        if (method, path) == ("DELETE", "/api/v1/session") and role != "anonymous":
            # signing out ends the token used: sign out a fresh one, not the cached client's
            token = live.login(role).json()["access_token"]
            with live.anonymous() as client:
                response = client.request(method, url, headers={"Authorization": f"Bearer {token}"})
        elif role == "anonymous":
            with live.anonymous() as client:
                response = client.request(method, url, **kwargs)
        else:
            response = _api_client(live, role).request(method, url, **kwargs)
        status = response.status_code
        if permitted and not 200 <= status < 300:
            failures.append(f"{method} {path}: {role} allowed but got {status} {response.text[:200]}")
        if not permitted:
            expected = {401} if role == "anonymous" else {403, 404}
            if status not in expected:
                failures.append(f"{method} {path}: {role} should be refused ({expected}) but got {status}")
    assert not failures, "\n".join(failures)


def _page_client(live: Api, role: str, path: str) -> tuple[httpx.Client, str | None, bool]:
    """(client, csrf token, whether to close it): sign-in and sign-out pages get a session of their own."""
    if role == "anonymous":
        return httpx.Client(base_url=live.base_url, timeout=30), None, True
    if path in ("/sign-in", "/sign-out"):
        from carecluster.http.runtime import SESSION_COOKIE
        from carecluster.web.session import csrf_token_for

        client = httpx.Client(base_url=live.base_url, timeout=30)
        assert client.post("/api/v1/session", data={"username": role, "password": PASSWORD}).status_code == 204
        return client, csrf_token_for(client.cookies[SESSION_COOKIE]), True
    client, token = web_client(live, role)
    return client, token, False


@pytest.mark.parametrize("role", ROLES)
def test_page_matrix(live: Api, role: str) -> None:
    """Every page as `role`, forms sent with the session's own CSRF token so only the role decides."""
    failures = []
    for (method, path), (allowed, build_url, build_form) in sorted(PAGES.items()):
        permitted = role in allowed
        world = make_world(live) if permitted and (method, path) in FRESH else shared_world(live)
        client, token, close = _page_client(live, role, path)
        try:
            url = build_url(world, live)
            if method == "GET":
                response = client.get(url)
            else:
                form = build_form(world, live) if build_form else {}
                response = client.post(url, data={**form, **({"csrf_token": token} if token else {})})
        finally:
            if close:
                client.close()
        status = response.status_code
        to_sign_in = status in (302, 303) and response.headers.get("location", "").startswith("/sign-in")
        if permitted:
            ok = 200 <= status < 300 or (status in (302, 303) and (not to_sign_in or path in ("/sign-out",)))
            if not ok:
                failures.append(f"{method} {path}: {role} allowed but got {status} {response.text[:150]!r}")
        else:
            # an admin sent to a clinical page is redirected to the admin pages (their home): no records shown
            sent_home = role == "admin" and status == 303 and response.headers.get("location") == "/admin/users"
            refused = to_sign_in if role == "anonymous" else status in (403, 404) or sent_home
            if not refused:
                failures.append(f"{method} {path}: {role} should be refused but got {status}")
    assert not failures, "\n".join(failures)
