"""The published JSON Schema: up to date, accepts the shipped policies, flags what editors can."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from dlpgate.policy.load import SHIPPED, shipped_files
from dlpgate.policy.schema import schema


def test_policies_schema_json_is_the_one_the_code_generates():
    """Regenerate with: dlpgate policy schema > policies/schema.json"""
    published = json.loads((SHIPPED / "schema.json").read_text())
    assert published == schema()


def test_every_shipped_policy_file_is_valid_against_the_schema():
    jsonschema.Draft202012Validator.check_schema(schema())
    validator = jsonschema.Draft202012Validator(schema())
    for path in shipped_files():
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text())))
        assert errors == [], (path, [e.message for e in errors])


def test_an_editor_using_the_schema_flags_an_unknown_key_and_a_wrong_action(tmp_path: Path):
    validator = jsonschema.Draft202012Validator(schema())
    doc = {"rules": [{"id": "r", "title": "t", "when": {"findings": {"entity": "UK_NHS"}},
                      "action": "quarantine", "explain": "x", "colour": "red"}]}
    messages = sorted(e.message for e in validator.iter_errors(doc))
    assert any("'quarantine' is not one of" in m for m in messages)
    assert any("'colour' was unexpected" in m for m in messages)
