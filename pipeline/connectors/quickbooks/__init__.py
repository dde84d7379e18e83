"""QuickBooks Online: customers, items, invoices, sales receipts and payments (export mode)."""

from pipeline.connectors.quickbooks.reader import ENTITIES, read
from pipeline.connectors.quickbooks.stager import stage

__all__ = ["ENTITIES", "read", "stage"]
