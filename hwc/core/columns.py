"""Column types every feature's models share: money, quantities, and enums stored by value."""

from sqlalchemy import Enum as SAEnum
from sqlalchemy import Numeric

# Money as Decimal with the places of any currency HWC pays in; quantities with four places.
MONEY = Numeric(16, 2)
QUANTITY = Numeric(16, 4)


def enum_column(enum, length=32) -> SAEnum:
    """A string enum stored by its values (not its names), with a CHECK constraint."""
    return SAEnum(enum, native_enum=False, create_constraint=True, length=length,
                  name=enum.__name__.lower(), values_callable=lambda e: [m.value for m in e])
