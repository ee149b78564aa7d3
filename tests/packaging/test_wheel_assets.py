"""A built wheel carries the frontend assets and, installed with no Node.js and no node_modules
anywhere near, serves the styled pages and the API documentation (issue 19: "pip install
carecluster alone gives a web app without its stylesheet")."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NEEDED = (
    "carecluster/web/static/vendor/nhsuk/nhsuk-frontend.min.css",
    "carecluster/web/static/vendor/nhsuk/nhsuk-frontend.min.js",
    "carecluster/web/static/vendor/nhsuk/assets/images/nhsuk-icon-cross.svg",
    "carecluster/web/static/vendor/nhsuk/assets/images/favicon.ico",
    "carecluster/web/static/vendor/swagger-ui/swagger-ui-bundle.js",
    "carecluster/web/static/vendor/swagger-ui/swagger-ui.css",
    "carecluster/web/static/vendor/swagger-ui/LICENSE",
    "carecluster/web/static/docs-init.js",
    "carecluster/web/templates/partials/shared.html",
    "carecluster/interop/nds/data/mhsds_assessment_codes.csv",
    "carecluster/reports/data/national_proms.json",
)
SERVE = """
import sys
from pathlib import Path
from fastapi import FastAPI
from fastapi.testclient import TestClient
import carecluster
from carecluster.web import mount_web

assert Path(carecluster.__file__).resolve().is_relative_to(Path(sys.argv[1]).resolve()), carecluster.__file__
app = FastAPI()
mount_web(app)
client = TestClient(app)
css = client.get("/assets/nhsuk/nhsuk-frontend.min.css")
assert css.status_code == 200 and ".nhsuk-header" in css.text, css.status_code
assert client.get("/assets/nhsuk/assets/images/nhsuk-icon-cross.svg").status_code == 200
assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
page = client.get("/rate")
assert page.status_code == 200 and "/assets/nhsuk/nhsuk-frontend.min.css" in page.text
print("served", len(css.content))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        timeout=300,
    )
    (built,) = out.glob("carecluster-*.whl")
    return built


def test_the_wheel_holds_every_asset_the_pages_ask_for(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in NEEDED if name not in names]
    assert missing == []
    assert not any("node_modules" in name for name in names)


def test_an_installed_copy_serves_the_stylesheet_without_node(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)  # a wheel installs by unpacking: this is the installed copy
    elsewhere = tmp_path / "cwd"  # far from the checkout's node_modules
    elsewhere.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", SERVE, str(site)],
        cwd=elsewhere,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("served")
