"""The OpenAPI document of the whole HTTP API, generated from the handlers' code.

Each API function has its own Powertools resolver; their documents are merged
into one. `python -m infra.openapi` rewrites docs/openapi.json.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from complaints.core.views import ErrorBody
from infra.local.template import load_template

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "shared" / "complaints" / "openapi.json"  # shipped in the layer, served by the API


def load_module(code_dir: Path, module_name: str, logical_id: str) -> ModuleType:
    """Import a function's module under a name of its own (every handler file is app.py)."""
    name = f"fn_{logical_id}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, code_dir / f"{module_name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def build() -> dict[str, Any]:
    template = load_template(ROOT / "template.yaml")
    document: dict[str, Any] = {}
    secured: set[tuple[str, str]] = set()
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        events = props.get("Events", {}).values() if resource["Type"] == "AWS::Serverless::Function" else []
        if not any(e["Type"] == "HttpApi" for e in events):
            continue
        secured.update((e["Properties"]["Method"].lower(), e["Properties"]["Path"]) for e in events
                       if e["Type"] == "HttpApi" and (e["Properties"].get("Auth") or {}).get("Authorizer") != "NONE")
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
    _document_security_and_errors(document, secured)
    document["paths"] = dict(sorted(document["paths"].items()))
    document["components"]["schemas"] = dict(sorted(document["components"]["schemas"].items()))
    return document


_SIGNATURE_HEADERS = [
    ("webhook-id", "A unique id of the delivery; a retry reuses it."),
    ("webhook-timestamp", "Unix seconds when the delivery was signed; refused when more than 5 minutes off."),
    ("webhook-signature", "Space-separated v1,<base64 HMAC-SHA256 of id.timestamp.body> signatures."),
]


def _document_security_and_errors(document: dict[str, Any], secured: set[tuple[str, str]]) -> None:
    """What the resolvers cannot say themselves: how callers authenticate and how refusals look."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(error_schema.pop("$defs", {}))
    schemas["ErrorBody"] = error_schema
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    document["components"]["securitySchemes"] = {
        "operatorJwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                        "description": "An operator's access token from the desk's user pool or OIDC issuer; "
                                       "the agent and the roles are claims of it."}}
    error: dict[str, Any] = {"description": "Refused: the message names what was wrong",
             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            operation["responses"].pop("422", None)
            operation["responses"]["4XX"] = error
            if path.startswith("/console/views/"):  # the console shows its refusals as HTML in the page
                operation["responses"]["4XX"] = {
                    "description": error["description"],
                    "content": {**error["content"], "text/html": {"schema": {"type": "string"}}}}
            if (method, path) in secured:  # the routes the HttpApi's JWT authorizer guards
                operation["security"] = [{"operatorJwt": []}]
            if path.startswith("/v1/portals/"):
                operation.setdefault("parameters", []).extend(
                    {"name": name, "in": "header", "required": True, "description": text,
                     "schema": {"type": "string", "minLength": 1}} for name, text in _SIGNATURE_HEADERS)


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
