"""``python -m bot number``: the same reading as /call, as a subprocess, with exit status and JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.phone import read_destination

CASES_PATH = Path(__file__).parent / "data" / "numbers.jsonl"
CASES = [json.loads(line) for line in CASES_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
RESULT_KEYS = {"ok", "e164", "reason", "extension", "country", "label", "message"}


def first_case_of_each_kind() -> list[dict]:
    """One recorded case per reason, plus the label and extension cases: each run costs a Python start."""
    chosen: dict[str, dict] = {}
    for case in CASES:
        kind = case["reason"] or ("label" if " " in case["text"] and case["text"][0].isalpha() else "ok")
        if case["extension"]:
            kind = "extension"
        chosen.setdefault(kind, case)
    return list(chosen.values())


SUBPROCESS_CASES = first_case_of_each_kind()


def run_cli(*argv: str, cwd: Path, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    # Settings come from the environment and from .env in the working directory, so
    # both are controlled here: an empty directory and no callbot variables.
    env = {key: value for key, value in os.environ.items() if key not in ("DEFAULT_COUNTRY", "ALLOWED_COUNTRIES", "BLOCKED_NUMBER_TYPES")}
    env.update(extra_env or {})
    return subprocess.run([sys.executable, "-m", "bot", "number", *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def test_subset_covers_every_reason():
    reasons = {case["reason"] for case in SUBPROCESS_CASES}
    assert reasons == {case["reason"] for case in CASES}


@pytest.mark.parametrize("case", SUBPROCESS_CASES, ids=[f"{case['region']}:{case['text']!r}" for case in SUBPROCESS_CASES])
def test_json_output_matches_case(case, tmp_path):
    completed = run_cli("--json", "--country", case["region"], "--allowed", case["allowed"], "--", case["text"], cwd=tmp_path)
    output = json.loads(completed.stdout)
    assert set(output) == RESULT_KEYS
    for field in ("ok", "e164", "reason", "extension", "country"):
        assert output[field] == case[field], field
    allowed = None if case["allowed"] == "*" else frozenset(case["allowed"].split(","))
    direct = read_destination(case["text"], default_country=case["region"], allowed_countries=allowed)
    assert output == direct.to_dict()
    assert completed.returncode == (0 if case["ok"] else 1)


def test_words_are_joined(tmp_path):
    completed = run_cli("--json", "Jane", "Doe", "415-555-0134", cwd=tmp_path)
    output = json.loads(completed.stdout)
    assert completed.returncode == 0
    assert output["e164"] == "+14155550134"
    assert output["label"] == "Jane Doe"


def test_plain_output_is_readable(tmp_path):
    completed = run_cli("Jane Doe 415-555-0134 x204", cwd=tmp_path)
    assert completed.returncode == 0
    assert "+14155550134" in completed.stdout
    assert "extension 204" in completed.stdout
    assert "label: Jane Doe" in completed.stdout


def test_plain_refusal_names_reason(tmp_path):
    completed = run_cli("911", cwd=tmp_path)
    assert completed.returncode == 1
    assert completed.stdout.startswith("refused (emergency):")


def test_default_country_from_env(tmp_path):
    completed = run_cli("--json", "020 7946 0958", cwd=tmp_path, extra_env={"DEFAULT_COUNTRY": "GB"})
    assert completed.returncode == 0
    assert json.loads(completed.stdout)["e164"] == "+442079460958"


def test_allowed_from_env_and_star_override(tmp_path):
    env = {"ALLOWED_COUNTRIES": "US"}
    refused = run_cli("--json", "+44 20 7946 0958", cwd=tmp_path, extra_env=env)
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["reason"] == "country_not_allowed"
    allowed = run_cli("--json", "--allowed", "*", "+44 20 7946 0958", cwd=tmp_path, extra_env=env)
    assert allowed.returncode == 0


def test_blocked_types_from_env(tmp_path):
    completed = run_cli("--json", "+1 900 200 1234", cwd=tmp_path, extra_env={"BLOCKED_NUMBER_TYPES": "none"})
    assert completed.returncode == 0
    assert json.loads(completed.stdout)["e164"] == "+19002001234"


def test_invalid_country_is_usage_error(tmp_path):
    completed = run_cli("--country", "XY", "415-555-0134", cwd=tmp_path)
    assert completed.returncode == 2
    assert "--country 'XY'" in completed.stderr
    assert completed.stdout == ""


def test_invalid_allowed_is_usage_error(tmp_path):
    completed = run_cli("--allowed", "US,Canada", "415-555-0134", cwd=tmp_path)
    assert completed.returncode == 2
    assert "--allowed 'Canada'" in completed.stderr


def test_config_error_exits_2(tmp_path):
    completed = run_cli("415-555-0134", cwd=tmp_path, extra_env={"BLOCKED_NUMBER_TYPES": "premium,bogus"})
    assert completed.returncode == 2
    assert "BLOCKED_NUMBER_TYPES" in completed.stderr


def test_missing_text_is_usage_error(tmp_path):
    completed = run_cli(cwd=tmp_path)
    assert completed.returncode == 2


@pytest.mark.parametrize("value", ["", " ", "*", "all"])
def test_allowed_empty_or_star_means_all(tmp_path, value):
    # An empty --allowed reads like ALLOWED_COUNTRIES= (empty), which allows every country.
    completed = run_cli("--json", "--allowed", value, "+44 20 7946 0958", cwd=tmp_path, extra_env={"ALLOWED_COUNTRIES": "US"})
    assert completed.returncode == 0, completed.stdout
    assert json.loads(completed.stdout)["country"] == "GB"


def test_allowed_without_codes_is_usage_error(tmp_path):
    completed = run_cli("--allowed", ",", "415-555-0134", cwd=tmp_path)
    assert completed.returncode == 2
    assert "--allowed ','" in completed.stderr
    assert completed.stdout == ""


def test_help_documents_empty_allowed(tmp_path):
    completed = run_cli("--help", cwd=tmp_path)
    assert completed.returncode == 0
    help_text = " ".join(completed.stdout.split())
    assert "'' (empty, as in ALLOWED_COUNTRIES=) allows every country" in help_text


@pytest.mark.parametrize("case", CASES, ids=[f"{case['region']}:{case['text']!r}" for case in CASES])
def test_every_case_through_cli_main(case, tmp_path, monkeypatch, capsys):
    """Every recorded case through the same argv parsing and output as the command, in this process."""
    from bot.cli import main

    for name in ("DEFAULT_COUNTRY", "ALLOWED_COUNTRIES", "BLOCKED_NUMBER_TYPES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    status = main(["number", "--json", "--country", case["region"], "--allowed", case["allowed"], "--", case["text"]])
    output = json.loads(capsys.readouterr().out)
    for field in ("ok", "e164", "reason", "extension", "country"):
        assert output[field] == case[field], field
    assert status == (0 if case["ok"] else 1)
