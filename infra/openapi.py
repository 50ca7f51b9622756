"""The OpenAPI document of the whole HTTP API, generated from the handlers' code.

Each API function has its own Powertools resolver; their documents are merged
into one. `python -m infra.openapi` rewrites docs/openapi.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra.local.runtime import load_module
from infra.local.template import load_template

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "openapi.json"


def build() -> dict[str, Any]:
    template = load_template(ROOT / "template.yaml")
    document: dict[str, Any] = {}
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        events = props.get("Events", {}).values() if resource["Type"] == "AWS::Serverless::Function" else []
        if not any(e["Type"] == "HttpApi" for e in events):
            continue
        module = load_module(ROOT / props["CodeUri"], props["Handler"].split(".")[0], logical_id)
        schema = json.loads(module.app.get_openapi_json_schema(
            title="Complaint desk API", version="1.0.0",
            description="Portals' intake webhook, the operators' API and customers' survey links."))
        if not document:
            document = schema
        else:
            document["paths"].update(schema["paths"])
            document.setdefault("components", {}).setdefault("schemas", {}).update(
                schema.get("components", {}).get("schemas", {}))
    document["paths"] = dict(sorted(document["paths"].items()))
    document["components"]["schemas"] = dict(sorted(document["components"]["schemas"].items()))
    return document


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
