"""QuickBooks Online: customers, items, invoices, sales receipts, payments and payment methods (export mode), plus estimates and
credit memos through the Accounting API (API mode: OAuth2, paged full loads, ChangeDataCapture)."""

from pipeline.connectors.quickbooks.api import read_api, stage_api
from pipeline.connectors.quickbooks.queries import API_ENTITIES, Watermark
from pipeline.connectors.quickbooks.reader import ENTITIES, entity_files, read
from pipeline.connectors.quickbooks.stager import stage

__all__ = ["API_ENTITIES", "ENTITIES", "Watermark", "entity_files", "read", "read_api", "stage", "stage_api"]
