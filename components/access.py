"""Which roles may open which portal pages: the navbar and the pages themselves ask here.

Pages not listed are open to every signed-in user.
"""

from __future__ import annotations

from dash.exceptions import PreventUpdate
from flask_login import current_user

from warehouse.users import STEWARD_ROLES, PortalUser

PAGE_ROLES: dict[str, frozenset[str]] = {
    "/actions": frozenset({"sales_rep", "manager", "marketing", "analyst", "admin"}),
    "/analytics": frozenset({"analyst", "manager", "admin"}),
    "/campaigns": frozenset({"marketing", "manager", "analyst", "admin"}),
    "/reports": frozenset({"marketing", "manager", "analyst", "admin"}),
    "/forecast": frozenset({"manager", "analyst", "admin"}),
    "/models": frozenset({"manager", "analyst", "admin"}),
    "/budget": frozenset({"marketing", "manager", "admin"}),
    "/review": STEWARD_ROLES,
    "/quality": STEWARD_ROLES | {"analyst"},
    "/admin/users": frozenset({"admin"}),
    "/admin/security": frozenset({"admin"}),
    "/admin/audit": frozenset({"admin"}),
    "/admin/ops": frozenset({"admin"}),
}


def may_open(role: str | None, path: str) -> bool:
    """Whether a user with ``role`` may open the page at ``path``."""
    allowed = PAGE_ROLES.get(path)
    return allowed is None or role in allowed


def current_role() -> str | None:
    """The signed-in user's role in the current request, ``None`` when nobody is signed in."""
    user = current_portal_user()
    return None if user is None else user.role


def current_portal_user() -> PortalUser | None:
    """The signed-in user of the current request, ``None`` when nobody is signed in."""
    if not current_user.is_authenticated:
        return None
    user: PortalUser = current_user.user
    return user


def require(path: str) -> None:
    """Stop a callback for anyone the page at ``path`` is not open to (a callback can be posted without
    opening its page); Dash then answers 204 and changes nothing."""
    if not may_open(current_role(), path):
        raise PreventUpdate
