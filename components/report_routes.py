"""Download routes of the Reports page: scheduled report files (scoped to the user's role) and reports made now.

Both answer only signed-in users (the portal's login guard covers every route) and are audited.
"""

from __future__ import annotations

import datetime as dt
import io
import logging

from flask import Flask, abort, send_file
from werkzeug.wrappers import Response

from components.access import current_portal_user
from components.context import current_portal
from components.export import client_address
from components.report_pdf import pdf_bytes
from components.reports import PDF_TYPE, build_report
from pipeline.reports import ROLE_REPORTS, report_path
from warehouse import audit
from warehouse.policy import Viewer

logger = logging.getLogger(__name__)


def _viewer() -> Viewer:
    user = current_portal_user()
    if user is None:
        abort(401)
    return Viewer.of(user)


def scheduled_file(role: str, cadence: str, filename: str) -> Response:
    """A scheduled report file, if it is the signed-in user's role's (or they administer)."""
    viewer = _viewer()
    portal = current_portal()
    path = report_path(portal.settings.var_dir, viewer.role, role, cadence, filename)
    if path is None:
        abort(404)
    audit.record(
        portal.warehouse,
        viewer.username,
        "report.download",
        f"{role}/{cadence}/{filename}",
        address=client_address(),
    )
    return send_file(path, mimetype=PDF_TYPE, as_attachment=True, download_name=filename)


def report_now(name: str) -> Response:
    """A report made for the signed-in user now (the Overview over its default period)."""
    viewer = _viewer()
    if name not in ROLE_REPORTS.get(viewer.role, ()):
        abort(404)
    portal = current_portal()
    today = portal.today()
    content = pdf_bytes(build_report(name, portal.warehouse, viewer, today))
    filename = f"{name}-{today or dt.date.today()}.pdf"
    audit.record(portal.warehouse, viewer.username, f"export.{name}.pdf", filename, address=client_address())
    return send_file(io.BytesIO(content), mimetype=PDF_TYPE, as_attachment=True, download_name=filename)


def register(server: Flask) -> None:
    """Add the report download routes to the portal's server."""
    server.add_url_rule("/reports/files/<role>/<cadence>/<filename>", "report_file", scheduled_file)
    server.add_url_rule("/reports/now/<name>.pdf", "report_now", report_now)


__all__ = ["register", "report_now", "scheduled_file"]
