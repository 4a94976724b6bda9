"""Reading JSON numbers as JSON Schema does: `1163.0` is a whole number, `true` is not
(Pydantic's lax mode would read it as 1).

Use as `Annotated[int, Field(ge=..., le=...), NOT_A_BOOLEAN]`: the bounds come before the
check so that they stay in the OpenAPI schema.
"""

from __future__ import annotations

from typing import Any

from pydantic import BeforeValidator


def _refuse_booleans(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("Input should be a number, not true or false")
    return value


NOT_A_BOOLEAN = BeforeValidator(_refuse_booleans)
