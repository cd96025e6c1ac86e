# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every check of hostup.cloud as a nox session: `nox -l` lists them, `make test` runs `nox -s test`.

antsibull-nox adds the sessions of antsibull-nox.toml; the ones here run what needs another
runner on a machine without a container engine. Each keeps its venv in .nox/.
"""

from __future__ import absolute_import, division, print_function

import ast
import contextlib
import difflib
import filecmp
import glob
import hashlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import nox
import yaml

try:
    import antsibull_nox
    from antsibull_nox.sessions import prepare_collections
except ImportError:
    sys.exit("noxfile.py needs antsibull-nox beside nox: pip install -r requirements-dev.txt")

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tests" / "matrix"))
import checks  # noqa: E402  pylint: disable=wrong-import-position
import readme  # noqa: E402  pylint: disable=wrong-import-position

antsibull_nox.load_antsibull_nox_toml()

nox.options.reuse_venv = "yes"
nox.options.sessions = ["test"]

# `make test`, in order: the quick static checks first, so a slip fails in seconds.
STAGES = ["lint", "extra-checks", "docs-check", "changelog", "ansible-lint", "sanity", "pytest", "build", "matrix", "galaxy"]

# What the sessions below install (antsibull-nox.toml pins the packages of its own sessions).
ANSIBLE_CORE = "ansible-core>=2.19,<2.20"  # the newest ansible-core hostup.cloud supports
COLLECTION_REQUIREMENTS = ("-r", "requirements.txt")  # what the modules import
PYTEST = ("pytest>=8,<10", "pytest-xdist>=3.5,<4")
ANSIBLE_CHANGELOG = "antsibull-changelog>=0.30,<1"

OUTPUT = ROOT / "tests" / "output"
DIST = ROOT / "build" / "dist"
CORE_VERSIONS = [line.strip() for line in (ROOT / "tests" / "matrix" / "ansible-core-versions.txt").read_text().splitlines()
                 if line.strip() and not line.startswith("#")]
MATRIX_JOBS = os.environ.get("MATRIX_JOBS", "2")
# A file or directory name in the tarball that only a build or a test run makes.
GENERATED = re.compile(r"(^|/)(\.venv[^/]*|\.nox|\.ansible|tests/output|__pycache__|build|\.git|\.pytest_cache)(/|$)"
                       r"|\.tar\.gz$|\.pyc$|importer_result\.json")


# --- helpers -----------------------------------------------------------------------------

def install(session, *args):
    """pip install ``args`` into the session's venv, unless this reused venv already holds exactly that.

    The venv is installed into again when the arguments or a requirement file they name
    (-r/-c, and what those name) change.
    """
    texts = list(args) + [path.read_text() for path in requirement_files(args, ROOT)]
    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()
    stamp = Path(session.virtualenv.location) / "hostup-requirements.sha256"
    if stamp.is_file() and stamp.read_text() == key:
        session.log("the venv already holds %s" % " ".join(args))
        return
    session.install(*args)
    stamp.write_text(key)


def requirement_files(args, base):
    """The files that -r and -c in ``args`` name (relative to ``base``), and the files those name."""
    found = []
    for option, value in zip(args, args[1:]):
        if option in ("-r", "-c"):
            path = (base / value).resolve()
            words = [word for line in path.read_text().splitlines() for word in line.split("#")[0].split()]
            found += [path] + requirement_files(words, path.parent)
    return found


def collections_tree():
    """.nox/collections, where ansible_collections/hostup/cloud is a symlink to this checkout.

    pytest imports the collection from there (PYTHONPATH) and ansible finds it there
    (ANSIBLE_COLLECTIONS_PATH) without installing it.
    """
    parent = ROOT / ".nox" / "collections"
    link = parent / "ansible_collections" / "hostup" / "cloud"
    if not link.is_symlink():
        link.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # matrix versions run in parallel
            link.symlink_to(ROOT)
    return parent


def checkout_env(**extra):
    """The environment of a session that uses this checkout as the collection hostup.cloud."""
    tree = str(collections_tree())
    env = {"PYTHONPATH": tree, "ANSIBLE_COLLECTIONS_PATH": tree, "ANSIBLE_NOCOLOR": os.environ.get("ANSIBLE_NOCOLOR", "1")}
    env.update(extra)
    return env


def find_python(version):
    """The path of a working Python ``version`` ("3.9"), or None when this machine has none.

    Looks on PATH, then among pyenv's builds: where PYENV_ROOT says, in ~/.pyenv, and beside
    the shims on PATH (HOME may not be the user's home, as in a CI job). A pyenv shim of a
    version that is not active is on PATH but fails, so each candidate is run.
    """
    roots = [os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")]
    python3 = shutil.which("python3") or ""
    if "%sshims%s" % (os.sep, os.sep) in python3:
        roots.append(os.path.dirname(os.path.dirname(python3)))
    candidates = [shutil.which("python" + version)]
    for root in roots:
        candidates += sorted(glob.glob(os.path.join(root, "versions", version + ".*", "bin", "python" + version)))
    for candidate in filter(None, candidates):
        try:
            found = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2], sys.executable)"],
                                   capture_output=True, text=True, timeout=60, check=False).stdout.split()
        except (OSError, subprocess.TimeoutExpired):
            continue
        if found[:1] == [version]:
            return found[1]
    return None


@contextlib.contextmanager
def simulator(session, workdir, api_key, *options):
    """The HostUp simulator on a free port of 127.0.0.1, logging to ``workdir``/simulator.log.

    Yields the environment that points the collection at it, with an order ledger of its own
    (a fresh simulator knows no order, nor may the ledger: a port used before would be the
    same VPS); stops it afterwards.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    state_dir = workdir / "state"
    shutil.rmtree(state_dir, ignore_errors=True)
    port_file = workdir / "port"
    if port_file.exists():
        port_file.unlink()
    log = workdir / "simulator.log"
    with open(log, "w") as handle:
        process = subprocess.Popen([sys.executable, str(ROOT / "tests" / "simulator" / "hostup_simulator.py"), "--port", "0",
                                    "--api-key", api_key, "--port-file", str(port_file)] + list(options),
                                   stdout=handle, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not (port_file.is_file() and port_file.read_text().strip()):
            if process.poll() is not None or time.monotonic() > deadline:
                session.error("the simulator did not start:\n" + log.read_text())
            time.sleep(0.1)
        no_proxy = ",".join(filter(None, ["127.0.0.1,localhost", os.environ.get("NO_PROXY")]))
        yield {"HOSTUP_API_URL": "http://127.0.0.1:%s" % port_file.read_text().strip(), "HOSTUP_API_KEY": api_key,
               "HOSTUP_STATE_DIR": str(state_dir), "NO_PROXY": no_proxy}
    finally:
        process.terminate()
        process.wait(timeout=30)


def build_tarball(session, output):
    """Build the collection tarball into ``output`` and check it holds no generated file; its path."""
    shutil.rmtree(output, ignore_errors=True)
    session.run("ansible-galaxy", "collection", "build", "--output-path", str(output), "--force", silent=True)
    tarball = built_tarball(session, output)
    with tarfile.open(tarball) as archive:
        unwanted = [name for name in archive.getnames() if GENERATED.search(name)]
    if unwanted:
        session.error("the tarball holds generated files:\n  " + "\n  ".join(unwanted))
    session.log("built %s (%d KiB)" % (tarball.relative_to(ROOT), tarball.stat().st_size // 1024))
    return tarball


def built_tarball(session, output=DIST):
    """The one tarball in ``output`` (build/dist: what `nox -s build` made)."""
    tarballs = list(output.glob("hostup-cloud-*.tar.gz"))
    if len(tarballs) != 1:
        session.error("expected one hostup-cloud tarball in %s, found %s: run `nox -s build`" % (output, tarballs or "none"))
    return tarballs[0]


def site_packages_dir(session, package):
    """The directory of ``package`` in the session's venv, found without importing it."""
    found = sorted(Path(session.virtualenv.location).glob("lib/python3*/site-packages/" + package))
    if not found:
        session.error("%s is not installed in %s" % (package, session.virtualenv.location))
    return found[0]


def python_version(session):
    """The Python version of the session's venv, as "3.11"."""
    return session.run("python", "-c", "import sys; print('%d.%d' % sys.version_info[:2])", silent=True, log=False).strip()


# --- every check -------------------------------------------------------------------------

@nox.session(venv_backend="none")
def test(session):
    """Every check in order (`make test`), stopping at the first failure; a summary with each one's time.

    `nox -s test -- sanity pytest` runs only those.
    """
    report = ROOT / ".nox" / "test-report.json"
    if report.exists():
        report.unlink()
    stages = session.posargs or STAGES
    start, started = time.monotonic(), time.time()
    session.run(sys.executable, "-m", "nox", "--stop-on-first-error", "--report", str(report), "-s", *stages,
                success_codes=[0, 1], external=True)
    if not report.is_file():
        session.error("nox wrote no report (%s): its output above says why" % report)
    results = json.loads(report.read_text())["sessions"]
    print()
    failed = [result["signatures"][0] if result["signatures"] else result["name"]
              for result in results if result["result"] not in ("success", "skipped")]
    if failed:
        print("=== FAILED: nox -s %s (its output is above); the checks after it did not run" % failed[0])
    else:
        print("=== all checks passed in %ds" % (time.monotonic() - start))
    for result in results:
        name = result["signatures"][0] if result["signatures"] else result["name"]
        print("  %-20s %4ds  %s" % (name, result["duration"], result["result"]))
    for summary in (OUTPUT / "fault-matrix.txt", OUTPUT / "matrix.txt"):
        if summary.is_file() and summary.stat().st_mtime >= started:  # written by this run
            print(summary.read_text().splitlines()[0])
    if failed:
        session.error("nox -s %s failed" % failed[0])


# --- pytest --------------------------------------------------------------------------------

def run_pytest(session, *default_args):
    """pytest in a venv with the newest ansible-core; its arguments are the session's, if given."""
    install(session, ANSIBLE_CORE, *PYTEST, *COLLECTION_REQUIREMENTS)
    start = time.time()
    session.run("python", "-m", "pytest", "-p", "no:cacheprovider", *(session.posargs or default_args), env=checkout_env())
    fault_matrix = OUTPUT / "fault-matrix.txt"
    if fault_matrix.is_file() and fault_matrix.stat().st_mtime >= start:
        print(fault_matrix.read_text().splitlines()[0])
        print("  (every case: tests/output/fault-matrix.txt)")


@nox.session
def pytest(session):
    """The unit, simulator and integration tests (tests/), two processes."""
    run_pytest(session, "-n", "2", "--dist", "loadfile", "tests/unit", "tests/simulator", "tests/integration")


@nox.session(default=False)
def coverage(session):
    """Line and branch coverage of plugins/ by the unit and simulator tests (`nox -s coverage`; not in `make test`)."""
    install(session, "coverage>=7,<8", ANSIBLE_CORE, *PYTEST, *COLLECTION_REQUIREMENTS)
    data = OUTPUT / "coverage.data"
    env = checkout_env(COVERAGE_FILE=str(data))
    session.run("python", "-m", "coverage", "run", "--branch", "--source", "ansible_collections.hostup.cloud.plugins", "-m", "pytest",
                "-p", "no:cacheprovider", "-q", *(session.posargs or ["tests/unit", "tests/simulator"]), env=env)
    session.run("python", "-m", "coverage", "report", "--skip-empty", env=env)


@nox.session(name="fault-matrix", default=False)
def fault_matrix(session):
    """The fault matrix alone (tests/integration/test_fault_matrix.py); `nox -s pytest` runs it too."""
    run_pytest(session, "-n", "2", "--dist", "loadfile", "tests/integration/test_fault_matrix.py")


@nox.session(name="simulator", default=False)
def simulator_tests(session):
    """The HostUp simulator's own tests (tests/simulator); `nox -s pytest` runs them too."""
    run_pytest(session, "tests/simulator")


@nox.session(default=False)
def bench(session):
    """hostup.cloud against hand-written ansible.builtin.uri tasks (tests/bench/bench.py, about 10 minutes)."""
    install(session, ANSIBLE_CORE, *COLLECTION_REQUIREMENTS)
    session.run("python", "tests/bench/bench.py", *session.posargs, env=checkout_env())


# --- ansible-test sanity -------------------------------------------------------------------

# ansible-test bootstraps pip into each venv it makes with a script it downloads from a host
# this machine cannot reach, unless the script is in its cache. This stand-in installs the
# pip it asks for (its argument pip==<version>) from the wheel beside it.
# The money code: what decides whether, what and how often something is ordered. Mutated function
# by function (mutmut only mutates the lines a patch adds: mutation_patch makes one of these).
MUTATED = {
    "plugins/module_utils/ordering.py": ("check_ordering_options", "refuse_while_invoice_pending", "budget_problems",
                                         "refuse_unless_within_budget", "place_order", "order_failure",
                                         "order_from_reply", "await_order"),
    "plugins/module_utils/quote.py": ("_not_an_estimate", "order_named", "charged_now", "draft_problems", "differences",
                                      "option_kinds"),
    "plugins/module_utils/proof.py": ("price_difference", "resources_shown", "_value_pinned"),
    "plugins/module_utils/reconcile.py": ("readable_part_shown", "verdict", "settle_earlier_orders", "await_shown"),
    "plugins/modules/hostup_vps_upgrade.py": ("check_options", "upgrade_locked", "wanted_change",
                                              "resources_shown_in_place", "check_draft", "draft_change"),
    "plugins/modules/hostup_vps_billing_cycle.py": ("switch_cycle_locked", "check_estimate", "shown_in_answer"),
}
MUTATION_TESTS = ("python -m pytest -x -q -p no:cacheprovider tests/unit/plugins/modules "
                  "tests/unit/plugins/module_utils/test_ordering.py tests/unit/plugins/module_utils/test_quote.py")


def mutation_patch(tree):
    """A unified diff that adds exactly the lines of the MUTATED functions (and nothing else) of ``tree``."""
    patch = []
    for path, names in sorted(MUTATED.items()):
        lines = (tree / path).read_text().splitlines(keepends=True)
        functions = [node for node in ast.parse("".join(lines)).body
                     if isinstance(node, ast.FunctionDef) and node.name in names]
        missing = set(names) - set(node.name for node in functions)
        if missing:
            raise ValueError("%s has no function %s: update MUTATED" % (path, ", ".join(sorted(missing))))
        chosen = set(n for node in functions for n in range(node.lineno - 1, node.end_lineno))
        before = [line for number, line in enumerate(lines) if number not in chosen]
        patch.append("diff --git %s %s\n" % (path, path))  # whatthepatch reads one file per such header
        patch += difflib.unified_diff(before, lines, path, path)
    return "".join(patch)


@nox.session(default=False)
def mutation(session):
    """Mutation testing of the money code (MUTATED) with mutmut against the unit tests: `make mutation`, outside `make test`."""
    install(session, "mutmut>=2.5,<3", "whatthepatch>=1,<2", ANSIBLE_CORE, *PYTEST, *COLLECTION_REQUIREMENTS)
    work = ROOT / "build" / "mutation"
    tree = work / "ansible_collections" / "hostup" / "cloud"
    shutil.rmtree(work, ignore_errors=True)
    for path in subprocess.run(["git", "ls-files"], cwd=ROOT, check=True, capture_output=True, text=True).stdout.split():
        target = tree / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, target)
    (tree / "mutation.patch").write_text(mutation_patch(tree))
    env = {"PYTHONPATH": str(work), "ANSIBLE_COLLECTIONS_PATH": str(work)}
    with session.chdir(tree):
        session.run("mutmut", "run", "--paths-to-mutate", ",".join(sorted(MUTATED)), "--use-patch-file",
                    "mutation.patch", "--runner", MUTATION_TESTS, "--tests-dir", "tests/unit",
                    # a shared machine is slow at times: a mutant times out only far past the clean run
                    "--test-time-multiplier", "5", "--test-time-base", "30", env=env,
                    success_codes=range(0, 16, 2))  # bit 1 is mutmut's own failure; the others, mutants that lived
        results = session.run("mutmut", "results", env=env, silent=True, success_codes=range(16))
    print(results)
    lived = dict((kind, sum(int(n) for n in re.findall(r"^%s \S* \((\d+)\)" % kind, results or "", re.M)))
                 for kind in ("Survived", "Timed out"))
    print("mutation: %d mutants lived (%d survived, %d timed out: see above; `mutmut show <id>` in build/mutation "
          "prints one)" % (sum(lived.values()), lived["Survived"], lived["Timed out"]))


PIP_BOOTSTRAP_STAND_IN = '''\
"""Stand-in for ansible-test's pip bootstrap script, written by hostup.cloud's noxfile.py."""
import os
import sys

args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
version = [arg for arg in args if arg.startswith("pip==")][0][len("pip=="):]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "pip-%s-py3-none-any.whl" % version))
from pip._internal.cli.main import main  # noqa: E402
sys.exit(main(["install", "--upgrade", "--force-reinstall"] + args))
'''


def install_pip_bootstrap(session, ansible_test):
    """Put the stand-in where ansible-test looks for its pip bootstrap script, with the pip wheel beside it.

    ansible-test names the script after the pip version it installs; that version is read
    from its source text (not imported). A real script already in the cache stays.
    """
    source = (ansible_test / "_internal" / "python_requirements.py").read_text()
    versions = sorted(set(re.findall(r"""\bpip=['"]([0-9]+(?:\.[0-9]+)+)['"]""", source)))
    if not versions:
        session.error("cannot tell which pip ansible-test bootstraps: no pip='<version>' in %s" % ansible_test)
    cache = Path(os.path.expanduser("~/.ansible/test/cache"))
    cache.mkdir(parents=True, exist_ok=True)
    for version in versions:
        if not (cache / ("pip-%s-py3-none-any.whl" % version)).is_file():
            # nox's own pip: a venv that uv made has none
            session.run(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "pip==" + version, "-d", str(cache),
                        external=True)
        script = cache / ("get_pip_%s.py" % version.replace(".", "_"))
        if not script.is_file() or "hostup.cloud" in script.read_text():
            script.write_text(PIP_BOOTSTRAP_STAND_IN)


def ansible_test_pythons(ansible_test):
    """The Python versions ansible-test supports, from the constants module of its CLI (no imports of its own)."""
    constants = ast.parse((ansible_test / "_util" / "target" / "common" / "constants.py").read_text())
    values = dict((node.targets[0].id, ast.literal_eval(node.value)) for node in constants.body
                  if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name))
    return list(values["REMOTE_ONLY_PYTHON_VERSIONS"]) + list(values["CONTROLLER_PYTHON_VERSIONS"])


@nox.session
def sanity(session):
    """ansible-test sanity, every test on this Python; then compile and import on every other Python this machine has.

    It runs on a copy of the checkout at a real ansible_collections/hostup/cloud path, as
    ansible-test needs. `nox -s sanity -- --test pep8` runs only what the arguments say.
    """
    install(session, ANSIBLE_CORE)
    ansible_test = site_packages_dir(session, "ansible_test")
    install_pip_bootstrap(session, ansible_test)
    tree = prepare_collections(session, install_in_site_packages=False, install_out_of_tree=True)
    if tree is None:
        session.error("antsibull-nox could not lay out the collection tree")
    try:
        with session.chdir(tree.current_path):
            session.run("ansible-test", "sanity", "--local", "--python", python_version(session), "--color", "no",
                        *session.posargs)
            if not session.posargs:
                sanity_on_other_pythons(session, ansible_test, tree.current_path)
    finally:
        if (tree.current_path / "tests" / "output").is_dir():
            shutil.copytree(tree.current_path / "tests" / "output", OUTPUT, dirs_exist_ok=True)


def sanity_on_other_pythons(session, ansible_test, tree):
    """compile and import on every Python ansible-test supports that this machine has; says which ran and which it lacks."""
    supported = ansible_test_pythons(ansible_test)
    pybin = Path(session.virtualenv.location) / "pybin"  # python3.X -> a working interpreter, first on PATH
    shutil.rmtree(pybin, ignore_errors=True)
    pybin.mkdir()
    found = []
    for version in supported:
        path = find_python(version)
        if path:
            (pybin / ("python" + version)).symlink_to(path)
            found.append(version)
    # Without pyenv's shims: ansible-test would take the shim of a version we lack and fail.
    path = [str(pybin), session.bin] + [p for p in os.environ["PATH"].split(os.pathsep) if not p.rstrip("/").endswith("/shims")]
    output = session.run("ansible-test", "sanity", "--local", "--color", "no", "--test", "compile", "--test", "import",
                         env={"PATH": os.pathsep.join(path)}, silent=True)
    print(output)
    ran = sorted(set(re.findall(r'^Running sanity test "(?:compile|import)" on Python ([0-9.]+)$', output, re.MULTILINE)),
                 key=lambda v: tuple(int(part) for part in v.split(".")))
    missing = [version for version in supported if version not in found]
    print("sanity compile/import ran on Python %s; this machine has %s of ansible-test's %s%s" % (
        " ".join(ran) or "nothing", " ".join(found) or "none", " ".join(supported),
        "; missing: %s (NOT TESTED)" % " ".join(missing) if missing else ""))


@nox.session
def changelog(session):
    """antsibull-changelog lint: the changelog fragments and config."""
    install(session, ANSIBLE_CHANGELOG)
    session.run("antsibull-changelog", "lint")


# --- the built collection ------------------------------------------------------------------

@nox.session
def build(session):
    """Build the tarball (build/dist), check it holds no generated file, install it and read every plugin's and role's docs."""
    install(session, ANSIBLE_CORE)
    tarball = build_tarball(session, DIST)
    installed = ROOT / "build" / "installed"
    shutil.rmtree(installed, ignore_errors=True)
    env = {"ANSIBLE_COLLECTIONS_PATH": str(installed), "PYTHONPATH": None}
    session.run("ansible-galaxy", "collection", "install", str(tarball), "-p", str(installed), "--force", env=env, silent=True)
    session.run("ansible-galaxy", "collection", "verify", "--offline", "hostup.cloud", env=env, silent=True)
    session.run("python", "tests/matrix/check_docs.py", str(installed / "ansible_collections" / "hostup" / "cloud"), env=env)


PYTHON39 = os.environ.get("HOSTUP_PYTHON39_INTERPRETER") or find_python("3.9")
if PYTHON39:
    os.environ["HOSTUP_PYTHON39_INTERPRETER"] = PYTHON39  # the nox processes this one starts need not look again

    @nox.session(name="py39-target", python=PYTHON39, default=False)
    def py39_target(session):
        """A Python 3.9 venv with what the modules need: the matrix's second target host."""
        install(session, *COLLECTION_REQUIREMENTS)


@nox.session(venv_backend="none", requires=["build"] + (["py39-target"] if PYTHON39 else []))
def matrix(session):
    """The built tarball on each ansible-core version of tests/matrix/ansible-core-versions.txt, MATRIX_JOBS (2) at a time.

    `nox -s matrix -- 2.16.19` runs one version. Logs: tests/output/matrix/<version>/log.
    """
    versions = session.posargs or CORE_VERSIONS
    out = OUTPUT / "matrix"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    collections_tree()
    python39 = ROOT / ".nox" / "py39-target" / "bin" / "python" if PYTHON39 else None
    start = time.monotonic()
    session.run(sys.executable, "-m", "nox", "--parallel", MATRIX_JOBS, "-s", *["matrix-leg(%s)" % v for v in versions],
                env={"HOSTUP_TARBALL": str(built_tarball(session)), "HOSTUP_PYTHON39": str(python39 or "")},
                success_codes=[0, 1], external=True)

    results = dict((v, (out / v / "result").read_text().strip() if (out / v / "result").is_file() else "did not finish")
                   for v in versions)
    if not python39:
        targets = "python3.9 target NOT TESTED (no Python 3.9 on this machine)"
    else:
        smoke = dict((v, out / v / "smoke-playbook.out") for v in versions)
        not_reached = [v for v in versions if not smoke[v].is_file()]
        py39_failed = [v for v in versions if smoke[v].is_file() and not checks.python39_recap_ok(smoke[v].read_text())]
        targets = "python3.9 target " + ("; ".join(
            (["FAILED on " + " ".join(py39_failed)] if py39_failed else [])
            + (["not reached on " + " ".join(not_reached)] if not_reached else [])) or "ok")
    line = "matrix: %s; %s" % (", ".join("%s %s" % item for item in results.items()), targets)
    steps = ["  %s %s" % (v, text[4:]) for v in versions if (out / v / "log").is_file()
             for text in (out / v / "log").read_text().splitlines() if text.startswith("=== ")]
    (out / "steps.txt").write_text("\n".join(steps) + "\n")
    (OUTPUT / "matrix.txt").write_text("\n".join(
        [line, "  (every step and its time: tests/output/matrix/steps.txt; logs: tests/output/matrix/<version>/log)"] + steps) + "\n")
    print("\nmatrix of %d ansible-core versions in %ds" % (len(versions), time.monotonic() - start))
    print(line)
    if any(result != "ok" for result in results.values()) or "target ok" not in targets and python39:
        session.error(line)


class Leg(object):
    """One ansible-core version of the matrix: each step's output, time and the result in tests/output/matrix/<version>/."""

    def __init__(self, session, version):
        self.session = session
        self.version = version
        self.work = OUTPUT / "matrix" / version
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        self.log = self.work / "log"
        self.venv = Path(session.virtualenv.location)
        self.collection = self.venv / "collections" / "ansible_collections" / "hostup" / "cloud"
        # Only this venv and the installed copy: not the checkout, not another venv.
        self.env = {"ANSIBLE_COLLECTIONS_PATH": str(self.venv / "collections"), "PYTHONPATH": None, "ANSIBLE_NOCOLOR": "1",
                    "ANSIBLE_LOCALHOST_WARNING": "False", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False"}

    def write(self, text):
        with open(self.log, "a") as handle:
            handle.write(text + "\n")

    def step(self, name, action):
        """Run one step; on failure write the result, show the end of the log and end the session."""
        self.write("=== " + name)
        start = time.monotonic()
        try:
            action()
        except Exception as error:  # pylint: disable=broad-except  # a failed command, check or nox error
            self.write("%s\n=== FAILED: %s" % (error, name))
            (self.work / "result").write_text("FAILED at %s\n" % name)
            print("".join(self.log.read_text().splitlines(True)[-40:]))
            self.session.error("ansible-core %s: FAILED at %s (tests/output/matrix/%s/log)" % (self.version, name, self.version))
        self.write("=== %s: ok in %ds" % (name, time.monotonic() - start))
        self.session.log("%s: ok in %ds" % (name, time.monotonic() - start))

    def run(self, name, *command, **env):
        """Run a command with the leg's environment; its output (also in the log) as text."""
        out = self.work / (name + ".out")
        try:
            with open(out, "w") as handle:
                self.session.run(*command, env=dict(self.env, **env), stdout=handle, stderr=subprocess.STDOUT)
        finally:
            self.write(out.read_text().rstrip())
        return out.read_text()


@nox.session(name="matrix-leg", default=False, allow_parallel=True)
@nox.parametrize("core", CORE_VERSIONS, ids=CORE_VERSIONS)
def matrix_leg(session, core):
    """One version of the matrix (`nox -s matrix` runs them): ansible-doc, units (but on the newest, which `nox -s
    pytest` runs), smoke.yml, playbooks, ad-hoc, inventory; on the oldest, the hostile inventory names; on the oldest
    and newest, every block of the READMEs."""
    tarball = os.environ.get("HOSTUP_TARBALL") or session.error("run through `nox -s matrix`, which builds the tarball")
    python39 = os.environ.get("HOSTUP_PYTHON39")
    leg = Leg(session, core)
    start = time.monotonic()
    with contextlib.ExitStack() as stack:
        leg.step("venv", lambda: install(session, "ansible-core==" + core, "-r", "tests/matrix/requirements.txt"))
        leg.step("install", lambda: install_into_leg(leg, tarball))
        leg.step("ansible-doc", lambda: leg.run("ansible-doc", "python", "tests/matrix/check_docs.py", str(leg.collection)))
        # The checkout's unit tests on this ansible-core: they read files of the checkout, such as
        # galaxy.yml, that the installed copy does not have. `nox -s pytest` runs them on the newest.
        if core != CORE_VERSIONS[-1]:
            leg.step("units", lambda: leg.run("units", "python", "-m", "pytest", "-p", "no:cacheprovider", "-q",
                                              "tests/unit", PYTHONPATH=str(collections_tree())))
        leg.step("simulator", lambda: leg.env.update(stack.enter_context(
            simulator(session, leg.work, "matrix-key", "--fleet", "4"))))
        leg.step("smoke-playbook", lambda: smoke_playbook(leg, python39))
        leg.step("playbooks-by-fqcn", lambda: playbooks_by_fqcn(leg))
        leg.step("adhoc", lambda: checks.check_adhoc_info(
            leg.run("adhoc", "ansible", "localhost", "-m", "hostup.cloud.hostup_vps_info", "-a", "vmid=10002")))
        leg.step("inventory-plugin", lambda: inventory_plugin(leg))
        # HostUp's names and cache entries never run as templates: ansible-core before 2.19 would run them.
        # On the oldest (as 2.17 and 2.18 behave); `nox -s pytest` runs the same tests on the newest.
        if core == CORE_VERSIONS[0]:
            leg.step("inventory-hostile", lambda: leg.run(
                "inventory-hostile", "python", "-m", "pytest", "-p", "no:cacheprovider", "-q",
                "tests/integration/test_inventory_hostile.py", PYTHONPATH=str(collections_tree())))
        if core in (CORE_VERSIONS[0], CORE_VERSIONS[-1]):  # the oldest and newest: what a reader may have
            leg.step("readme", lambda: readme_blocks(leg, tarball, stack))
    (leg.work / "result").write_text("ok\n")
    # CPU time too: on a shared machine the wall time says little about a CI runner's.
    times = os.times()
    leg.write("=== every step ok in %ds, %ds of CPU" % (time.monotonic() - start, times.children_user + times.children_system))


def install_into_leg(leg, tarball):
    version = leg.run("ansible-version", "ansible", "--version").splitlines()[0]
    if "[core %s]" % leg.version not in version:
        raise checks.CheckFailed("the venv runs %s, not ansible-core %s" % (version, leg.version))
    shutil.rmtree(leg.venv / "collections", ignore_errors=True)
    leg.run("install", "ansible-galaxy", "collection", "install", tarball, "-p", str(leg.venv / "collections"), "--force")


def smoke_playbook(leg, python39):
    """tests/matrix/smoke.yml, with the spend callback: every module on each target Python, the role twice."""
    inventory = leg.work / "smoke-inventory.json"
    checks.write_smoke_inventory(inventory, python_version(leg.session), python39)
    spend = leg.work / "spend.json"
    leg.run("smoke-playbook", "ansible-playbook", "-i", str(inventory), "tests/matrix/smoke.yml",
            ANSIBLE_CALLBACKS_ENABLED="hostup.cloud.spend", HOSTUP_SPEND_REPORT=str(spend))
    checks.check_spend_report(spend, python39=bool(python39))


def playbooks_by_fqcn(leg):
    """The example playbooks by FQCN in check mode: their output, and no ordering call."""
    api_url = leg.env["HOSTUP_API_URL"]
    checks.clear_requests(api_url)
    output = leg.run("playbooks", "ansible-playbook", "-i", "demo/inventory.yml", "--check", "hostup.cloud.vps_report",
                     "hostup.cloud.price_change", "hostup.cloud.resize", "hostup.cloud.annual_billing",
                     "-e", "hostup_package=1938", "-e", "vmid=10004", "-e", "package=1937", "-e", "max_prorated=10000")
    checks.expect_output(output, "web-1.sim.example (vmid 10001): VPS SM, 2 CPU / 4 GB RAM / 40 GB disk, billed monthly",
                         "Total due now if ordered:", "VPS 10004 (VPS XS, monthly): due now", "monthly -> annually: due now")
    orders = checks.ordering_calls(api_url)
    if orders:
        raise checks.CheckFailed("check-mode playbooks sent ordering calls: " + " ".join(orders))


def readme_blocks(leg, tarball, stack):
    """Every fenced block of README.md and roles/vps_plan/README.md, as a reader runs it (tests/matrix/readme.py).

    Against a simulator of its own (the README's numbers are the seed's), with the collection that the
    README's install command installs from the tarball, and this leg's ansible-core on PATH.
    """
    work = leg.work / "readme"
    sim = stack.enter_context(simulator(leg.session, leg.work / "readme-simulator", "readme-key"))
    env = readme.prepare(str(work), tarball, str(ROOT / "requirements.txt"), dict(leg.env, NO_PROXY=sim["NO_PROXY"]),
                         sim["HOSTUP_API_URL"], sim["HOSTUP_API_KEY"], str(leg.venv / "bin"))
    runs = readme.check_readmes([str(ROOT / "README.md"), str(ROOT / "roles" / "vps_plan" / "README.md")], str(work),
                                env, sim["HOSTUP_API_URL"], log=leg.write)
    leg.write("README blocks: every one ran or says why not (%d runs)" % runs)


def inventory_plugin(leg):
    """The inventory plugin: one host per VPS of the simulator; a plugin error fails, not an empty inventory."""
    config = leg.work / "hostup.yml"
    config.write_text("plugin: hostup.cloud.hostup\n")
    leg.run("inventory-graph", "ansible-inventory", "-i", str(config), "--graph", ANSIBLE_INVENTORY_UNPARSED_FAILED="true")
    listing = leg.work / "inventory-list.json"
    with open(listing, "w") as handle:
        leg.session.run("ansible-inventory", "-i", str(config), "--list", stdout=handle, stderr=None,
                        env=dict(leg.env, ANSIBLE_INVENTORY_UNPARSED_FAILED="true"))
    checks.check_inventory_list(listing.read_text())


# --- Galaxy and the execution environment ----------------------------------------------------

# galaxy-importer output lines that are known and acceptable, each with why (regular expressions).
GALAXY_IMPORTER_EXPLAINED = [
    r"^Loading module_utils errors$",  # the importer names each file it loads: plugins/module_utils/errors.py
]
PLACEHOLDER_REPOSITORY = "https://example.invalid/hostup.cloud"


@nox.session(requires=["build"])
def galaxy(session):
    """galaxy-importer on the tarball (offline), and ansible-builder's build context for execution-environment.yml.

    No container runtime is needed: the EE context is created and checked, not built.
    """
    install(session, "-r", "tests/galaxy/requirements.txt")
    tarball = built_tarball(session)
    work = ROOT / "build" / "galaxy"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {"PYTHONPATH": None, "ANSIBLE_COLLECTIONS_PATH": None}  # the tools see only the tarball
    galaxy_importer(session, tarball, work, env)
    execution_environment(session, tarball, work, env)


def galaxy_importer(session, tarball, work, env):
    """The import succeeds and prints no warning or error that GALAXY_IMPORTER_EXPLAINED does not explain."""
    with tarfile.open(tarball) as archive:
        manifest = json.load(archive.extractfile("MANIFEST.json"))
    import_tarball = tarball
    if not manifest["collection_info"].get("repository"):
        # Galaxy refuses a collection without galaxy.yml `repository`, and this project has no
        # public repository yet (.ansible-lint skips galaxy[no-repository] for the same reason).
        # Until it has one, the import is checked on a copy that names a placeholder, and this
        # says so on every run; once galaxy.yml has `repository`, the tarball itself is checked.
        print("NOTE: galaxy.yml has no repository, which Galaxy requires: importing a copy that names " + PLACEHOLDER_REPOSITORY)
        import_tarball = work / "placeholder" / tarball.name
        import_tarball.parent.mkdir()
        with_repository(tarball, import_tarball, PLACEHOLDER_REPOSITORY)
    with session.chdir(work):  # galaxy-importer writes importer_result.json into the current directory
        output = session.run("python", "-m", "galaxy_importer.main", str(import_tarball), env=env, silent=True)
    (work / "importer.out").write_text(output)
    if not re.search(r"^Importer processing completed successfully", output, re.MULTILINE):
        session.error("galaxy-importer did not complete:\n" + output)
    unexplained = [line for line in output.splitlines() if re.search(r"warn|error|fail", line, re.IGNORECASE)
                   and not any(re.search(pattern, line) for pattern in GALAXY_IMPORTER_EXPLAINED)]
    if unexplained:
        session.error("%s\ngalaxy-importer reported problems nobody has explained:\n%s" % (output, "\n".join(unexplained)))
    version = re.search(r"galaxy-importer ([0-9.]+)", output)
    print("galaxy-importer %s: imported %s with no warnings" % (version.group(1) if version else "?", tarball.name))


def with_repository(tarball, copy, repository):
    """Write ``copy``: the tarball with ``repository`` in its MANIFEST.json."""
    with tarfile.open(tarball) as source, tarfile.open(copy, "w:gz") as target:
        for member in source.getmembers():
            content = source.extractfile(member) if member.isfile() else None
            if member.name == "MANIFEST.json":
                manifest = json.load(content)
                manifest["collection_info"]["repository"] = repository
                data = json.dumps(manifest, indent=4).encode()
                member.size = len(data)
                content = io.BytesIO(data)
            target.addfile(member, content)


def execution_environment(session, tarball, work, env):
    """ansible-builder create on execution-environment.yml: the context installs this tarball and requests."""
    context = work / "ee-context"
    output = session.run("ansible-builder", "create", "--file", "execution-environment.yml", "--context", str(context),
                         "--output-filename", "Containerfile", env=env, silent=True)
    if "warning" in output.lower():
        session.error(output + "\nansible-builder warned")
    if not re.search(r"^requests", (context / "_build" / "requirements.txt").read_text(), re.MULTILINE):
        session.error("the EE context's requirements.txt lacks requests")
    # The galaxy stage copies _build to /build and installs requirements.yml from there.
    if "COPY _build /build" not in (context / "Containerfile").read_text().splitlines():
        session.error("the Containerfile copies no _build to /build")
    collections = yaml.safe_load((context / "_build" / "requirements.yml").read_text())["collections"]
    if len(collections) != 1 or collections[0].get("type") != "file" or not collections[0]["name"].startswith("/build/"):
        session.error("the EE installs %s, not one tarball of its build context" % collections)
    in_context = context / "_build" / collections[0]["name"][len("/build/"):]
    if not in_context.is_file() or not filecmp.cmp(str(in_context), str(tarball), shallow=False):
        session.error("the EE installs %s; the build context holds no such copy of %s (galaxy.yml's version changed?)"
                      % (collections[0]["name"], tarball.name))
    # What the builder stage would do with the installed collection: read meta/execution-environment.yml.
    session.run("ansible-galaxy", "collection", "install", str(in_context), "-p", str(work / "ee-collections"), env=env, silent=True)
    introspected = session.run("ansible-builder", "introspect", "--sanitize", str(work / "ee-collections"), env=env, silent=True)
    if not re.search(r"^- '?requests.*# from collection hostup\.cloud", introspected, re.MULTILINE):
        session.error(introspected + "\nansible-builder introspect finds no requests in hostup.cloud")
    print("execution environment: the build context installs %s and requests (ansible-builder create, no container runtime needed)"
          % tarball.name)


# --- the demo ------------------------------------------------------------------------------

DEMO_INVENTORY = "demo/hostup.yml"  # the hostup.cloud.hostup inventory plugin: every VPS of the account
RESIZE = "ansible-playbook hostup.cloud.resize -e vmid=10001 -e max_prorated=100 -e package="
DEMO_STEPS = [  # heading, with the spend report (callback hostup.cloud.spend), command, exit codes that are right
    ("0. The account's VPSes as inventory hosts, grouped by plan and billing cycle", False,
     "ansible-inventory -i %s --graph" % DEMO_INVENTORY, [0]),
    ("1. What the VPSes have now", False, "ansible-playbook hostup.cloud.vps_report -i " + DEMO_INVENTORY, [0]),
    ("2. Price a bigger plan (1938, VPS MD) for the whole group: estimates only, nothing ordered", True,
     "ansible-playbook hostup.cloud.price_change -i %s -e hostup_package=1938" % DEMO_INVENTORY, [0]),
    ("3. Preview resizing web-1 with a budget (--check: the real price, nothing ordered)", True,
     RESIZE + "1938 --check --diff", [0]),
    ("4. A budget that is too small stops the order", False, RESIZE + "1939", [2]),
    ("5. The real change: order exactly the estimate shown", True, RESIZE + "1938", [0]),
    ("6. The rerun changes nothing and orders nothing", False, RESIZE + "1938", [0]),
    ("7. Annual billing for the group: preview the cost with --check", True,
     "ansible-playbook hostup.cloud.annual_billing -i %s --check" % DEMO_INVENTORY, [0]),
    ("8. Annual billing for real: each switch priced (estimate), then sent (db-1 is already annual)", True,
     "ansible-playbook hostup.cloud.annual_billing -i " + DEMO_INVENTORY, [0]),
    ("9. Where the group ended", False, "ansible-playbook hostup.cloud.vps_report -i " + DEMO_INVENTORY, [0]),
]


@nox.session(default=False)
def demo(session):
    """The hostup.cloud story against the HostUp simulator on 127.0.0.1 (`make demo`): nothing talks to the real HostUp."""
    install(session, ANSIBLE_CORE, *COLLECTION_REQUIREMENTS)
    bold, plain = ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("", "")
    with simulator(session, ROOT / "build" / "demo", "demo-key") as simulator_env:
        env = checkout_env(ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_INVENTORY_UNPARSED_WARNING="False",
                           ANSIBLE_DISPLAY_SKIPPED_HOSTS="False", ANSIBLE_DISPLAY_OK_HOSTS="true", **simulator_env)
        print("HostUp simulator at %s (state: tests/simulator/seed.json)" % simulator_env["HOSTUP_API_URL"])
        for heading, spend, command, exit_codes in DEMO_STEPS:
            spend_env = {"ANSIBLE_CALLBACKS_ENABLED": "hostup.cloud.spend"} if spend else {}
            print("\n%s### %s%s\n$ %s" % (bold, heading, plain, " ".join(["%s=%s" % item for item in spend_env.items()] + [command])))
            sys.stdout.flush()
            session.run(*shlex.split(command), env=dict(env, **spend_env), success_codes=exit_codes, log=False)
            print(checks.calls_summary(simulator_env["HOSTUP_API_URL"]))
