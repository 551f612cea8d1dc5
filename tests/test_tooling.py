"""Fast checks of the developer tooling (tools/, .ci/run, README). No Odoo needed.

Odoo is hidden from python3 with a stub `odoo` package that raises ImportError,
put first on PYTHONPATH.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ["tools/run-tests", "tools/demo-server", ".ci/run"]
LIBS = ["tools/lib/common.sh", "tools/lib/pgcluster.sh"]
NO_ODOO_LINE = (
    "run-tests: Odoo 18.0 is not importable by python3: install it from Odoo's "
    "official source (see README)"
)


@pytest.fixture
def no_odoo_env(tmp_path):
    stub = tmp_path / "hide-odoo" / "odoo"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text(
        'raise ImportError("odoo hidden by tests/test_tooling.py")\n'
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHON", "ODOO_RC", "OPENERP_SERVER"}
        and not k.startswith("ODOO_TEST_")
    }
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(stub.parent), os.environ.get("PYTHONPATH")])
    )
    env["REQUIRE_ODOO"] = "1"
    env["CI"] = "true"
    return env


def run(cmd, env, cwd):
    return subprocess.run(
        cmd,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_stub_hides_odoo(no_odoo_env, tmp_path):
    proc = run(["python3", "-c", "import odoo"], no_odoo_env, tmp_path)
    assert proc.returncode != 0


def test_run_tests_requires_odoo(no_odoo_env, tmp_path):
    proc = run([str(ROOT / "tools/run-tests")], no_odoo_env, tmp_path)
    assert proc.returncode == 1
    assert (proc.stdout + proc.stderr).strip() == NO_ODOO_LINE


def test_ci_run_requires_odoo(no_odoo_env, tmp_path):
    """bash .ci/run works from any cwd and sets REQUIRE_ODOO=1 itself."""
    del no_odoo_env["REQUIRE_ODOO"]
    proc = run(["bash", str(ROOT / ".ci/run")], no_odoo_env, tmp_path)
    assert proc.returncode == 1
    assert (proc.stdout + proc.stderr).strip() == NO_ODOO_LINE


def test_demo_server_requires_odoo(no_odoo_env, tmp_path):
    proc = run([str(ROOT / "tools/demo-server")], no_odoo_env, tmp_path)
    assert proc.returncode == 1
    assert (proc.stdout + proc.stderr).strip() == NO_ODOO_LINE.replace(
        "run-tests:", "demo-server:"
    )


@pytest.mark.parametrize("script", SCRIPTS)
def test_scripts_are_executable(script):
    assert os.access(ROOT / script, os.X_OK), f"chmod +x {script}"


@pytest.mark.parametrize("script", SCRIPTS + LIBS)
def test_scripts_parse(script):
    proc = subprocess.run(["bash", "-n", str(ROOT / script)], capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode()


@pytest.mark.parametrize("script", ["tools/run-tests", "tools/demo-server"])
def test_help(script):
    proc = subprocess.run(
        [str(ROOT / script), "--help"], capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 0
    assert "Environment" in proc.stdout


def test_no_machine_specific_paths():
    files = SCRIPTS + LIBS + [".pylintrc", ".ruff.toml", "requirements-dev.txt"]
    if (ROOT / "README.md").exists():
        files.append("README.md")
    for rel in files:
        text = (ROOT / rel).read_text("utf-8")
        for needle in ("/opt/odoo", "/work/", "/root/"):
            assert needle not in text, f"{rel} mentions {needle}"


def readme_section(title):
    text = (ROOT / "README.md").read_text("utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def test_readme_setup_is_two_commands():
    section = readme_section("Set-up")
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", section, re.M | re.S)
    commands = [
        line.strip()
        for block in blocks
        for line in block.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert commands == [
        "python3 -m pip install -r requirements-dev.txt",
        "tools/run-tests",
    ]


def test_ci_run_runs_the_readme_test_command():
    lines = [
        line.strip()
        for line in (ROOT / ".ci/run").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert "set -eu" in lines
    assert "export REQUIRE_ODOO=1" in lines
    assert lines[-1] == "tools/run-tests"


def bash_lib(script, env=None):
    return subprocess.run(
        [
            "bash",
            "-c",
            f'. "{ROOT}/tools/lib/common.sh"; . "{ROOT}/tools/lib/pgcluster.sh"; '
            + script,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=30,
    )


def test_pg_bindir_override(tmp_path):
    for name in ("initdb", "pg_ctl"):
        exe = tmp_path / name
        exe.write_text("#!/bin/sh\n")
        exe.chmod(0o755)
    proc = bash_lib("pgc_find_bindir", {"PG_BINDIR": str(tmp_path)})
    assert proc.returncode == 0
    assert proc.stdout.strip() == str(tmp_path)
    proc = bash_lib("pgc_find_bindir", {"PG_BINDIR": str(tmp_path / "nope")})
    assert proc.returncode != 0
    assert "PG_BINDIR" in proc.stderr


def test_free_port():
    proc = bash_lib('p=$(free_port) && port_is_free "$p" && echo "$p"')
    assert proc.returncode == 0, proc.stderr
    assert 0 < int(proc.stdout) < 65536


def test_odoo_log_problems(tmp_path):
    log = tmp_path / "odoo.log"
    log.write_text(
        "2025-01-01 10:00:00,001 42 INFO db odoo.modules.loading: loading 1 modules\n"
        "2025-01-01 10:00:00,002 42 WARNING db odoo.models: field x in mail\n"
        "2025-01-01 10:00:00,003 42 WARNING db odoo.addons.customer_offboarding"
        ".models.case: bad field\n"
        "2025-01-01 10:00:00,0035 42 WARNING db odoo.models: customer.offboarding.case"
        " has no access rules\n"
        "2025-01-01 10:00:00,004 42 ERROR db odoo.sql_db: bad query\n"
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1\n'
        "2025-01-01 10:00:00,005 42 INFO db odoo.modules.loading: done\n"
    )
    proc = bash_lib(f'odoo_log_problems customer_offboarding "{log}"')
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == [
        "2025-01-01 10:00:00,003 42 WARNING db odoo.addons.customer_offboarding"
        ".models.case: bad field",
        "2025-01-01 10:00:00,0035 42 WARNING db odoo.models: customer.offboarding.case"
        " has no access rules",
        "2025-01-01 10:00:00,004 42 ERROR db odoo.sql_db: bad query",
        "Traceback (most recent call last):",
        '  File "x.py", line 1',
    ]
    clean = tmp_path / "clean.log"
    clean.write_text(log.read_text().splitlines()[0] + "\n")
    proc = bash_lib(f'odoo_log_problems customer_offboarding "{clean}"')
    assert proc.stdout == ""
