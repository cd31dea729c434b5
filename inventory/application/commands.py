"""Validated input for every write use case.

These pydantic models are the one definition of what a client may send:
the CLI builds them from its options and the HTTP layer from request
bodies, so both accept and refuse exactly the same input.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    TypeAdapter,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema

from inventory.domain.catalog import ProductDetails
from inventory.domain.keys import Role
from inventory.domain.movements import AdjustmentReason

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
MONEY_PATTERN = r"^[0-9]{1,15}(\.[0-9]{1,4})?$"
_MONEY = re.compile(MONEY_PATTERN)

Code = Annotated[
    str, StringConstraints(strict=True, min_length=1, max_length=64, pattern=CODE_PATTERN)
]
"""A sku or warehouse code."""

MAX_QUANTITY = 10**12
"""The most units one movement or order line may name."""

Quantity = Annotated[int, Field(strict=True, gt=0, le=MAX_QUANTITY)]
Count = Annotated[int, Field(strict=True, ge=0, le=MAX_QUANTITY)]
Name = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200)]
Reference = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=64)]
Note = Annotated[str, StringConstraints(strict=True, max_length=1000)]


def _parse_money(value: Any) -> Decimal:
    # Decimals come from code (imports, tests); clients send strings. Either way
    # the same text rule applies, ASCII digits only, so JSON Schema agrees.
    text = format(value, "f") if isinstance(value, Decimal) and value.is_finite() else value
    if not isinstance(text, str) or not _MONEY.fullmatch(text):
        raise ValueError(
            'must be a decimal string >= 0 with at most 4 decimal places, e.g. "12.5000"'
        )
    return Decimal(text)


Money = Annotated[
    Decimal,
    PlainValidator(_parse_money),
    PlainSerializer(lambda d: f"{d:.4f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "examples": ["12.5000"]}),
]
"""Money: a decimal string with up to 4 places, never a float."""


class Command(BaseModel):
    """Base of every command: unknown fields are refused, so typos surface."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ProductFields(Command):
    """The client-owned fields of a product; an omitted optional field takes its default."""

    name: Name
    description: Annotated[str, StringConstraints(strict=True, max_length=2000)] = ""
    category: Annotated[str, StringConstraints(strict=True, max_length=100)] = ""
    unit: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=32)] = "each"
    barcode: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=64)] | None = (
        None
    )
    reorder_point: Count = 0
    reorder_quantity: Count = 0

    def details(self) -> ProductDetails:
        return ProductDetails(**self.model_dump(include=set(ProductFields.model_fields)))


class CreateProduct(ProductFields):
    sku: Code


def _undocumented_default(schema: dict[str, Any]) -> None:
    del schema["default"]


class PatchProduct(Command):
    """A JSON merge patch of product fields: a field set to null returns to its default."""

    # A name may be changed, never removed: null is refused, so it is not documented.
    name: Name | SkipJsonSchema[None] = Field(default=None, json_schema_extra=_undocumented_default)
    description: Annotated[str, StringConstraints(strict=True, max_length=2000)] | None = None
    category: Annotated[str, StringConstraints(strict=True, max_length=100)] | None = None
    unit: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=32)] | None = None
    barcode: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=64)] | None = (
        None
    )
    reorder_point: Count | None = None
    reorder_quantity: Count | None = None

    @field_validator("name")
    @classmethod
    def _name_cannot_be_removed(cls, name: str | None) -> str | None:
        # Runs only when the patch names the field, so null here means "remove it".
        if name is None:
            raise ValueError("is required and cannot be removed")
        return name

    def changes(self) -> dict[str, object]:
        """The fields the patch sets, with removed (null) fields back at their defaults."""
        defaults = ProductFields.model_fields
        return {
            field: defaults[field].default if value is None else value
            for field, value in self.model_dump(include=self.model_fields_set).items()
        }


class CreateWarehouse(Command):
    code: Code
    name: Name


class ReceiveStock(Command):
    type: Literal["receipt"] = "receipt"
    sku: Code
    warehouse: Code
    quantity: Quantity
    unit_cost: Money
    reference: Reference | None = None
    note: Note | None = None


class IssueStock(Command):
    type: Literal["issue"] = "issue"
    sku: Code
    warehouse: Code
    quantity: Quantity
    reference: Reference | None = None
    note: Note | None = None


class TransferStock(Command):
    type: Literal["transfer"] = "transfer"
    sku: Code
    from_warehouse: Code
    to_warehouse: Code
    quantity: Quantity
    reference: Reference | None = None
    note: Note | None = None

    @field_validator("to_warehouse")
    @classmethod
    def _between_two_warehouses(cls, to_warehouse: str, info: ValidationInfo) -> str:
        if to_warehouse == info.data.get("from_warehouse"):
            raise ValueError("must differ from from_warehouse")
        return to_warehouse


class AdjustStock(Command):
    type: Literal["adjustment"] = "adjustment"
    sku: Code
    warehouse: Code
    counted_quantity: Count
    reason: AdjustmentReason
    note: Note | None = None


MovementCommand = Annotated[
    ReceiveStock | IssueStock | TransferStock | AdjustStock, Field(discriminator="type")
]
MOVEMENT_COMMAND: TypeAdapter[ReceiveStock | IssueStock | TransferStock | AdjustStock] = (
    TypeAdapter(MovementCommand)
)
"""Validates any movement body, choosing the model by its ``type``."""


class OrderLineIn(Command):
    sku: Code
    quantity: Quantity


class ReserveOrder(Command):
    reference: Reference
    warehouse: Code
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=500)]
    expires_at: AwareDatetime | None = None

    @field_validator("lines")
    @classmethod
    def _each_sku_once(cls, lines: list[OrderLineIn]) -> list[OrderLineIn]:
        first: dict[str, int] = {}
        for n, line in enumerate(lines):
            if line.sku in first:
                raise ValueError(
                    f"sku {line.sku!r} appears twice (lines {first[line.sku]} and {n})"
                )
            first[line.sku] = n
        return lines


class CreateApiKey(Command):
    name: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=100)]
    role: Role


class ReportParams(Command):
    warehouse: Code | None = None
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None


class RequestReport(Command):
    """``POST /api/v1/reports``: which report, in which format, over what."""

    kind: Literal["valuation", "movements", "low_stock"]
    format: Literal["csv", "json"] = "csv"
    params: ReportParams = ReportParams()
