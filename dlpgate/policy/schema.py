"""The JSON Schema of policy files, published as policies/schema.json.

Editors with YAML language support (VS Code's YAML extension, JetBrains IDEs)
use it to complete keys and flag mistakes as a policy author types; the loader
remains the authority (it also checks what a schema cannot: list references,
duplicate ids, placeholders). Built from the loader's own vocabularies, so the
two cannot drift apart; a test compares the published file with this.
"""

from __future__ import annotations

from typing import Any

from dlpgate.config import ENTITIES
from dlpgate.detect.recognizers.special_category import load_lexicon
from dlpgate.model import Action
from dlpgate.policy import read as L
from dlpgate.policy.rules import PROBLEM_ENTITIES, WHERE

ID = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"}


def _one_or_many(item: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [item, {"type": "array", "items": item, "minItems": 1}]}


def _obj(props: dict[str, Any], required: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = list(required)
    out.update(extra)
    return out


def schema() -> dict[str, Any]:
    text = {"type": "string"}
    strings = _one_or_many(text)
    count = {"type": "integer", "minimum": 1}
    size = {"anyOf": [{"type": "integer", "minimum": 0},
                      {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*([kKmMgG]i?[bB]?)?\s*$"}]}
    entity = {"type": "string", "description": "Presidio-style entity name",
              "examples": [*ENTITIES, *PROBLEM_ENTITIES]}
    signal = {"enum": list(L.SIGNALS)}
    recipient_test = _obj({
        "where": _one_or_many({"enum": list(WHERE)}),
        "signal": _one_or_many(signal),
        "without_signal": _one_or_many(signal),
        "risk": {"type": "number", "minimum": 0, "maximum": 1},
        "domain": strings,
        "not_domain": strings,
        "address": strings,
        "not_address": strings,
    })
    at_least = dict(recipient_test)
    at_least["properties"] = {**recipient_test["properties"], "count": count}
    at_least["required"] = ["count"]
    condition_ref = {"$ref": "#/$defs/condition"}
    condition = _obj({
        "all": {"type": "array", "items": condition_ref, "minItems": 1},
        "any": {"type": "array", "items": condition_ref, "minItems": 1},
        "not": condition_ref,
        "findings": _obj({
            "entity": _one_or_many(entity),
            "category": _one_or_many({"enum": list(load_lexicon())}),
            "min_count": count, "min_distinct": count,
            "min_score": {"type": "number", "minimum": 0, "maximum": 1},
            "in": {"enum": ["anywhere", "subject", "body", "attachment"]},
        }),
        "data_subjects": _obj({"min": count, "counting": {"enum": ["identifiers", "names"]}},
                              ("min",)),
        "recipients": _obj({"any": recipient_test, "all": recipient_test, "at_least": at_least},
                           minProperties=1, maxProperties=1),
        "message": _obj({
            "from_organisation": {"type": "boolean"},
            "marking": {"type": "boolean"}, "unscannable": {"type": "boolean"},
            "encrypted": {"type": "boolean"}, "malformed": {"type": "boolean"},
            "direction": {"enum": ["internal", "outbound"]},
            "mentions": strings, "matches": text, "min_size": size,
        }, minProperties=1),
        "attachments": _obj({"type": strings, "min_size": size, "min_count": count}),
        "sender": _obj({"in": strings, "not_in": strings}, minProperties=1, maxProperties=1),
    }, minProperties=1)
    example = _obj({
        "name": text, "from": text, "to": strings, "cc": strings, "bcc": strings,
        "subject": text, "body": text,
        "headers": {"type": "object", "additionalProperties": text},
        "attachments": {"type": "array", "items": _obj({
            "name": text, "text": text, "encrypted": {"type": "boolean"},
            "unscannable": {"type": "boolean"}}, ("name",))},
        "history": {"type": "array", "items": _obj({
            "recipient": text, "sender": text,
            # 0 with replied: they wrote in, and have not been written to
            "count": {"type": "integer", "minimum": 0},
            "days_ago": {"type": "number", "minimum": 0}, "replied": {"type": "boolean"},
            "audience": count, "sent": strings},
            ("recipient",))},
        "expect": {"anyOf": [{"enum": [a.value for a in Action]}, _obj({
            "action": {"enum": [a.value for a in Action]}, "rules": strings,
            "not_rules": strings})]},
    }, ("name", "to", "expect"))
    rule = _obj({
        "id": ID, "title": text, "description": text,
        "status": {"enum": ["stable", "test", "experimental", "deprecated"]},
        "owner": text, "references": strings, "falsepositives": strings, "tags": strings,
        "mode": {"enum": ["enforce", "shadow"]},
        "when": condition_ref,
        "action": {"enum": [a.value for a in Action]},
        "minutes": {"type": "integer", "minimum": 1, "maximum": 1440},
        "explain": {"type": "string", "description": "Placeholders: " + ", ".join(
            "{" + p + "}" for p in L.PLACEHOLDERS)},
        "notify": _one_or_many({"enum": list(L.NOTIFY)}),
        "overrides": _one_or_many(ID),
        "examples": {"type": "array", "items": {"$ref": "#/$defs/example"}},
    }, ("id", "title", "when", "action", "explain"))
    a_list = {"type": "object", "additionalProperties": False,
              "properties": {"description": text, **{k: {"type": "array", "items": text}
                                                     for k in L.LIST_KINDS}},
              "minProperties": 1}
    org = _obj({k: {"type": "array", "items": text}
                for k in ("internal_domains", "partner_domains", "secure_domains")})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://dlpgate.invalid/policies/schema.json",
        "title": "dlpgate policy file",
        "description": "Rules deciding what dlpgate does with a message (policies/README.md).",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "policy": text, "description": text,
            "examples_organisation": org,
            "lists": {"type": "object", "propertyNames": ID, "additionalProperties": a_list},
            "disable": {"type": "array", "items": ID},
            "rules": {"type": "array", "items": rule},
            "examples": {"type": "array", "items": {"$ref": "#/$defs/example"}},
        },
        "$defs": {"condition": condition, "example": example},
    }
