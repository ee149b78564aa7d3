"""The 2026/27 currency inputs over HTTP (issue 22): a team's service team type, an episode's coded
referral reason (each refused with its field when the year's tables do not list it), and the
person's group now and through the episode's versions, as the package's cascade decides."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from carecluster.currency import Activity, currency_reference, group_activity
from tests.http.conftest import Api, nhs_number

TODAY = date.today()


def _team(api: Api, **extra: Any) -> Any:
    return api.as_("admin").post("/api/v1/teams", json={"code": f"CUR{nhs_number()}", "name": "Currency", **extra})


def test_a_team_keeps_a_listed_team_type_and_refuses_an_unlisted_one(api: Api) -> None:
    created = _team(api, team_type=" a14 ")
    assert created.status_code == 201, created.text
    assert created.json()["team_type"] == "A14"
    bad = _team(api, team_type="Q99")
    assert bad.status_code == 422
    fault = bad.json()["detail"][0]
    assert fault["loc"] == ["body", "team_type"]
    assert "Q99" in fault["msg"]
    assert "2026-27" in fault["msg"]
    team_id = created.json()["id"]
    assert api.as_("clin_a").patch(f"/api/v1/teams/{team_id}", json={"team_type": "A06"}).status_code == 403
    changed = api.as_("admin").patch(f"/api/v1/teams/{team_id}", json={"team_type": "A06"})
    assert changed.status_code == 200
    assert changed.json()["team_type"] == "A06"
    refused = api.as_("admin").patch(f"/api/v1/teams/{team_id}", json={"team_type": "A99"})
    assert refused.status_code == 422
    listed = {t["id"]: t for t in api.as_("admin").get("/api/v1/teams", params={"limit": 500}).json()["items"]}
    assert listed[team_id]["team_type"] == "A06", "a refused change must leave the stored type alone"
    cleared = api.as_("admin").patch(f"/api/v1/teams/{team_id}", json={"team_type": None})
    assert cleared.json()["team_type"] is None


def test_an_episode_keeps_a_listed_referral_reason_code_beside_the_free_text(api: Api) -> None:
    su = api.service_user()
    path = f"/api/v1/service-users/{su['id']}/episodes"
    body = {"referral_date": str(TODAY - timedelta(days=30)), "referral_reason": "Low mood for months"}
    bad = api.as_("clin_a").post(path, json={**body, "referral_reason_code": "09"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "referral_reason_code"]
    assert api.as_("clin_a").get(path).json()["total"] == 0, "a refused episode stores nothing"
    created = api.as_("clin_a").post(path, json={**body, "referral_reason_code": "04"})
    assert created.status_code == 201, created.text
    assert (created.json()["referral_reason"], created.json()["referral_reason_code"]) == ("Low mood for months", "04")


def _expected(age: int, diagnosis: str | None, team_type: str | None, reason: str | None) -> Any:
    act = Activity(kind="contact", age=age, diagnosis=diagnosis, team_type=team_type, referral_reason=reason)
    return group_activity(act, currency_reference())


def test_the_open_episode_is_grouped_by_the_cascade_and_each_version_kept_in_the_history(api: Api) -> None:
    assert api.as_("admin").patch(f"/api/v1/teams/{api.team['A']}", json={"team_type": "A06"}).status_code == 200
    su = api.service_user(date_of_birth="1980-05-17")
    age = TODAY.year - 1980 - ((TODAY.month, TODAY.day) < (5, 17))
    clin = api.as_("clin_a")
    none_yet = clin.get(f"/api/v1/service-users/{su['id']}/currency")
    assert none_yet.status_code == 200
    assert none_yet.json() == {"current": None, "history": []}
    episode = clin.post(
        f"/api/v1/service-users/{su['id']}/episodes",
        json={"referral_date": str(TODAY - timedelta(days=10)), "primary_diagnosis": "F20.0"},
    ).json()
    got = clin.get(f"/api/v1/service-users/{su['id']}/currency").json()["current"]
    assert (got["code"], got["tier"], got["status"]) == ("MAA96A", "diagnosis", "grouped")
    assert got["population_group"] == "MAA"
    assert got["reference_version"] == "2026-27"
    assert got["reason"] == _expected(age, "F20.0", "A06", None).reason
    assert got["missing"] == []

    amended = clin.post(
        f"/api/v1/episodes/{episode['id']}/amendments",
        json={"primary_diagnosis": None, "amend_reason": "diagnosis withdrawn pending review"},
    )
    assert amended.status_code == 201, amended.text
    answer = clin.get(f"/api/v1/service-users/{su['id']}/currency").json()
    now = answer["current"]
    expected = _expected(age, None, "A06", None)
    assert (now["status"], now["code"], now["tier"]) == ("unclassified", expected.code, "fallback")
    assert now["code"] == "MBU96A"
    assert {m["field"] for m in now["missing"]} == {"PrimDiag", "PrimReasonReferralMH"}
    assert all(m["fix"] == f"/currency/episodes/{episode['id']}" for m in now["missing"])
    assert [(h["episode_version"], h["code"]) for h in answer["history"]] == [(2, "MBU96A"), (1, "MAA96A")]


def test_a_child_with_an_adults_only_diagnosis_takes_the_children_s_group(api: Api) -> None:
    su = api.service_user(date_of_birth=str(date(TODAY.year - 15, 1, 1)))  # 14 or 15 today
    clin = api.as_("clin_a")
    clin.post(
        f"/api/v1/service-users/{su['id']}/episodes",
        json={"referral_date": str(TODAY - timedelta(days=2)), "primary_diagnosis": "F32.1"},
    )
    got = clin.get(f"/api/v1/service-users/{su['id']}/currency").json()["current"]
    assert got["population_group"] == "MCG", got
    assert got["age"] < 18
    assert "under 18" in got["reason"]


def test_another_team_s_person_s_group_is_not_found(api: Api) -> None:
    su = api.service_user()
    assert api.as_("clin_b").get(f"/api/v1/service-users/{su['id']}/currency").status_code == 404


def test_each_grouping_travels_as_a_fhir_observation_and_as_mhs013_periods(api: Api) -> None:
    assert api.as_("admin").patch(f"/api/v1/teams/{api.team['A']}", json={"team_type": "A06"}).status_code == 200
    su = api.service_user(date_of_birth="1970-01-01")
    clin = api.as_("clin_a")
    referral = TODAY - timedelta(days=40)
    episode = clin.post(
        f"/api/v1/service-users/{su['id']}/episodes",
        json={"referral_date": str(referral), "referral_reason_code": "04"},
    ).json()
    clin.post(
        f"/api/v1/episodes/{episode['id']}/amendments",
        json={"primary_diagnosis": "F20.0", "amend_reason": "diagnosis made"},
    )
    bundle = clin.get(f"/api/v1/service-users/{su['id']}/currency/fhir")
    assert bundle.status_code == 200
    assert bundle.headers["content-type"].startswith("application/fhir+json")
    observations = [e["resource"] for e in bundle.json()["entry"]]
    assert [o["valueCodeableConcept"]["coding"][0]["code"] for o in observations] == ["MAA96A", "MAB96A"]
    newest = observations[0]
    assert newest["resourceType"] == "Observation"
    assert newest["subject"]["identifier"] == {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": su["nhs_number"]}
    assert newest["method"]["coding"][0]["code"] == "diagnosis"
    assert newest["identifier"][0]["value"] == f"{episode['id']}.2"
    assert observations[1]["method"]["coding"][0]["code"] == "referral_reason"

    table = clin.get("/api/v1/currency/mhs013")
    assert table.status_code == 200
    body = table.json()
    assert body["table"] == "MHS013MHCurrencyModel"
    mine = [line.split(",") for line in body["csv"].splitlines()[1:] if line.startswith(su["nhs_number"])]
    assert [(row[1], row[2], row[3], row[4]) for row in mine] == [
        ("MAB", str(referral), str(TODAY - timedelta(days=1)), "MAB96A"),
        ("MAA", str(TODAY), "", "MAA96A"),
    ]
    assert api.as_("clin_b").get("/api/v1/currency/mhs013").json()["csv"].count(su["nhs_number"]) == 0


def test_an_open_inpatient_spell_is_grouped_as_a_spell_with_the_ward_bed_type(api: Api) -> None:
    su = api.service_user(date_of_birth="1975-03-03")
    clin = api.as_("clin_a")
    clin.post(
        f"/api/v1/service-users/{su['id']}/episodes",
        json={"referral_date": str(TODAY - timedelta(days=20)), "referral_reason_code": "04"},
    )
    spells = f"/api/v1/service-users/{su['id']}/inpatient-spells"
    bad = clin.post(spells, json={"admitted_on": str(TODAY - timedelta(days=3)), "bed_type": "10"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "bed_type"]
    backwards = clin.post(
        spells, json={"admitted_on": str(TODAY - timedelta(days=3)), "discharged_on": str(TODAY - timedelta(days=4))}
    )
    assert backwards.status_code == 422
    assert backwards.json()["detail"][0]["loc"] == ["body", "discharged_on"]
    assert clin.get(spells).json()["total"] == 0, "refused spells store nothing"

    spell = clin.post(spells, json={"admitted_on": str(TODAY - timedelta(days=3))})
    assert spell.status_code == 201, spell.text
    again = clin.post(spells, json={"admitted_on": str(TODAY - timedelta(days=1))})
    assert again.status_code == 409
    now = clin.get(f"/api/v1/service-users/{su['id']}/currency").json()["current"]
    expected = group_activity(
        Activity(kind="spell", age=now["age"], diagnosis=None, bed_type=None, referral_reason="04"),
        currency_reference(),
    )
    assert now["spell_id"] == spell.json()["id"]
    assert (now["code"], now["family"], now["tier"]) == (expected.code, "98", "referral_reason")
    assert now["code"] == "MAB98Z"

    moved = clin.post(
        f"/api/v1/inpatient-spells/{spell.json()['id']}/amendments",
        json={"bed_type": "202", "amend_reason": "moved to the PICU"},
    )
    assert moved.status_code == 201, moved.text
    now = clin.get(f"/api/v1/service-users/{su['id']}/currency").json()["current"]
    assert (now["code"], now["bed_type"]) == ("MAB98A", "202")
    clin.post(
        f"/api/v1/inpatient-spells/{spell.json()['id']}/amendments",
        json={"discharged_on": str(TODAY), "amend_reason": "discharged home"},
    )
    after = clin.get(f"/api/v1/service-users/{su['id']}/currency").json()["current"]
    assert after["spell_id"] is None
    assert after["family"] in ("96", "97")


def _caseload(api: Api, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Every row of team A's caseload (all pages) and the `total` the first page gave."""
    rows: list[dict[str, Any]] = []
    total = None
    while True:
        got = api.as_("clin_a").get(
            "/api/v1/caseload", params={"team_id": api.team["A"], "limit": 100, "offset": len(rows), **params}
        )
        assert got.status_code == 200, got.text
        body = got.json()
        total = body["total"] if total is None else total
        assert body["total"] == total, "the total must not change from page to page"
        rows += body["items"]
        if not body["items"] or len(rows) >= total:
            return rows, total


def test_the_api_caseload_carries_each_person_s_group_and_filters_by_population_group(api: Api) -> None:
    assert api.as_("admin").patch(f"/api/v1/teams/{api.team['A']}", json={"team_type": "A06"}).status_code == 200
    clin = api.as_("clin_a")
    people = {}
    for key, diagnosis in (("psychosis", "F20.0"), ("mood", "F32.1"), ("nothing", None), ("no_episode", "-")):
        su = api.service_user(date_of_birth="1980-05-17", name=f"Grouped {key}")
        people[key] = su["id"]
        if diagnosis != "-":
            episode = {"referral_date": str(TODAY - timedelta(days=5)), "primary_diagnosis": diagnosis}
            assert clin.post(f"/api/v1/service-users/{su['id']}/episodes", json=episode).status_code == 201
    age = TODAY.year - 1980 - ((TODAY.month, TODAY.day) < (5, 17))

    everyone, total = _caseload(api)
    assert total == len(everyone)
    by_id = {r["service_user_id"]: r for r in everyone}
    for key, diagnosis in (("psychosis", "F20.0"), ("mood", "F32.1"), ("nothing", None)):
        want = _expected(age, diagnosis, "A06", None)
        row = by_id[people[key]]
        got = (row["currency_code"], row["population_group"], row["population_name"], row["currency_status"])
        assert got == (want.code, want.population_group, want.population_name, want.status), (key, row)
    assert by_id[people["nothing"]]["currency_status"] == "unclassified"
    assert [by_id[people["no_episode"]][f] for f in ("currency_code", "population_group", "currency_status")] == [
        None,
        None,
        None,
    ]

    maa, maa_total = _caseload(api, group="MAA")
    assert maa_total == len(maa) == sum(1 for r in everyone if r["population_group"] == "MAA")
    assert people["psychosis"] in {r["service_user_id"] for r in maa}
    assert {r["population_group"] for r in maa} == {"MAA"}
    ungrouped, ungrouped_total = _caseload(api, group="ungrouped")
    assert ungrouped_total == sum(1 for r in everyone if r["population_group"] is None)
    assert people["no_episode"] in {r["service_user_id"] for r in ungrouped}
    assert {r["population_group"] for r in ungrouped} == {None}
    codes = [g.group_code for g in currency_reference().population_groups] + ["ungrouped"]
    totals = [_caseload(api, group=code)[1] for code in codes]
    assert sum(totals) == total, "every person is in exactly one group or ungrouped"

    one = clin.get("/api/v1/caseload", params={"team_id": api.team["A"], "group": "MAA", "limit": 1}).json()
    assert (len(one["items"]), one["total"]) == (1, maa_total), "paging keeps the filtered total"


def test_an_unknown_group_is_refused_naming_the_parameter_and_the_codes(api: Api) -> None:
    clin = api.as_("clin_a")
    for bad in ("MZZ", "maa", "none"):
        got = clin.get("/api/v1/caseload", params={"team_id": api.team["A"], "group": bad})
        assert got.status_code == 422, (bad, got.text)
        fault = got.json()["detail"][0]
        assert fault["loc"] == ["query", "group"], fault
    unlisted = clin.get("/api/v1/caseload", params={"team_id": api.team["A"], "group": "MZZ"}).json()["detail"][0]
    assert "population_groups.csv" in unlisted["msg"]
    assert "2026-27" in unlisted["msg"]
    assert all(g.group_code in unlisted["msg"] for g in currency_reference().population_groups)
    assert "ungrouped" in unlisted["msg"]


def test_the_openapi_document_describes_the_group_filter_and_the_row_s_group(api: Api) -> None:
    schema = api.anonymous().get("/openapi.json").json()
    params = {p["name"]: p for p in schema["paths"]["/api/v1/caseload"]["get"]["parameters"]}
    assert "ungrouped" in params["group"]["description"]
    row = schema["components"]["schemas"]["CaseloadGroupRow"]["properties"]
    for name in ("currency_code", "population_group", "population_name", "currency_status"):
        assert row[name].get("description"), name
