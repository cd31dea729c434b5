"""Validated input for every write use case.

These pydantic models are the one definition of what a client may send:
the CLI builds them from its options and the HTTP layer from request
bodies, so both accept and refuse exactly the same input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PlainSerializer,
    PlainValidator,
    StrictBool,
    StringConstraints,
    TypeAdapter,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue, SkipJsonSchema
from pydantic_core import CoreSchema

from inventory.domain.catalog import ProductDetails
from inventory.domain.errors import FieldError, ValidationFailed
from inventory.domain.keys import Role
from inventory.domain.locations import DEFAULT_LOCATION, LocationKind
from inventory.domain.lots import Tracking
from inventory.domain.movements import AdjustmentReason
from inventory.domain.packs import Pack

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
MONEY_PATTERN = r"^[0-9]{1,15}(\.[0-9]{1,4})?$"
_MONEY = re.compile(MONEY_PATTERN)

Code = Annotated[
    str, StringConstraints(strict=True, min_length=1, max_length=64, pattern=CODE_PATTERN)
]
"""A sku or warehouse code."""

SerialCode = Annotated[
    str, StringConstraints(strict=True, min_length=1, max_length=64, pattern=CODE_PATTERN)
]
"""A serial number: the sku rule (so it can stand in a path)."""

MAX_QUANTITY = 10**12
"""The most units one movement or order line may name."""

Quantity = Annotated[int, Field(strict=True, gt=0, le=MAX_QUANTITY)]
Count = Annotated[int, Field(strict=True, ge=0, le=MAX_QUANTITY)]

MAX_WARNING_DAYS = 36_500
"""The longest expiry window a report or the alert setting may name: a century."""

# Text a person reads (API.md §1) holds no control character (Unicode category
# Cc) and no bidirectional override, which could hide or reorder what is shown;
# a name also holds something besides white space. Each rule is one pattern,
# both documented (OpenAPI) and applied, so the two cannot disagree.
_CONTROLS = r"\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_SPACES = r"\x20\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_LINE_BREAKS = "\t\n\r"
TEXT_PATTERN = rf"^[^{_CONTROLS}]*$"
NAME_PATTERN = rf"^[^{_CONTROLS}]*[^{_CONTROLS}{_SPACES}][^{_CONTROLS}]*$"
MULTILINE_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]*$"


@dataclass(frozen=True)
class _TextRule:
    """Refuses what ``pattern`` refuses, saying which character and where; documents it."""

    pattern: str
    allowed: str = ""

    def __call__(self, text: str) -> str:
        if not re.fullmatch(self.pattern, text):
            for n, char in enumerate(text):
                if char not in self.allowed and re.match(f"[{_CONTROLS}]", char):
                    what = "a bidirectional override" if char >= "\u202a" else "a control character"
                    raise ValueError(
                        f"must not contain {what} (U+{ord(char):04X} at position {n}); "
                        "control characters and bidirectional overrides are refused"
                    )
            raise ValueError("must not be blank")
        return text

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        documented = handler(schema)
        documented["pattern"] = self.pattern
        return documented


def _text(rule: _TextRule) -> tuple[AfterValidator, _TextRule]:
    return AfterValidator(rule), rule


_TEXT = _text(_TextRule(TEXT_PATTERN))
_NAME = _text(_TextRule(NAME_PATTERN))
_MULTILINE = _text(_TextRule(MULTILINE_PATTERN, allowed=_LINE_BREAKS))

Name = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200), *_NAME]
"""A name: a person reads it, so it is more than white space."""
Reference = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=64), *_TEXT]
Note = Annotated[str, StringConstraints(strict=True, max_length=1000), *_TEXT]
Description = Annotated[str, StringConstraints(strict=True, max_length=2000), *_MULTILINE]
"""Free text that may run over several lines."""
Category = Annotated[str, StringConstraints(strict=True, max_length=100), *_TEXT]
Unit = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=32), *_NAME]
Barcode = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=64), *_TEXT]
KeyName = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=100), *_NAME]


def _time_text(value: Any) -> Any:
    # Lax datetime parsing would take a number as seconds since 1970; clients send text.
    if not isinstance(value, str | datetime):
        raise ValueError("must be an RFC 3339 time string, e.g. 2026-11-26T19:25:20Z")
    return value


TimeIn = Annotated[AwareDatetime, BeforeValidator(_time_text)]
"""An RFC 3339 time with its offset, sent as a string."""


def _date_text(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
DateIn = Annotated[date, BeforeValidator(_date_text)]
"""A calendar date (RFC 3339 full-date, YYYY-MM-DD), sent as a string."""

ShelfLife = Annotated[int, Field(strict=True, ge=1, le=36_500)]
"""Days from receipt to expiry, for lots received without an expiry date."""


MONEY_MAX = Decimal("999999999999999.9999")
"""The largest amount of money a field takes (15 digits, 4 places)."""
_DECIMAL = re.compile(r"^[0-9]+(\.[0-9]{1,4})?$")


def _parse_money(value: Any) -> Decimal:
    # Decimals come from code (imports, tests); clients send strings. Either way
    # the same text rule applies, ASCII digits only, so JSON Schema agrees.
    text = format(value, "f") if isinstance(value, Decimal) and value.is_finite() else value
    if isinstance(text, str) and _DECIMAL.fullmatch(text) and not _MONEY.fullmatch(text):
        raise ValueError(f"must be at most {MONEY_MAX}")
    if not isinstance(text, str) or not _MONEY.fullmatch(text):
        raise ValueError(
            'must be a decimal string >= 0 with at most 4 decimal places, e.g. "12.5000"'
        )
    return Decimal(text)


Money = Annotated[
    Decimal,
    PlainValidator(_parse_money),
    PlainSerializer(lambda d: f"{d:.4f}", return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": MONEY_PATTERN,
            "description": (
                f'A decimal string from "0" to "{MONEY_MAX}", with at most 4 decimal places'
            ),
            "examples": ["12.5000"],
        }
    ),
]
"""Money: a decimal string with up to 4 places, never a float."""


_REORDER_POINT = "A low-stock alert is sent when the total available falls to this (0: never)"
_TRACKING = (
    "none, lot (receipts name a lot) or serial (receipts name each unit);"
    " changes only while nothing is in stock"
)
_SHELF_LIFE = "Days a lot received without an expiry date keeps: it expires that many days on"
_TO_LOCATION = "The location it goes to, in that warehouse; its default location if omitted"
_FROM_LOCATION = "Take it from this location only; else by the picking rule (FEFO)"
_FROM_LOT = "Take it from this lot only; else by the picking rule (FEFO)"
_REFERENCE = "The document it belongs to, e.g. a delivery note or an order (not unique)"
_NOTE = "Free text kept with the movement"
_SERIALS_IN = "A serial-tracked product: one serial per unit, none in stock now (required)"
_SERIALS_OUT = (
    "A serial-tracked product: take these units (one per unit, in stock here);"
    " else the oldest received first"
)
Serials = Annotated[list[SerialCode], Field(min_length=1, max_length=50_000)]
_UNIT_COST = (
    f"What one unit cost: a decimal string from 0 to {MONEY_MAX}, at most 4 decimal places. "
    "Moves the product's average cost"
)


class Command(BaseModel):
    """Base of every command: unknown fields are refused, so typos surface."""

    model_config = ConfigDict(extra="forbid", frozen=True)


PackSize = Annotated[int, Field(strict=True, gt=1, le=MAX_QUANTITY)]
_UNIT_IN = "The unit quantity is in: the product's unit or one of its packs; base units if omitted"


class PackIn(Command):
    """Another unit the product comes in, as so many base units (API.md §13)."""

    unit: Annotated[Unit, Field(description="Its name, e.g. case; unique among the product's")]
    quantity: Annotated[PackSize, Field(description="How many base units one holds: over 1")]
    barcode: Annotated[
        Barcode | None,
        Field(description="The barcode printed on it; unique across products, packs, locations"),
    ] = None

    def pack(self) -> Pack:
        return Pack(self.unit, self.quantity, self.barcode)


Packs = Annotated[list[PackIn], Field(max_length=20)]


class ProductFields(Command):
    """The client-owned fields of a product; an omitted optional field takes its default."""

    name: Annotated[Name, Field(description="What people call it")]
    description: Annotated[
        Description, Field(description="Free text; may run over several lines")
    ] = ""
    category: Annotated[Category, Field(description="A grouping to filter lists by")] = ""
    unit: Annotated[Unit, Field(description="What one unit of quantity is: each, box, kg")] = "each"
    barcode: Annotated[Barcode | None, Field(description="The barcode printed on it, if any")] = (
        None
    )
    reorder_point: Annotated[Count, Field(description=_REORDER_POINT)] = 0
    reorder_quantity: Annotated[Count, Field(description="How many to order when it runs low")] = 0
    tracking: Annotated[Tracking, Field(description=_TRACKING)] = Tracking.NONE
    shelf_life_days: Annotated[ShelfLife | None, Field(description=_SHELF_LIFE)] = None
    packs: Annotated[
        Packs, Field(description="Other units it comes in; `unit` stays the base unit")
    ] = []

    def details(self) -> ProductDetails:
        fields = set(ProductFields.model_fields) - {"packs"}
        return ProductDetails(
            **self.model_dump(include=fields), packs=tuple(pack.pack() for pack in self.packs)
        )


class CreateProduct(ProductFields):
    sku: Annotated[Code, Field(description="The product's code: unique, and never changes")]


def _undocumented_default(schema: dict[str, Any]) -> None:
    del schema["default"]


class PatchProduct(Command):
    """A JSON merge patch of product fields: a field set to null returns to its default."""

    # A name may be changed, never removed: null is refused, so it is not documented.
    name: Name | SkipJsonSchema[None] = Field(
        default=None,
        description="What people call it; it cannot be removed",
        json_schema_extra=_undocumented_default,
    )
    description: Annotated[Description | None, Field(description="Free text; null empties it")] = (
        None
    )
    category: Annotated[
        Category | None, Field(description="A grouping to filter lists by; null empties it")
    ] = None
    unit: Annotated[
        Unit | None, Field(description="What one unit of quantity is; null makes it each")
    ] = None
    barcode: Annotated[
        Barcode | None, Field(description="The barcode printed on it; null removes it")
    ] = None
    reorder_point: Annotated[
        Count | None, Field(description=_REORDER_POINT + "; null makes it 0")
    ] = None
    reorder_quantity: Annotated[
        Count | None, Field(description="How many to order when it runs low; null makes it 0")
    ] = None
    tracking: Annotated[Tracking | None, Field(description=_TRACKING + "; null makes it none")] = (
        None
    )
    shelf_life_days: Annotated[
        ShelfLife | None, Field(description=_SHELF_LIFE + "; null removes it")
    ] = None
    packs: Annotated[
        Packs | None, Field(description="Other units it comes in, all of them; null removes them")
    ] = None

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
        changes: dict[str, object] = {
            field: defaults[field].default if value is None else value
            for field, value in self.model_dump(include=self.model_fields_set - {"packs"}).items()
        }
        if "packs" in self.model_fields_set:
            changes["packs"] = tuple(pack.pack() for pack in self.packs or ())
        return changes


class CreateWarehouse(Command):
    code: Annotated[Code, Field(description="The warehouse's code: unique, and never changes")]
    name: Annotated[Name, Field(description="What people call it")]
    default_location: Annotated[
        Code,
        Field(description="The code of its default location, made with it; it is never archived"),
    ] = DEFAULT_LOCATION


LocationName = Annotated[str, StringConstraints(strict=True, max_length=200), *_TEXT]
"""A location's name: may be empty (its code names it)."""


class CreateLocation(Command):
    code: Annotated[Code, Field(description="Its code: unique in its warehouse, never changes")]
    name: Annotated[LocationName, Field(description="What people call it")] = ""
    parent: Annotated[
        Code | None, Field(description="The location of the same warehouse it lies in")
    ] = None
    kind: Annotated[LocationKind, Field(description="What sort of place it is")] = LocationKind.BIN
    pickable: Annotated[StrictBool, Field(description="Whether orders may pick from it")] = True
    barcode: Annotated[
        Barcode | None, Field(description="The barcode printed on it; unique among locations")
    ] = None


class PatchLocation(Command):
    """A JSON merge patch of a location: a field set to null returns to its default."""

    name: Annotated[
        LocationName | None, Field(description="What people call it; null empties it")
    ] = None
    pickable: Annotated[
        StrictBool | None, Field(description="Whether orders may pick from it; null makes it true")
    ] = None
    barcode: Annotated[
        Barcode | None, Field(description="The barcode printed on it; null removes it")
    ] = None
    parent: Annotated[
        Code | None, Field(description="The location it lies in; null moves it to the top")
    ] = None

    def changes(self) -> dict[str, object]:
        """The fields the patch sets, with removed (null) fields back at their defaults."""
        defaults = CreateLocation.model_fields
        return {
            field: defaults[field].default if value is None else value
            for field, value in self.model_dump(include=self.model_fields_set).items()
        }


class LotIn(Command):
    """The lot a receipt of a lot-tracked product brings in."""

    code: Annotated[Code, Field(description="The lot's code, as printed on the goods")]
    expires_on: Annotated[
        DateIn | None,
        Field(description="Its expiry date; without it, the receipt date plus the shelf life"),
    ] = None
    manufactured_on: Annotated[DateIn | None, Field(description="When it was made")] = None


class ReceiveStock(Command):
    type: Literal["receipt"] = "receipt"
    sku: Annotated[Code, Field(description="The product received")]
    warehouse: Annotated[Code, Field(description="Where it arrives")]
    quantity: Annotated[Quantity, Field(description="Units received")]
    unit: Annotated[Unit | None, Field(description=_UNIT_IN)] = None
    unit_cost: Annotated[Money, Field(description=_UNIT_COST + "; always per base unit")]
    location: Annotated[Code | None, Field(description=_TO_LOCATION)] = None
    lot: Annotated[LotIn | None, Field(description="Required for a lot-tracked product")] = None
    serials: Annotated[Serials | None, Field(description=_SERIALS_IN)] = None
    reference: Annotated[Reference | None, Field(description=_REFERENCE)] = None
    note: Annotated[Note | None, Field(description=_NOTE)] = None


class IssueStock(Command):
    type: Literal["issue"] = "issue"
    sku: Annotated[Code, Field(description="The product issued")]
    warehouse: Annotated[Code, Field(description="Where it leaves from")]
    quantity: Annotated[Quantity, Field(description="Units issued; no more than are available")]
    unit: Annotated[Unit | None, Field(description=_UNIT_IN)] = None
    location: Annotated[Code | None, Field(description=_FROM_LOCATION)] = None
    lot: Annotated[Code | None, Field(description=_FROM_LOT)] = None
    serials: Annotated[Serials | None, Field(description=_SERIALS_OUT)] = None
    reference: Annotated[Reference | None, Field(description=_REFERENCE)] = None
    note: Annotated[Note | None, Field(description=_NOTE)] = None


class TransferStock(Command):
    type: Literal["transfer"] = "transfer"
    sku: Annotated[Code, Field(description="The product moved")]
    from_warehouse: Annotated[Code, Field(description="Where it leaves from")]
    to_warehouse: Annotated[
        Code, Field(description="Where it arrives; from_warehouse only with another to_location")
    ]
    quantity: Annotated[Quantity, Field(description="Units moved; no more than are available")]
    unit: Annotated[Unit | None, Field(description=_UNIT_IN)] = None
    from_location: Annotated[Code | None, Field(description=_FROM_LOCATION)] = None
    to_location: Annotated[Code | None, Field(description=_TO_LOCATION)] = None
    lot: Annotated[Code | None, Field(description=_FROM_LOT)] = None
    serials: Annotated[Serials | None, Field(description=_SERIALS_OUT)] = None
    reference: Annotated[Reference | None, Field(description=_REFERENCE)] = None
    note: Annotated[Note | None, Field(description=_NOTE)] = None

    @model_validator(mode="after")
    def _goes_somewhere(self) -> TransferStock:
        # Refused as input, before anything is looked up, as v1 refused it.
        if self.to_warehouse == self.from_warehouse and self.to_location is None:
            message = "must differ from from_warehouse"
            raise ValidationFailed(
                f"to_warehouse: {message}", (FieldError("to_warehouse", message),)
            )
        return self


class AdjustStock(Command):
    type: Literal["adjustment"] = "adjustment"
    sku: Annotated[Code, Field(description="The product counted")]
    warehouse: Annotated[Code, Field(description="Where it was counted")]
    counted_quantity: Annotated[
        Count, Field(description="Units found: on hand becomes this figure")
    ]
    unit: Annotated[Unit | None, Field(description="The unit counted_quantity is in")] = None
    location: Annotated[
        Code | None, Field(description="Where it was counted; default location if omitted")
    ] = None
    lot: Annotated[
        Code | None, Field(description="The lot counted; required for a lot-tracked product")
    ] = None
    reason: Annotated[AdjustmentReason, Field(description="Why the figure changes")]
    serials: Annotated[
        Serials | None,
        Field(
            description="A serial-tracked product: the units found (required when the count"
            " rises) or gone (else the oldest received go)"
        ),
    ] = None
    note: Annotated[Note | None, Field(description=_NOTE)] = None


MovementCommand = ReceiveStock | IssueStock | TransferStock | AdjustStock
"""Any of the four movements the ledger posts."""
MOVEMENT_COMMAND: TypeAdapter[MovementCommand] = TypeAdapter(
    Annotated[MovementCommand, Field(discriminator="type")]
)
"""Validates any movement body, choosing the model by its ``type``."""


class OrderLineIn(Command):
    sku: Annotated[Code, Field(description="The product to reserve")]
    quantity: Annotated[Quantity, Field(description="Units to reserve")]
    unit: Annotated[Unit | None, Field(description=_UNIT_IN)] = None
    location: Annotated[
        Code | None, Field(description="Take it from this location only; else by the picking rule")
    ] = None
    lot: Annotated[Code | None, Field(description="Take it from this lot only")] = None
    serials: Annotated[Serials | None, Field(description=_SERIALS_OUT)] = None


class ReserveOrder(Command):
    reference: Annotated[Reference, Field(description="Your reference for the order: unique")]
    warehouse: Annotated[Code, Field(description="Where the stock is reserved")]
    lines: Annotated[
        list[OrderLineIn],
        Field(min_length=1, max_length=500, description="What to reserve: each sku once"),
    ]
    expires_at: Annotated[
        TimeIn | None,
        Field(description="When a reservation not shipped by then expires and frees its stock"),
    ] = None

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
    name: Annotated[
        KeyName, Field(description="Who or what uses the key; movements show it as created_by")
    ]
    role: Annotated[
        Role, Field(description="What the key may do; each role includes the ones before it")
    ]


class ReportParams(Command):
    warehouse: Annotated[Code | None, Field(description="Only this warehouse")] = None
    since: Annotated[
        TimeIn | None, Field(description="Only movements from this time on (movements report)")
    ] = None
    until: Annotated[
        TimeIn | None, Field(description="Only movements before this time (movements report)")
    ] = None
    days: Annotated[
        int | None,
        Field(
            strict=True,
            ge=0,
            le=MAX_WARNING_DAYS,
            description="Lots expiring within this many days from today, expired ones too"
            " (expiry report; default INVENTORY_EXPIRY_WARNING_DAYS)",
        ),
    ] = None


class RequestReport(Command):
    """A report to make: which one, in which format, over what."""

    kind: Annotated[
        Literal["valuation", "movements", "low_stock", "expiry"], Field(description="Which report")
    ]
    format: Annotated[Literal["csv", "json"], Field(description="The file to make")] = "csv"
    params: Annotated[ReportParams, Field(description="What the report covers")] = ReportParams()
