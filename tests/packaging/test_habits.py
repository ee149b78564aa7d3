"""Habits that keep installs repeatable: one version, a lock that covers every dependency, a
hypothesis profile without deadlines, and domain tests that start without the browser package."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import hypothesis

import carecluster

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement).group(0)).lower()  # type: ignore[union-attr]


def test_the_version_is_written_once_in_pyproject() -> None:
    assert carecluster.__version__ == PYPROJECT["project"]["version"]
    written = [
        path.relative_to(ROOT)
        for path in (ROOT / "src").rglob("*.py")
        if re.search(r"""__version__\s*=\s*["']\d+\.\d+""", path.read_text(encoding="utf-8"))
    ]
    assert written == []


def test_the_lock_pins_every_dependency_with_hashes() -> None:
    lock = (ROOT / "requirements-lock.txt").read_text(encoding="utf-8")
    pinned = {
        _name(m.group(1)): m.group(2) for m in re.finditer(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==(\S+)", lock, re.M)
    }
    wanted = [*PYPROJECT["project"]["dependencies"], *PYPROJECT["project"]["optional-dependencies"]["dev"]]
    missing = sorted({_name(r) for r in wanted} - set(pinned))
    assert missing == [], f"run `make lock`: {missing} not in requirements-lock.txt"
    blocks = re.split(r"\n(?=[A-Za-z0-9])", lock.strip())
    assert all("--hash=sha256:" in block for block in blocks)


def test_the_ci_profile_has_no_deadline() -> None:
    assert hypothesis.settings.default.deadline is None
    assert hypothesis.settings.get_profile("ci").deadline is None


def test_domain_tests_start_without_the_browser_package(tmp_path: Path) -> None:
    blocker = tmp_path / "playwright"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('playwright is not installed here')\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests/domain"],
        cwd=ROOT,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert re.search(r"\d+ tests? collected", result.stdout)
