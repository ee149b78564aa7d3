"""scripts/ensure-node.sh decides what to do about Node.js before `npm ci`: install it as root,
say what to install otherwise, and warn about a Node.js older than the frontend declares.

Each case runs the real script with a PATH holding only bash, dirname and stand-ins for `id`,
`node`, `npm` and `apt-get`, so nothing is installed and the answer does not depend on who runs
the tests or what this machine has."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "ensure-node.sh"


def _stub(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    path.chmod(0o755)


def _bin(tmp_path: Path, *, uid: int, node: str | None) -> Path:
    """A PATH directory: the tools the script needs, `id -u` answering `uid`, and (unless `node` is
    None) a node answering `node` beside an npm."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname"):
        found = shutil.which(tool)
        assert found is not None, f"{tool} is needed to run the script"
        (bin_dir / tool).symlink_to(found)
    _stub(bin_dir / "id", f"echo {uid}")
    if node is not None:
        _stub(bin_dir / "node", f"echo {node}")
        _stub(bin_dir / "npm", "echo 9.2.0")
    return bin_dir


def _run(bin_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_dir / "bash"), str(SCRIPT)],
        env={"PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_without_npm_and_not_root_it_says_what_to_install_in_one_line(tmp_path: Path) -> None:
    result = _run(_bin(tmp_path, uid=1000, node=None))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "npm (Node.js) not found" in lines[0]
    assert "apt-get install nodejs npm" in lines[0]
    assert result.stdout == ""


def test_without_npm_as_root_it_installs_debians_nodejs_and_npm(tmp_path: Path) -> None:
    bin_dir = _bin(tmp_path, uid=0, node=None)
    log = tmp_path / "apt-get.log"
    # The stand-in apt-get records its arguments and, on install, puts a Debian 12 node and npm on PATH.
    _stub(
        bin_dir / "apt-get",
        f'echo "$*" >> {log}\n'
        'if [ "$1" = install ]; then\n'
        f'  printf "#!/bin/sh\\necho v18.20.4\\n" > {bin_dir}/node; printf "#!/bin/sh\\necho 9.2.0\\n" > {bin_dir}/npm\n'
        f"  {shutil.which('chmod')} 755 {bin_dir}/node {bin_dir}/npm\n"
        "fi",
    )
    result = _run(bin_dir)
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == ["update -qq", "install -y -qq --no-install-recommends nodejs npm"]
    assert "installing Debian's nodejs and npm" in result.stderr
    assert "Node.js v18.20.4 and npm 9.2.0 installed" in result.stderr
    assert "Node.js v18.20.4 is older than 20.9.0" in result.stderr  # Debian 12's nodejs is too old


def test_when_apt_get_installs_nothing_it_fails(tmp_path: Path) -> None:
    bin_dir = _bin(tmp_path, uid=0, node=None)
    _stub(bin_dir / "apt-get", "exit 0")
    result = _run(bin_dir)
    assert result.returncode == 1
    assert "still not on PATH" in result.stderr


def test_a_node_older_than_the_frontend_declares_is_named_in_one_line(tmp_path: Path) -> None:
    for version in ("v18.20.4", "v20.8.9", "v8.0.0"):
        case = tmp_path / version
        case.mkdir()
        result = _run(_bin(case, uid=1000, node=version))
        assert result.returncode == 0, (version, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1, (version, result.stderr)
        assert f"Node.js {version} is older than 20.9.0" in lines[0], version


def test_a_new_enough_node_passes_silently(tmp_path: Path) -> None:
    for version in ("v20.9.0", "v20.20.2", "v22.11.0", "v24.11.1", "v100.0.0"):
        case = tmp_path / version
        case.mkdir()
        result = _run(_bin(case, uid=1000, node=version))
        assert (result.returncode, result.stderr, result.stdout) == (0, "", ""), version


def test_the_minimum_matches_what_nhsuk_frontend_declares() -> None:
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    declared = lock["packages"]["node_modules/nhsuk-frontend"]["engines"]["node"]
    lowest = min(
        tuple(int(part) for part in re.search(r"(\d+)\.(\d+)\.(\d+)", alternative).groups())  # type: ignore[union-attr]
        for alternative in declared.split("||")
    )
    minimum = re.search(r"^MIN_NODE=(\d+)\.(\d+)\.(\d+)$", SCRIPT.read_text(encoding="utf-8"), re.M)
    assert minimum is not None
    assert tuple(int(part) for part in minimum.groups()) == lowest, declared


def test_the_makefile_runs_it_before_npm_ci() -> None:
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"\tscripts/ensure-node\.sh\n\tnpm ci ", recipe)
