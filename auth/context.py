"""What the sign-in views need, built once per app from the settings: policies, cipher, clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from cryptography.fernet import Fernet
from flask import Flask, current_app

from settings import Settings
from warehouse import mfa
from warehouse.engine import Warehouse
from warehouse.security_events import LoginPolicy
from warehouse.sessions import SessionPolicy

EXTENSION = "customer360-auth"
Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    """Naive UTC now, the warehouse's time convention."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class AuthContext:
    """The settings, warehouse and clock of the sign-in views, with the policies derived from them."""

    settings: Settings
    warehouse: Warehouse
    secret_key: str
    clock: Clock = utcnow

    @property
    def session_policy(self) -> SessionPolicy:
        return SessionPolicy(
            idle=dt.timedelta(minutes=self.settings.session_idle_minutes),
            max_age=dt.timedelta(hours=self.settings.session_max_hours),
        )

    @property
    def login_policy(self) -> LoginPolicy:
        return LoginPolicy.from_settings(self.settings)

    @property
    def cipher(self) -> Fernet:
        return mfa.cipher(self.secret_key)

    def mfa_required(self, role: str) -> bool:
        return role in self.settings.mfa_required_roles


def install_context(server: Flask, context: AuthContext) -> None:
    server.extensions[EXTENSION] = context


def auth_context() -> AuthContext:
    """The sign-in context of the app handling the current request."""
    return cast(AuthContext, current_app.extensions[EXTENSION])
