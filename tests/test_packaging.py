"""Packaging of customer_offboarding as a wheel (whool), and its manifest.

Plain pytest, no Odoo needed. The wheel is built offline from a copy of the
addon outside any git checkout: whool then packs the files as they are (in a
git checkout it would pack only the files known to git, and add a .99.devN
suffix to the version when commits follow the last version change), so the
test gives the same answer before and after a commit.
"""

import ast
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ADDON = "customer_offboarding"
ADDON_DIR = ROOT / ADDON
VERSION_RE = re.compile(r"^18\.0\.\d+\.\d+\.\d+$")
ALLOWED_LICENSES = {
    "AGPL-3",
    "GPL-2",
    "GPL-2 or any later version",
    "GPL-3",
    "GPL-3 or any later version",
    "LGPL-3",
    "OPL-1",
    "OEEL-1",
}
# Files that are never part of the package.
IGNORED = shutil.ignore_patterns(
    "__pycache__", "*.pyc", "*.pyo", "build", "dist", "*.egg-info", ".*cache"
)


def read_manifest():
    return ast.literal_eval((ADDON_DIR / "__manifest__.py").read_text("utf-8"))


def addon_files():
    """Files of the addon that a commit would contain (tracked or not ignored),
    relative to the addon; None when git cannot tell."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ADDON_DIR,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    files = [f for f in out.decode().split("\0") if f]
    return [f for f in files if (ADDON_DIR / f).is_file()] or None


def copy_addon(dst):
    files = addon_files()
    if files is None:
        shutil.copytree(ADDON_DIR, dst, ignore=IGNORED)
        return
    for rel in files:
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ADDON_DIR / rel, target)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    addon_copy = src / ADDON  # whool names the package after the directory
    copy_addon(addon_copy)
    out = tmp / "dist"
    # the copy must not be seen as part of an enclosing git checkout
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(src)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(addon_copy),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheels = sorted(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_pyproject_uses_whool():
    text = (ADDON_DIR / "pyproject.toml").read_text("utf-8")
    try:
        import tomllib
    except ImportError:  # Python 3.10
        pytest.skip("tomllib needs Python 3.11")
    build_system = tomllib.loads(text)["build-system"]
    assert build_system["requires"] == ["whool"]
    assert build_system["build-backend"] == "whool.buildapi"


def test_wheel_name(wheel):
    version = read_manifest()["version"]
    assert wheel.name == f"odoo_addon_{ADDON}-{version}-py3-none-any.whl"


def test_wheel_metadata(wheel):
    with zipfile.ZipFile(wheel) as zf:
        (metadata_name,) = [
            n for n in zf.namelist() if n.endswith(".dist-info/METADATA")
        ]
        metadata = zf.read(metadata_name).decode()
    assert f"Name: odoo-addon-{ADDON}\n" in metadata
    assert "Requires-Dist: odoo==18.0.*" in metadata


def test_wheel_contents(wheel):
    prefix = f"odoo/addons/{ADDON}/"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    assert prefix + "__manifest__.py" in names
    assert prefix + "__init__.py" in names
    assert prefix + "models/__init__.py" in names
    # every Python file of the models and every data/demo file is packaged
    source_models = {
        str(p.relative_to(ADDON_DIR))
        for p in (ADDON_DIR / "models").glob("*.py")
        if p.is_file()
    }
    assert source_models, "customer_offboarding/models has no Python file"
    manifest = read_manifest()
    expected = (
        source_models | set(manifest.get("data", [])) | set(manifest.get("demo", []))
    )
    missing = sorted(rel for rel in expected if prefix + rel not in names)
    assert not missing, f"not in the wheel: {missing}"
    assert prefix + "pyproject.toml" not in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_manifest_keys():
    manifest = read_manifest()
    for key in ("name", "summary", "version", "license", "author", "depends"):
        assert manifest.get(key), f"manifest key {key!r} missing or empty"
    assert VERSION_RE.match(manifest["version"]), manifest["version"]
    assert manifest["license"] in ALLOWED_LICENSES, manifest["license"]
    assert "description" not in manifest, "use readme/ or README.rst, not description"
    assert isinstance(manifest["depends"], list)
    assert manifest.get("installable", True) is True


def test_manifest_files_exist():
    manifest = read_manifest()
    for key in ("data", "demo"):
        listed = manifest.get(key, [])
        assert len(listed) == len(set(listed)), f"{key} lists a file twice"
        missing = [rel for rel in listed if not (ADDON_DIR / rel).is_file()]
        assert not missing, f"manifest {key} lists missing files: {missing}"
