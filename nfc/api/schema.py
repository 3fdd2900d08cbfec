"""The error answers every endpoint can give, written into the schema once
for all of them (a drf-spectacular postprocessing hook), so that a client,
and the fuzzing in tests/api/test_schema_fuzz.py, knows each status an
operation may answer and the shape of its body. drf-spectacular by itself
documents only the answer when all goes well."""

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "description": "What went wrong, in a sentence.",
}
# A serializer's errors, or a service's (nfc.api.errors): a list of messages
# for each field at fault, or for the whole under "non_field_errors"; a
# nested object's fields each have their own.
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {
        "anyOf": [{"type": "array", "items": {}}, {"type": "object"}, {"type": "string"}]
    },
    "description": 'Messages by field: {"date": ["…"]}, or {"non_field_errors": ["…"]}.',
}
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds to wait before calling again.",
    }
}
WWW_AUTHENTICATE = {
    "WWW-Authenticate": {"schema": {"type": "string"}, "description": 'Bearer realm="api"'}
}
# A page past the last, or a cursor that is not one, is a 404 (DRF's paginations).
PAGING = {"page", "cursor"}


def _answer(description: str, schema_name: str, headers: dict | None = None) -> dict:
    answer = {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}
        },
    }
    if headers:
        answer["headers"] = headers
    return answer


def error_responses(result, generator, request, public):
    """Add, where the view has not said otherwise: 400 to operations that
    take a body, query parameters or an id in the address (one holding a
    NUL character is refused, nfc.middleware), 401 and 403 to those that need a
    sign-in, 404 to those that name an object or take a page, and 429 to
    all (the throttles)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            parameters = operation.get("parameters", [])
            queries = {p["name"] for p in parameters if p.get("in") == "query"}
            named = any(p.get("in") == "path" for p in parameters)
            if "requestBody" in operation or named or queries - PAGING:
                responses.setdefault(
                    "400", _answer("What was sent is not valid, field by field.", "FieldErrors")
                )
            if any(operation.get("security") or []):
                responses.setdefault(
                    "401",
                    _answer(
                        "No token, or one that is wrong, expired or revoked.",
                        "Error",
                        WWW_AUTHENTICATE,
                    ),
                )
                responses.setdefault(
                    "403", _answer("Your role, or a read-only token, may not do this.", "Error")
                )
            if named or queries & PAGING:
                responses.setdefault(
                    "404", _answer("Not found, or not yours to see; or no such page.", "Error")
                )
            responses.setdefault("429", _answer("Too many calls: wait.", "Error", RETRY_AFTER))
    return result
