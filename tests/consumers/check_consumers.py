"""The grading formats, read by their consumers' own tools rather than by waitsim's.

- JUnit XML: read with junitparser, whose counts of tests, failures, errors and skipped must be
  waitsim's own, for every fixture;
- Gradescope's results.json: validated with jsonschema against gradescope-results.schema.json,
  written from Gradescope's specification, with scores that add up;
- graders/gradescope/run_autograder: run against a fake /autograder tree for a correct and a
  broken submission, and for one with nothing to grade;
- graders/github-classroom/classroom.yml: parsed with PyYAML, each step's command run in a
  correct and a broken submission, with the exit status and points each step would get.

Usage: python check_consumers.py WAITSIM (the path of the built command). Run by .ci/graders.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import jsonschema
import junitparser
import yaml

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "python"
SCHEMA = json.loads((Path(__file__).parent / "gradescope-results.schema.json").read_text())
SEEDS = "0..5"


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
    """What junitparser reads: its own count of each case's result, and the suites' totals."""
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
        declared = {
            "tests": suite.tests,
            "failures": suite.failures,
            "errors": suite.errors,
            "skipped": suite.skipped,
        }
        assert counted == declared, (suite.name, counted, declared)
        found.append((suite.name, counted))
    return found


def check_gradescope(results, report=None):
    jsonschema.Draft202012Validator(SCHEMA).validate(results)
    tests = results["tests"]
    earned = sum(t["score"] for t in tests)
    assert abs(earned - results["score"]) < 0.05 + 0.01 * len(tests), (earned, results["score"])
    assert results["output_format"] == "md"
    if report is not None:
        assert abs(sum(t["max_score"] for t in tests) - 100) < 0.01 * len(tests) + 0.05
        failed = sum(1 for t in tests if t["status"] == "failed")
        assert failed == report["failed"] + report["skipped"] + len(report["missing"]), failed
        assert abs(results["score"] - report["score"]) < 0.01


def fixtures():
    names = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
    assert len(names) >= 30, names
    checked = 0
    for name in names:
        folder = str(FIXTURES / name)
        base = [folder, "--seeds", SEEDS, *limit(name)]
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
    print("junitparser and jsonschema read every fixture's reports: %d fixtures" % checked)


def batch_and_names(work):
    """Many folders in one JUnit file, and folder names XML cannot take as they are."""
    odd = work / "class" / "a <b> & \"c\" 'd' \x01"
    shutil.copytree(FIXTURES / "no-sort", odd)
    shutil.copytree(FIXTURES / "partial", work / "class" / "partial")
    junit = waitsim("check-python", str(work / "class"), "--seeds", "0..2", "--format", "junit")
    suites = junit_counts(junit.stdout)
    assert [s for s, _ in suites] == [
        str(odd).replace("\x01", "\ufffd"),
        str(work / "class" / "partial"),
    ], suites
    print("junitparser reads a batch, with a folder named %r" % odd.name)


def autograder(work):
    """run_autograder against a fake /autograder, as Gradescope would run it."""
    root = work / "autograder"
    venv_bin = root / "waitsim-venv" / "bin"
    venv_bin.mkdir(parents=True)
    os.symlink(WAITSIM, venv_bin / "waitsim")
    shutil.copytree(ROOT / "graders" / "gradescope", root / "source")
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
        elif name != "correct-gather":
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
        autograder(work)
        classroom(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
