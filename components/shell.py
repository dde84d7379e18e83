"""The portal shell: a navbar that collapses behind a toggler on phones, showing who is signed in, their
notification bell and only the pages their role may open."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components import ids
from components.access import may_open
from components.live import bell
from warehouse.users import PortalUser

BRAND = "Miracle Customer 360"
NAV_ITEMS: tuple[tuple[str, str], ...] = (
    ("Overview", "/"),
    ("Customers", "/customers"),
    ("Actions", "/actions"),
    ("Campaigns", "/campaigns"),
    ("Analytics", "/analytics"),
    ("Review", "/review"),
    ("Quality", "/quality"),
    ("Reports", "/reports"),
)
# Next to the user's name: their account, then the administrators' pages in one menu (so the bar fits 1440 px).
ACCOUNT_ITEMS: tuple[tuple[str, str], ...] = (("Account", "/account"),)
ADMIN_ITEMS: tuple[tuple[str, str], ...] = (
    ("Users", "/admin/users"),
    ("Security", "/admin/security"),
    ("Audit log", "/admin/audit"),
    ("Operations", "/admin/ops"),
)


SIGN_OUT_BUTTON = "navbar-sign-out"


def sign_out(csrf_token: str) -> html.Form | dbc.NavLink:
    """Sign out in one click: a form posting the CSRF token (a link to the confirmation page without one)."""
    if not csrf_token:
        return dbc.NavLink("Sign out", href="/logout", external_link=True, className="ms-3 d-inline p-0")
    return html.Form(
        [
            html.Div(dbc.Input(name="csrf_token", type="hidden", value=csrf_token), hidden=True),
            html.Button("Sign out", id=SIGN_OUT_BUTTON, type="submit", className="btn btn-link nav-link p-0"),
        ],
        method="POST",
        action="/logout",
        className="ms-3 d-inline",
    )


def admin_menu(user: PortalUser) -> list[dbc.DropdownMenu]:
    """The administrators' pages this user may open, as one "Admin" menu (none: no menu)."""
    items = [
        dbc.DropdownMenuItem(label, href=href) for label, href in ADMIN_ITEMS if may_open(user.role, href)
    ]
    if not items:
        return []
    return [
        dbc.DropdownMenu(items, label="Admin", nav=True, in_navbar=True, align_end=True, className="ms-3")
    ]


def navbar(user: PortalUser, csrf_token: str = "") -> dbc.Navbar:  # a CSRF token  # nosec B107
    links = [
        dbc.NavItem(dbc.NavLink(label, href=href, active="exact"))
        for label, href in NAV_ITEMS
        if may_open(user.role, href)
    ]
    who = html.Div(
        [
            html.Span(user.full_name, className="navbar-user-name"),
            dbc.Badge(user.role_label, color="light", text_color="dark", className="ms-2"),
            *[
                dbc.NavLink(label, href=href, className="ms-3 d-inline p-0")
                for label, href in ACCOUNT_ITEMS
                if may_open(user.role, href)
            ],
            *admin_menu(user),
            sign_out(csrf_token),
        ],
        id=ids.NAVBAR_USER,
        className="navbar-user d-flex align-items-center",
    )
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(BRAND, href="/"),
                # Outside the collapse, so phones see it too: beside the toggler there, last on wider screens.
                html.Div(bell(), className="ms-auto me-2 me-md-0 ms-md-3 order-md-last"),
                dbc.NavbarToggler(id=ids.NAVBAR_TOGGLER, n_clicks=0),
                dbc.Collapse(
                    [dbc.Nav(links, navbar=True, className="me-auto"), who],
                    id=ids.NAVBAR_COLLAPSE,
                    is_open=False,
                    navbar=True,
                ),
            ],
            fluid=True,
        ),
        id=ids.NAVBAR,
        color="dark",
        dark=True,
        expand="md",
        className="portal-navbar mb-3",
    )
