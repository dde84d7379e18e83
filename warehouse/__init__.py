"""The warehouse: schema, the engine object that runs SQL, migrations and read queries."""

from warehouse.engine import Warehouse, WarehouseError

__all__ = ["Warehouse", "WarehouseError"]
