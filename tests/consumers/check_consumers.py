"""The grading formats, read by their consumers' own tools rather than by waitsim's.

- JUnit XML: validated with xmlschema against Jenkins' junit-10.xsd (kept here as it is in
  jenkinsci/xunit-plugin, src/main/resources/org/jenkinsci/plugins/xunit/types/model/xsd/,
  at commit 8c515de2804b3fd591a3b0f1ff8908a1b1a41887), and read with junitparser, whose counts
  of tests, failures, errors and skipped must be waitsim's own, for every fixture; every
  failure, skip and error carries its text, in plain text;
- Gradescope's results.json: validated with jsonschema against gradescope-results.schema.json,
  written from Gradescope's specification, with test points that add up to the total exactly
  and a summary whose counts are the tests';
- graders/gradescope/setup.sh: run against a fake /autograder tree whose zip holds wheels for
  this machine and for others (pip must install this machine's), and on an image without the
  venv module (it must install python3-venv with apt);
- graders/gradescope/run_autograder: run against that tree, with the waitsim setup.sh
  installed, for a correct and a broken submission, and for one with nothing to grade;
- graders/github-classroom/classroom.yml: parsed with PyYAML, each step's command run in a
  correct and a broken submission, with the exit status and points each step would get.

Usage: python check_consumers.py WAITSIM (the path of the built command). Run by .ci/graders.
"""

import base64
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import jsonschema
import junitparser
import xmlschema
import yaml

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "python"
SCHEMA = json.loads((Path(__file__).parent / "gradescope-results.schema.json").read_text())
JUNIT_XSD = xmlschema.XMLSchema(str(Path(__file__).parent / "junit-10.xsd"))
SEEDS = "0..5"
POINTS = ROOT / "graders" / "gradescope" / "points.toml"


def waitsim(*args, cwd=None, env=None):
    return subprocess.run(
        [WAITSIM, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600
    )


def limit(name):
    if name == "infinite-loop":
        return ["--timeout", "1"]
    if name in ("correct-escape-disk", "correct-escape-fork-bomb"):
        return ["--timeout", "10"]  # they fill a disk or fork 200 processes at import
    return []


def expected_counts(report):
    """The counts a JUnit reader must find, from waitsim's JSON report."""
    missing = len(report["missing"])
    errors = 1 if report.get("unreadable") else 0
    return {
        "tests": len(report["rows"]) + missing + errors,
        "failures": report["failed"] + missing,
        "errors": errors,
        "skipped": report["skipped"],
    }


def junit_counts(xml_text):
    """What junitparser reads: its own count of each case's result, and the suites' totals.
    The document must first be valid against Jenkins' schema."""
    JUNIT_XSD.validate(xml_text)
    xml = junitparser.JUnitXml.fromstring(xml_text)
    suites = list(xml) if isinstance(xml, junitparser.JUnitXml) else [xml]
    found = []
    for suite in suites:
        counted = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        names = set()
        for case in suite:
            counted["tests"] += 1
            assert case.name not in names, "test names repeat in %s: %s" % (suite.name, case.name)
            names.add(case.name)
            assert case.classname == suite.name, (case.classname, suite.name)
            for result in case.result:
                if isinstance(result, junitparser.Failure):
                    counted["failures"] += 1
                elif isinstance(result, junitparser.Error):
                    counted["errors"] += 1
                elif isinstance(result, junitparser.Skipped):
                    counted["skipped"] += 1
                # GitLab shows a failure's text, not its message: it must say what failed,
                # as plain text (no Markdown).
                text = (result.text or "").strip()
                assert text, (suite.name, case.name, "a %s without text" % result._tag)
                assert "**" not in text and "```" not in text, text
        declared = {
            "tests": suite.tests,
            "failures": suite.failures,
            "errors": suite.errors,
            "skipped": suite.skipped,
        }
        assert counted == declared, (suite.name, counted, declared)
        properties = {p.name: p.value for p in suite.properties()}
        assert properties["directory"] == suite.name, (properties, suite.name)
        found.append((suite.name, counted))
    return found


def hundredths(points):
    return round(points * 100)


def largest_remainder(values):
    """The hundredths each value shows, adding up to the rounded sum (the largest remainder
    method, the first of equal remainders first): written here from its definition, to check
    waitsim's."""
    scaled = [max(v, 0.0) * 100 for v in values]
    shares = [int(v // 1) for v in scaled]
    short = max(0, min(len(values), round(sum(scaled)) - sum(shares)))
    order = sorted(range(len(values)), key=lambda i: -(scaled[i] - scaled[i] // 1))
    for i in order[:short]:
        shares[i] += 1
    return shares


def check_gradescope(results, report=None):
    jsonschema.Draft202012Validator(SCHEMA).validate(results)
    tests = results["tests"]
    # The top-level score is what the tests earned, to the hundredth.
    assert sum(hundredths(t["score"]) for t in tests) == hundredths(results["score"]), results
    for test in tests:
        # A test that passed earns all it is worth; one that failed, nothing.
        worth = hundredths(test["max_score"]) if test["status"] == "passed" else 0
        assert hundredths(test["score"]) == worth, test
    assert results["output_format"] == "md"
    if report is not None:
        # The tests' points add up to the folder's exactly, each within a hundredth of its
        # exact points: the largest remainder's shares when no file is missing.
        if tests:
            assert sum(hundredths(t["max_score"]) for t in tests) == hundredths(report["max_score"])
        rows = [row["max_points"] for row in report["rows"]]
        for test, exact in zip(tests, rows):
            assert abs(test["max_score"] - exact) < 0.01 + 1e-9, (test, exact)
        if not report["missing"]:
            assert [hundredths(t["max_score"]) for t in tests] == largest_remainder(rows)
        assert abs(results["score"] - report["score"]) < 0.01 * len(tests) + 1e-9
        # The summary's counts are the tests': a missing file's test is a failed one.
        passed = sum(1 for t in tests if t["status"] == "passed")
        failed = sum(1 for t in tests if t["status"] == "failed")
        assert failed == report["failed"] + report["skipped"] + len(report["missing"]), failed
        summary = "%d of %d tests passed: %d failed, %d not checked." % (
            passed, len(tests), failed - report["skipped"], report["skipped"])
        assert summary in results["output"], (summary, results["output"])
        # It names the folder graded.
        assert "Graded folder: `%s`." % report["directory"] in results["output"], results["output"]


def fixtures():
    names = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
    assert len(names) >= 30, names
    checked = 0
    for i, name in enumerate(names):
        folder = str(FIXTURES / name)
        base = [folder, "--seeds", SEEDS, *limit(name)]
        # Every other fixture with the example points file, whose weights round unevenly.
        if i % 2:
            base += ["--points", str(POINTS)]
        report = json.loads(waitsim("check-python", *base, "--json").stdout)
        junit = waitsim("check-python", *base, "--format", "junit")
        assert junit.returncode == (0 if report["failed"] == 0 and not report["missing"] else 1)
        [(suite, counts)] = junit_counts(junit.stdout)
        assert suite == report["directory"], suite
        assert counts == expected_counts(report), (name, counts, expected_counts(report))
        gradescope = waitsim("check-python", *base, "--format", "gradescope")
        assert gradescope.returncode == 0, (name, gradescope.stderr)
        check_gradescope(json.loads(gradescope.stdout), report)
        checked += 1
    print("xmlschema, junitparser and jsonschema read every fixture's reports: %d fixtures" % checked)


def batch_and_names(work):
    """Many folders in one JUnit file, and folder names XML cannot take as they are."""
    odd = work / "class" / "a <b> & \"c\" 'd' \x01"
    shutil.copytree(FIXTURES / "no-sort", odd)
    shutil.copytree(FIXTURES / "partial", work / "class" / "partial")
    # Each learner's folder, as a grader gives a class (`class/*`).
    junit = waitsim(
        "check-python",
        str(odd),
        str(work / "class" / "partial"),
        "--seeds",
        "0..2",
        "--format",
        "junit",
    )
    suites = junit_counts(junit.stdout)
    assert [s for s, _ in suites] == [
        str(odd).replace("\x01", "\ufffd"),
        str(work / "class" / "partial"),
    ], suites
    print("junitparser reads a batch, with a folder named %r" % odd.name)


def wheel(folder, version, tags, script):
    """A wheel of the waitsim command as maturin lays it out (the command in the scripts of
    its data), for the platform `tags` name, whose command is `script`."""
    name = "waitsim-%s-py3-none-%s.whl" % (version, ".".join(tags))
    info = "waitsim-%s.dist-info" % version
    files = {
        "waitsim-%s.data/scripts/waitsim" % version: script,
        info + "/METADATA": "Metadata-Version: 2.1\nName: waitsim\nVersion: %s\n" % version,
        info + "/WHEEL": "Wheel-Version: 1.0\nGenerator: check_consumers\nRoot-Is-Purelib: false\n"
        + "".join("Tag: py3-none-%s\n" % tag for tag in tags),
    }
    record = []
    with zipfile.ZipFile(folder / name, "w") as archive:
        for path, text in files.items():
            data = text.encode()
            entry = zipfile.ZipInfo(path)
            entry.external_attr = 0o100755 << 16  # a regular file, executable
            archive.writestr(entry, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append("%s,sha256=%s,%d" % (path, digest.decode(), len(data)))
        record.append(info + "/RECORD,,")
        archive.writestr(info + "/RECORD", "\n".join(record) + "\n")
    return name


def fake_tools(folder, venv_missing):
    """A `python3` that lacks the venv module until `apt-get install` has run (when
    `venv_missing`), and an `apt-get` that only records how it was called."""
    folder.mkdir()
    log = folder / "apt-get.log"
    installed = folder / "installed"
    (folder / "apt-get").write_text(
        '#!/bin/sh\necho "$*" >> %s\ncase "$*" in *install*) touch %s ;; esac\n' % (log, installed)
    )
    python = shutil.which("python3")
    check = "import ensurepip, venv"
    (folder / "python3").write_text(
        '#!/bin/sh\nif [ "$1 $2" = "-c %s" ] && %s && [ ! -e %s ]; then\n'
        '    echo "ModuleNotFoundError: No module named \'ensurepip\'" >&2; exit 1\nfi\n'
        'exec %s "$@"\n' % (check, "true" if venv_missing else "false", installed, python)
    )
    for tool in ("apt-get", "python3"):
        (folder / tool).chmod(0o755)
    return log


def setup(work):
    """setup.sh as Gradescope runs it when it builds the image: from /autograder/source, with
    the wheels zipped there. The zip holds this machine's manylinux wheel and wheels it cannot
    run, one of which sorts last by name: pip must install this machine's. Without the venv
    module, the script installs python3-venv. Returns the tree, with waitsim installed."""
    version = waitsim("--version").stdout.split()[-1]
    machine = platform.machine()
    other = "aarch64" if machine == "x86_64" else "x86_64"
    # Tagged as maturin tags them (`...-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl`).
    ours = ["manylinux2014_" + machine, "manylinux_2_17_" + machine]
    wrong = '#!/bin/sh\necho "the wheel for %s was installed on %s" >&2\nexit 1\n'
    trees = {}
    for venv_missing in (False, True):
        root = work / ("autograder-venv-missing" if venv_missing else "autograder")
        source = root / "source"
        shutil.copytree(ROOT / "graders" / "gradescope", source)
        names = [
            wheel(source, version, ours, '#!/bin/sh\nexec "%s" "$@"\n' % WAITSIM),
            wheel(source, version, ["manylinux2014_" + other, "manylinux_2_17_" + other], wrong % (other, machine)),
            wheel(source, version, ["musllinux_1_2_" + machine], wrong % ("musl", machine)),
        ]
        assert sorted(names)[-1] != names[0], names
        log = fake_tools(work / ("tools-venv-missing" if venv_missing else "tools"), venv_missing)
        env = dict(os.environ, AUTOGRADER_ROOT=str(root), PATH="%s:%s" % (log.parent, os.environ["PATH"]))
        env.pop("PIP_FIND_LINKS", None)  # only the zip's wheels, as on Gradescope
        ran = subprocess.run(
            [str(source / "setup.sh")], env=env, capture_output=True, text=True, timeout=600
        )
        assert ran.returncode == 0, ran
        assert ran.stdout.strip().endswith("waitsim " + version), ran.stdout
        [installed] = (root / "waitsim-venv").glob("lib/python*/site-packages/waitsim-*.dist-info/WHEEL")
        assert "Tag: py3-none-%s\n" % ours[0] in installed.read_text(), installed.read_text()
        apt = log.read_text().splitlines() if log.exists() else []
        if venv_missing:
            assert apt == ["update", "install -y python3 python3-venv"], apt
        else:
            assert apt == [], apt
        trees[venv_missing] = root
    print("setup.sh: pip installed the %s wheel of 3; without the venv module, apt-get installed python3-venv" % machine)
    return trees[False]


def autograder(root):
    """run_autograder against a fake /autograder, as Gradescope would run it, with waitsim
    installed there by setup.sh."""
    env = dict(os.environ, AUTOGRADER_ROOT=str(root))
    scores = {}
    for name in ["correct-gather", "no-sort", "import-error", None]:
        submission = root / "submission"
        shutil.rmtree(submission, ignore_errors=True)
        submission.mkdir()
        if name:
            # Learners often zip the folder, not its files: it is found one level down.
            shutil.copytree(FIXTURES / name, submission / name)
        ran = subprocess.run(
            [str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True
        )
        assert ran.returncode == 0, ran
        results = json.loads((root / "results" / "results.json").read_text())
        check_gradescope(results)
        scores[name] = results["score"]
        if name is None:
            assert results["score"] == 0 and "could not be graded" in results["output"], results
        else:
            graded = "Graded folder: `%s`." % (submission / name)
            assert graded in results["output"], results["output"]
            visibility = {t["visibility"] for t in results["tests"]}
            assert visibility == {"visible"}, visibility
            if name != "correct-gather":
                failing = [t for t in results["tests"] if t["status"] == "failed"]
                assert failing and all(t["output"] for t in failing)
                assert any("Run this case again" in t["output"] for t in failing), failing
    assert scores["correct-gather"] == 100, scores
    assert 0 < scores["no-sort"] < 100 and 0 < scores["import-error"] < 100, scores
    print("run_autograder: %s" % scores)


def classroom(work):
    """The Classroom workflow's command steps, run where the workflow would run them."""
    workflow = yaml.safe_load((ROOT / "graders" / "github-classroom" / "classroom.yml").read_text())
    steps = workflow["jobs"]["run-autograding-tests"]["steps"]
    graders = [s for s in steps if s.get("uses", "").startswith("classroom-resources/autograding-command-grader")]
    assert len(graders) == 5 and sum(s["with"]["max-score"] for s in graders) == 100
    reporter = [s for s in steps if "autograding-grading-reporter" in s.get("uses", "")][0]
    assert reporter["with"]["runners"].split(",") == [s["id"] for s in graders]
    env = dict(os.environ, PATH="%s:%s" % (Path(WAITSIM).parent, os.environ["PATH"]))
    expected = {
        "correct-gather": ({}, 100),
        "no-sort": ({"wait_n": 1}, 80),
        "partial": ({"measure_time": 1, "task_wait_random": 1, "task_wait_n": 1}, 40),
    }
    for name, (failing, points) in expected.items():
        repository = work / ("classroom-" + name)
        shutil.copytree(FIXTURES / name, repository)
        earned = 0
        for step in graders:
            command = step["with"]["command"]
            ran = subprocess.run(command, shell=True, cwd=repository, env=env, capture_output=True)
            want = failing.get(step["id"], 0)
            assert ran.returncode == want, (name, command, ran.returncode, want)
            earned += step["with"]["max-score"] if ran.returncode == 0 else 0
        assert earned == points, (name, earned, points)
    print("the Classroom workflow's steps: correct 100, no-sort 80, partial 40")


def main():
    global WAITSIM
    WAITSIM = str(Path(sys.argv[1]).resolve())
    work = Path(tempfile.mkdtemp(prefix="waitsim-consumers-"))
    try:
        fixtures()
        batch_and_names(work)
        autograder(setup(work))
        classroom(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
