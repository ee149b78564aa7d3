"""Security controls an information governance team asks to see working: CSRF on every form,
cookie flags, cross-site use of the session cookie, sign-in throttling without lock-out (also under
concurrent guessing), secrets never logged, and an audit log nothing can edit."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from carecluster.http.runtime import SESSION_COOKIE
from carecluster.service.errors import RateLimited, Unauthorised
from carecluster.service.security import login
from carecluster.service.throttle import FREE_FAILURES
from carecluster.store.models import AuditEvent, Record, User
from tests.http.conftest import PASSWORD, Api, nhs_number
from tests.reliability.conftest import serve, served_routes, web_client
from tests.reliability.test_access_matrix import PAGES, shared_world

RATINGS = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]


def _cookie_header(response: httpx.Response) -> str:
    headers = [v for k, v in response.headers.multi_items() if k.lower() == "set-cookie" and SESSION_COOKIE in v]
    assert len(headers) == 1, response.headers
    return headers[0].lower()


@pytest.mark.parametrize("secure", [False, True])
def test_session_cookie_flags(secure: bool) -> None:
    """HttpOnly (no script can read it), SameSite=Lax, Path=/, and Secure when served over HTTPS."""
    for server in serve("sqlite", "unused", secure_cookies=secure):
        with httpx.Client(base_url=server.base_url) as client:
            for response in (
                client.post("/api/v1/session", data={"username": "clin_a", "password": PASSWORD}),
                client.post("/sign-in", data={"username": "clin_a", "password": PASSWORD}),
            ):
                assert response.status_code in (204, 303), response.text
                cookie = _cookie_header(response)
                assert "httponly" in cookie
                assert "samesite=lax" in cookie
                assert "path=/" in cookie
                assert ("; secure" in cookie) is secure


def _post_page_routes(app: FastAPI) -> list[tuple[str, str]]:
    return sorted((m, p) for m, p in served_routes(app) if m == "POST" and not p.startswith("/api/"))


def test_every_form_needs_the_sessions_csrf_token(live: Api, route_app: FastAPI) -> None:
    """Every page form post (read from the app, so a new form is covered) with the session cookie
    but without its CSRF token, or with another session's, is refused and saves nothing."""
    clin_client, _ = web_client(live, "clin_a")
    admin_client, _ = web_client(live, "admin")
    _other, other_token = web_client(live, "lead_a")  # a valid token, of another session
    world = shared_world(live)
    checked = 0
    for method, path in _post_page_routes(route_app):
        if path == "/sign-in":
            continue  # no session yet: guarded by the Origin check below
        _allowed, build_url, build_form = PAGES[(method, path)]
        client = admin_client if path.startswith("/admin") else clin_client
        form = build_form(world, live) if build_form else {}
        url = build_url(world, live)
        for token in (None, other_token, "0" * 64):
            with live.db.transaction(write=False) as session:
                before = (
                    session.scalar(select(func.count()).select_from(Record)),
                    session.scalar(select(func.count()).select_from(User)),
                )
            data = {**form, **({"csrf_token": token} if token else {})}
            response = client.post(url, data=data)
            assert response.status_code == 403, f"{path} with csrf_token={token!r}: {response.status_code}"
            with live.db.transaction(write=False) as session:
                after = (
                    session.scalar(select(func.count()).select_from(Record)),
                    session.scalar(select(func.count()).select_from(User)),
                )
            assert after == before, f"{path} saved something without a valid CSRF token"
        checked += 1
    assert checked >= 8
    # the sessions used above are still signed in (sign-out without a token was refused too)
    assert clin_client.get("/caseload").status_code == 200


def test_sign_in_from_another_site_is_refused(live: Api) -> None:
    with httpx.Client(base_url=live.base_url) as client:
        response = client.post(
            "/sign-in", data={"username": "clin_a", "password": PASSWORD}, headers={"Origin": "https://evil.example"}
        )
        assert response.status_code == 403
        assert SESSION_COOKIE not in response.cookies


def test_the_session_cookie_does_not_work_from_another_site(live: Api) -> None:
    """The API accepts the cookie for changes only from this service's pages (Origin check)."""
    client, _ = web_client(live, "clin_a")
    body = {"nhs_number": nhs_number(), "name": "Cross Site", "date_of_birth": "1980-01-01", "team_id": live.team["A"]}
    refused = client.post("/api/v1/service-users", json=body, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    accepted = client.post("/api/v1/service-users", json=body, headers={"Origin": live.base_url})
    assert accepted.status_code == 201


def test_failed_logins_slow_the_guesser_and_never_lock_the_owner_out(live: Api) -> None:
    """Per account and client: the guessing address waits (429, Retry-After), the owner elsewhere
    signs in; on the old code ten failures locked the account for everyone for 15 minutes."""
    for _ in range(FREE_FAILURES):
        assert live.login("guesser", "wrong password").status_code == 401
    limited = live.login("guesser", "wrong password")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert live.login("guesser").status_code == 429  # the right password from the guessing address waits
    for i in range(12):  # guesses from many addresses, past any per-address brake
        with pytest.raises(Unauthorised):
            login(live.db, "locked", "wrong password", f"10.0.0.{i}")
    assert login(live.db, "locked", PASSWORD, "10.0.1.1")[0]  # the owner is never locked out
    with live.db.transaction(write=False) as session:
        failed = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "login_failed", AuditEvent.username.in_(("locked", "guesser")))
        )
    assert failed == 12 + FREE_FAILURES + 2  # every wrong password and every refusal while waiting


def test_concurrent_guessing_is_counted_exactly(live: Api) -> None:
    """Failures from one address at the same moment are each counted: the next attempt waits."""
    admin = live.as_("admin")
    username = f"target.{nhs_number()}"
    made = admin.post(
        "/api/v1/users",
        json={"username": username, "full_name": "Target", "role": "clinician", "password": "the right password"},
    )
    assert made.status_code == 201
    barrier = threading.Barrier(FREE_FAILURES)
    outcomes: list[str] = []

    def guess(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            login(live.db, username, f"guess {i}", "10.1.0.1")
        except Unauthorised:
            outcomes.append("401")
        except RateLimited:
            outcomes.append("429")

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(FREE_FAILURES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes == ["401"] * FREE_FAILURES
    with pytest.raises(RateLimited):
        login(live.db, username, "the right password", "10.1.0.1")
    assert login(live.db, username, "the right password", "10.1.1.1")[0]


@pytest.fixture
def every_log_record() -> Iterator[list[logging.LogRecord]]:
    """Everything logged anywhere in the process, at every level, while the test runs."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    root = logging.getLogger()
    handler = Keep(level=logging.DEBUG)
    levels = {
        name: logging.getLogger(name).level for name in ("", "uvicorn", "uvicorn.access", "uvicorn.error", "sqlalchemy")
    }
    root.addHandler(handler)
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield records
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def test_passwords_and_tokens_are_never_logged_or_audited(live: Api, every_log_record: list[logging.LogRecord]) -> None:
    secret_password = "s3cret-horse-" + nhs_number()
    admin = live.as_("admin")
    username = f"secret.{nhs_number()}"
    created = admin.post(
        "/api/v1/users",
        json={"username": username, "full_name": "Secret", "role": "clinician", "password": secret_password},
    )
    assert created.status_code == 201
    new_password = secret_password + "-changed"
    assert admin.patch(f"/api/v1/users/{created.json()['id']}", json={"password": new_password}).status_code == 200
    assert live.login(username, secret_password).status_code == 401  # a failed login with the old password
    token = live.login(username, new_password).json()["access_token"]
    with httpx.Client(base_url=live.base_url, headers={"Authorization": f"Bearer {token}"}) as client:
        assert client.get("/api/v1/me").status_code == 200
        assert client.get("/api/v1/caseload", params={"team_id": 999999}).status_code in (403, 404)
    with httpx.Client(base_url=live.base_url) as browser:
        assert browser.post("/sign-in", data={"username": username, "password": new_password}).status_code == 303
        cookie = browser.cookies[SESSION_COOKIE]
        assert browser.get("/caseload").status_code == 200
    secrets = (secret_password, new_password, token, cookie)
    server_side = [r for r in every_log_record if not r.name.startswith(("httpx", "httpcore"))]  # not the test's client
    assert server_side, "nothing was logged at DEBUG: the check below would prove nothing"
    for record in server_side:
        message = record.getMessage() + repr(record.args) + repr(getattr(record, "exc_text", ""))
        for secret in secrets:
            assert secret not in message, f"a secret was logged by {record.name}"
    with live.db.transaction(write=False) as session:
        rows = session.execute(text("SELECT * FROM audit_log")).all()
        stored_tokens = session.execute(text("SELECT * FROM auth_tokens")).all()
    dump = repr(rows)
    for secret in secrets:
        assert secret not in dump, "a secret is in the audit log"
        assert secret not in repr(stored_tokens), "a token or password is stored in clear"


def test_sign_out_ends_the_token_at_once(live: Api) -> None:
    token = live.login("auditor").json()["access_token"]
    with httpx.Client(base_url=live.base_url, headers={"Authorization": f"Bearer {token}"}) as client:
        assert client.get("/api/v1/me").status_code == 200
        assert client.delete("/api/v1/session").status_code == 204
        assert client.get("/api/v1/me").status_code == 401


def test_the_audit_log_cannot_be_edited_through_any_interface(live: Api, route_app: FastAPI) -> None:
    # No route but GET reaches the audit log (the API and the auditors' pages), and the other
    # methods are not allowed.
    audit_routes = {(m, p) for m, p in served_routes(route_app) if "audit" in p}
    assert audit_routes == {("GET", "/api/v1/audit"), ("GET", "/audit"), ("GET", "/audit.csv")}
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert live.as_("admin").request(method, "/api/v1/audit", json={}).status_code == 405
        assert live.as_("admin").request(method, "/api/v1/audit/1", json={}).status_code in (404, 405)
        for page in ("/audit", "/audit.csv"):
            assert live.as_("admin").request(method, page, data={}).status_code in (403, 405)
    # Reads are audited: opening a record adds an entry naming it.
    su = live.service_user()
    assert live.as_("clin_a").get(f"/api/v1/service-users/{su['id']}").status_code == 200
    trail = live.as_("auditor").get("/api/v1/audit", params={"record_id": su["id"]}).json()
    assert {"create", "read"} <= {e["action"] for e in trail["items"]} or len(trail["items"]) >= 2
    # Underneath, the database itself refuses to change or delete audit rows, whoever asks.
    for statement in (
        update(AuditEvent).values(detail="tampered"),
        text("DELETE FROM audit_log"),
        text("UPDATE audit_log SET username = 'someone else'"),
    ):
        with pytest.raises(DBAPIError, match=r"append-only|forbidden"), live.db.transaction() as session:
            session.execute(statement)
    with live.db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.detail == "tampered")) == 0


def test_clinical_rows_cannot_be_rewritten_or_deleted_in_the_database(live: Api) -> None:
    su = live.service_user()
    live.as_("clin_a").post(
        f"/api/v1/service-users/{su['id']}/assessments", json={"ratings": RATINGS, "assessed_on": str(date.today())}
    )
    for statement in (
        f"UPDATE service_users SET name = 'Changed' WHERE record_id = '{su['id']}'",
        f"DELETE FROM service_users WHERE record_id = '{su['id']}'",
        f"UPDATE allocations SET suggested_cluster = 9 WHERE service_user_id = '{su['id']}'",
        f"DELETE FROM assessments WHERE service_user_id = '{su['id']}'",
        f"DELETE FROM records WHERE id = '{su['id']}'",
    ):
        with pytest.raises(DBAPIError), live.db.transaction() as session:
            session.execute(text(statement))
