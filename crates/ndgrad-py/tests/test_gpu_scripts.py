"""The first-GPU-run scripts (scripts/gpu_*.py, GPU.md §8) keep working where no GPU is.

They run on a GPU machine only now and then, so CI runs their skip paths and their GPU-free
parts: each must exit 0 with a `SKIP:` line when CuPy and torch are missing (hidden here, so
the result is the same on a GPU machine, and fast), the division check's generator and
comparison must agree with NumPy itself (--selftest), and the ncu report parser must read
Nsight Compute's CSV.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[3] / "scripts"
pytestmark = pytest.mark.skipif(
    not (SCRIPTS / "gpu_common.py").exists(), reason="scripts/ is not beside this checkout"
)

# Runs a script as __main__ with cupy and torch unimportable (None in sys.modules).
HIDDEN = """
import runpy, sys
sys.modules["cupy"] = sys.modules["torch"] = None
sys.path.insert(0, {dir!r})
sys.argv = [{path!r}, *{args!r}]
runpy.run_path({path!r}, run_name="__main__")
"""


def run(name, *args, hide=True):
    path = str(SCRIPTS / name)
    cmd = [sys.executable, "-c", HIDDEN.format(dir=str(SCRIPTS), path=path, args=list(args))]
    if not hide:
        cmd = [sys.executable, path, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "name", ["gpu_division_check.py", "gpu_bench.py", "gpu_graph_check.py", "gpu_ncu_call.py"]
)
def test_skips_without_cupy_and_torch(name):
    r = run(name)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert any(line.startswith("SKIP: ") for line in lines), r.stdout
    assert lines[-1].startswith("SUMMARY: "), r.stdout


def test_division_selftest():
    r = run("gpu_division_check.py", "--selftest", "--n", "40000", "--batch", "20000", hide=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count(" 0 mismatches") == 6, r.stdout  # a progress line and a summary each


def test_ncu_report(tmp_path):
    n_s = 8 * 512**3
    head = ('"ID","Process ID","Kernel Name","Section Name",'
            '"Metric Name","Metric Unit","Metric Value"')
    rows = [f'"0","1","ndg_grad_f64","m","dram__bytes_read.sum","byte","{n_s:,}"',
            f'"0","1","ndg_grad_f64","m","dram__bytes_write.sum","byte","{3 * n_s:,}"']
    report = tmp_path / "ncu.csv"
    report.write_text("\n".join(["==PROF== Connected", head, *rows]) + "\n")
    r = run("gpu_ncu_call.py", "--report", str(report), hide=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "read 1.074 GB = 1.000× floor, write 3.221 GB = 1.000× floor" in r.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
@pytest.mark.parametrize("name", ["gpu_check.sh", "gpu_prepare.sh", "gpu_sweep.sh"])
def test_shell_syntax(name):
    r = subprocess.run(["bash", "-n", str(SCRIPTS / name)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_sweep_says_what_is_missing(tmp_path):
    # A checkout without dist/sweep: `run` names the step that makes it; no verb is a usage error.
    (tmp_path / "scripts").mkdir()
    script = tmp_path / "scripts" / "gpu_sweep.sh"
    shutil.copy(SCRIPTS / "gpu_sweep.sh", script)
    r = subprocess.run(["bash", str(script), "run"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "run 'scripts/gpu_sweep.sh prepare' first" in r.stderr, r.stderr
    r = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "usage: scripts/gpu_sweep.sh prepare|run" in r.stderr, r.stderr
