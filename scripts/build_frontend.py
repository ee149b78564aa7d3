"""Copy the built frontend assets the web app serves from node_modules into the Python package.

Run by `make install` after `npm ci`. The copies are committed under
src/carecluster/web/static/vendor/, so a wheel (or a plain `pip install`) serves styled pages and
the API documentation with no Node.js and no request to any other host:

- nhsuk-frontend: the minified stylesheet and script, and the images the stylesheet uses. The
  stylesheet's @font-face rules are removed: they load Frutiger from assets.nhs.uk, a licensed
  font that may not be redistributed, and a closed trust network waits seconds on it. Without
  them the text falls back to Arial/sans-serif, as NHS.UK's own font stack does. The images'
  absolute /assets/images/ paths are made relative to the stylesheet.
- swagger-ui-dist: the bundle and stylesheet for /docs.

VERSIONS.json records each package's version and licence (nhsuk-frontend: MIT; swagger-ui-dist:
Apache-2.0, whose LICENSE and NOTICE are copied beside it).

`--check` compares instead of writing, and fails if the committed copies are out of date.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE = ROOT / "node_modules"
VENDOR = ROOT / "src" / "carecluster" / "web" / "static" / "vendor"
FONT_FACE = re.compile(r"@font-face\{[^}]*\}")
ABSOLUTE_IMAGES = "url(/assets/images/"
OUTSIDE_URL = re.compile(r"url\(\s*['\"]?(?:https?:)?//", re.IGNORECASE)


def _about(package: str) -> dict[str, str]:
    """The package's version and licence, as its package.json states them."""
    meta = json.loads((NODE / package / "package.json").read_text(encoding="utf-8"))
    return {"version": meta["version"], "license": meta.get("license", "")}


def nhsuk_stylesheet(css: str) -> str:
    """The NHS.UK stylesheet with no remote fonts and image paths relative to the stylesheet."""
    css = FONT_FACE.sub("", css).replace(ABSOLUTE_IMAGES, "url(assets/images/")
    if OUTSIDE_URL.search(css):
        raise SystemExit("build_frontend: the NHS.UK stylesheet still refers to another host")
    return css


def planned() -> dict[Path, bytes]:
    """Every file to write under VENDOR, by its path there."""
    nhsuk = NODE / "nhsuk-frontend" / "dist" / "nhsuk"
    swagger = NODE / "swagger-ui-dist"
    for folder in (nhsuk, swagger):
        if not folder.is_dir():
            raise SystemExit(f"build_frontend: {folder} is missing: run `npm ci` first")
    files: dict[Path, bytes] = {
        Path("nhsuk/nhsuk-frontend.min.css"): nhsuk_stylesheet(
            (nhsuk / "nhsuk-frontend.min.css").read_text(encoding="utf-8")
        ).encode(),
        Path("nhsuk/nhsuk-frontend.min.js"): (nhsuk / "nhsuk-frontend.min.js").read_bytes(),
    }
    for image in sorted((nhsuk / "assets" / "images").iterdir()):
        if image.suffix in (".svg", ".ico", ".png"):
            files[Path("nhsuk/assets/images") / image.name] = image.read_bytes()
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt"):
        files[Path("swagger-ui") / name] = (swagger / name).read_bytes()
    versions = {name: _about(name) for name in ("nhsuk-frontend", "swagger-ui-dist")}
    files[Path("VERSIONS.json")] = (json.dumps(versions, indent=2, sort_keys=True) + "\n").encode()
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed copies differ")
    args = parser.parse_args()
    files = planned()
    stale = [
        path for path, data in files.items() if not (VENDOR / path).is_file() or (VENDOR / path).read_bytes() != data
    ]
    if args.check:
        for path in stale:
            print(f"build_frontend: {VENDOR / path} is out of date", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        (VENDOR / path).parent.mkdir(parents=True, exist_ok=True)
        (VENDOR / path).write_bytes(files[path])
    print(f"build_frontend: {len(files)} files in {VENDOR.relative_to(ROOT)} ({len(stale)} updated)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
