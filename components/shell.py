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
)


def navbar(user: PortalUser) -> dbc.Navbar:
    links = [
        dbc.NavItem(dbc.NavLink(label, href=href, active="exact"))
        for label, href in NAV_ITEMS
        if may_open(user.role, href)
    ]
    who = html.Div(
        [
            html.Span(user.full_name, className="navbar-user-name"),
            dbc.Badge(user.role_label, color="light", text_color="dark", className="ms-2"),
            dbc.NavLink("Sign out", href="/logout", external_link=True, className="ms-3 d-inline p-0"),
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
