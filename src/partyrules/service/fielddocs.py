"""Descriptions of the fields whose models do not describe them, in English and Chinese, for the OpenAPI schema.

Keyed by ``Model.field`` where the name means different things in different models, else by the field name.
"""

from __future__ import annotations

FIELD_DOCS: dict[str, str] = {
}
