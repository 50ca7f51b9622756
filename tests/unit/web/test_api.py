"""One mapping of errors to answers for every API function, and bodies refused before anything parses them."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from pydantic import BaseModel, Field

from complaints.core.errors import ComplaintNotFound, InvalidField, WorkflowUnavailable
from complaints.web.api import dispatch, make_resolver

app = make_resolver()


class Note(BaseModel):
    text: str = Field(min_length=1)
    phone: str


@app.post("/notes")
def add_note(note: Note) -> dict[str, str]:
    return {"text": note.text}


@app.get("/notes/<note_id>")
def get_note(note_id: str) -> dict[str, str]:
    if note_id == "missing":
        raise ComplaintNotFound("note missing not found")
    if note_id == "invalid":
        raise InvalidField("due_at", "must be in the future")
    raise WorkflowUnavailable("the workflow did not take the decision")


def _event(method: str, path: str, body: str | None = None, *, content_type: str = "application/json",
           base64_encoded: bool = False) -> dict[str, Any]:
    return {"version": "2.0", "routeKey": f"{method} {path}", "rawPath": path, "rawQueryString": "",
            "headers": {"content-type": content_type}, "body": body, "isBase64Encoded": base64_encoded,
            "requestContext": {"http": {"method": method, "path": path, "sourceIp": "127.0.0.1"},
                               "stage": "$default", "requestId": "r1", "routeKey": f"{method} {path}"}}


def _call(event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    answer = dispatch(app, event, None)
    return answer["statusCode"], json.loads(answer["body"])


def test_domain_errors_answer_with_their_status_and_name() -> None:
    assert _call(_event("GET", "/notes/missing")) == (
        404, {"message": "note missing not found", "error": "ComplaintNotFound"})
    status, body = _call(_event("GET", "/notes/invalid"))
    assert status == 422
    assert body["errors"] == [{"field": "due_at", "reason": "must be in the future"}]
    assert _call(_event("GET", "/notes/other"))[0] == 503


def test_a_body_that_fails_validation_names_the_fields_never_the_values() -> None:
    status, body = _call(_event("POST", "/notes", json.dumps({"text": "", "phone": 13812345678})))
    assert status == 422
    assert {e["field"] for e in body["errors"]} == {"text", "phone"}
    assert "13812345678" not in json.dumps(body)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_refused_before_parsing(content_type: str) -> None:
    status, body = _call(_event("POST", "/notes", "text=hi", content_type=content_type))
    assert status == 415
    assert content_type in body["message"]


def test_a_base64_body_that_is_not_utf8_is_refused() -> None:
    raw = base64.b64encode(b"\xff\xfe\xfd").decode()
    assert _call(_event("POST", "/notes", raw, base64_encoded=True))[0] == 400
    good = base64.b64encode(json.dumps({"text": "hi", "phone": "1"}).encode()).decode()
    assert _call(_event("POST", "/notes", good, base64_encoded=True)) == (200, {"text": "hi"})
