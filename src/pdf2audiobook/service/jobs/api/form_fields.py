"""A form field the route does not declare is refused, not silently dropped.

Clients built for other back ends send fields under other names (`voice_provider` for our
`provider`); ignored, such a field left the job with a default the client never chose.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute


def declared_form_fields(dependant: Dependant) -> set[str]:
    """The form field and file names `dependant` and its sub-dependencies read, as sent."""
    names = {field.validation_alias or field.alias for field in dependant.body_params}
    for sub_dependant in dependant.dependencies:
        names |= declared_form_fields(sub_dependant)
    return names


async def refuse_undeclared_form_fields(request: Request) -> None:
    """Raise a 422 (`RequestValidationError`) naming each form field the route does not
    declare; the declared names come from the route's own parameters.

    The form is the one FastAPI parsed for the route, kept on the request by Starlette, so
    the upload is read once and within the body-size limits.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        raise TypeError("refuse_undeclared_form_fields is a dependency of API routes only")
    declared = declared_form_fields(route.dependant)
    undeclared = sorted(set((await request.form()).keys()) - declared)
    if undeclared:
        known = ", ".join(sorted(declared))
        raise RequestValidationError(
            [
                {
                    "type": "extra_forbidden",
                    "loc": ("body", name),
                    "msg": f"Unknown form field; this endpoint takes: {known}",
                    "input": None,
                }
                for name in undeclared
            ]
        )


OnlyDeclaredFormFields = Annotated[None, Depends(refuse_undeclared_form_fields)]
"""A route parameter; declared after the caller's identity, so a request without a valid
token is refused with 401 before its fields are judged."""
