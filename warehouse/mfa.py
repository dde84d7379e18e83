"""Second factor: TOTP (RFC 6238, pyotp) secrets kept encrypted, and one-time recovery codes kept hashed.

The TOTP secret is encrypted with Fernet under a key derived (HKDF-SHA256) from the portal's secret
key, so a copy of the warehouse alone does not give the secrets away; rotating the secret key means
every user enrols again. A code is accepted once: its time step must be newer than the last one used.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import logging
import secrets

import pyotp
import qrcode
import qrcode.image.svg
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from warehouse.engine import Warehouse
from warehouse.schema import app_recovery_code, app_user_mfa

logger = logging.getLogger(__name__)

RECOVERY_CODES = 10
DRIFT_STEPS = 1  # codes of the previous and next 30 s step are accepted too (phone clocks drift)


def cipher(secret_key: str) -> Fernet:
    """The Fernet cipher for TOTP secrets, derived from the portal's secret key."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"c360 totp secrets").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _hash_code(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def normalise(code: str) -> str:
    """A typed code without spaces or dashes, lower case."""
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _utc(now: dt.datetime) -> dt.datetime:
    return now.replace(tzinfo=dt.UTC) if now.tzinfo is None else now


def is_enrolled(warehouse: Warehouse, user_id: int) -> bool:
    """Whether ``user_id`` has confirmed a TOTP secret."""
    enabled = warehouse.scalar(sa.select(app_user_mfa.c.enabled_at).where(app_user_mfa.c.user_id == user_id))
    return enabled is not None


def begin_enrolment(warehouse: Warehouse, user_id: int, key: Fernet, now: dt.datetime) -> str:
    """A new TOTP secret for ``user_id``, stored unconfirmed (a confirmed one is kept until a reset)."""
    if is_enrolled(warehouse, user_id):
        raise ValueError(f"user {user_id} already has a second factor; an administrator must reset it first")
    secret = pyotp.random_base32()
    stored = key.encrypt(secret.encode()).decode()
    with warehouse.begin() as conn:
        conn.execute(app_user_mfa.delete().where(app_user_mfa.c.user_id == user_id))
        conn.execute(app_user_mfa.insert().values(user_id=user_id, secret=stored, created_at=now))
    return secret


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def qr_data_uri(text: str) -> str:
    """``text`` as a QR code in an SVG ``data:`` URI (drawn here; no request leaves the portal)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _matching_step(secret: str, code: str, now: dt.datetime, after: int | None) -> int | None:
    totp = pyotp.TOTP(secret)
    current = totp.timecode(_utc(now))
    typed = normalise(code)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), typed):
            return step
    return None


def _secret(warehouse: Warehouse, user_id: int, key: Fernet) -> tuple[str, int | None, bool] | None:
    rows = warehouse.rows(sa.select(app_user_mfa).where(app_user_mfa.c.user_id == user_id))
    if not rows:
        return None
    try:
        secret = key.decrypt(str(rows[0]["secret"]).encode()).decode()
    except InvalidToken:
        logger.error("TOTP secret of user %s cannot be decrypted (was the secret key changed?)", user_id)
        return None
    return secret, rows[0]["last_step"], rows[0]["enabled_at"] is not None


def confirm_enrolment(
    warehouse: Warehouse, user_id: int, code: str, key: Fernet, now: dt.datetime
) -> list[str] | None:
    """Enable the pending secret if ``code`` is right; returns the new recovery codes (shown once)."""
    found = _secret(warehouse, user_id, key)
    if found is None or found[2]:
        return None
    step = _matching_step(found[0], code, now, None)
    if step is None:
        return None
    codes = ["-".join(secrets.token_hex(6)[i : i + 4] for i in (0, 4, 8)) for _ in range(RECOVERY_CODES)]
    with warehouse.begin() as conn:
        conn.execute(
            app_user_mfa.update()
            .where(app_user_mfa.c.user_id == user_id)
            .values(enabled_at=now, last_step=step)
        )
        conn.execute(app_recovery_code.delete().where(app_recovery_code.c.user_id == user_id))
        conn.execute(
            app_recovery_code.insert(), [{"user_id": user_id, "code_hash": _hash_code(c)} for c in codes]
        )
    logger.info("user %s enrolled a second factor", user_id)
    return codes


def verify(warehouse: Warehouse, user_id: int, code: str, key: Fernet, now: dt.datetime) -> str | None:
    """Check a sign-in code: ``"totp"`` or ``"recovery"`` when accepted (each works once), else ``None``."""
    found = _secret(warehouse, user_id, key)
    if found is None or not found[2]:
        return None
    secret, last_step, _enabled = found
    step = _matching_step(secret, code, now, last_step)
    if step is not None:
        with warehouse.begin() as conn:
            conn.execute(
                app_user_mfa.update().where(app_user_mfa.c.user_id == user_id).values(last_step=step)
            )
        return "totp"
    with warehouse.begin() as conn:
        used = conn.execute(
            app_recovery_code.update()
            .where(
                app_recovery_code.c.user_id == user_id,
                app_recovery_code.c.code_hash == _hash_code(code),
                app_recovery_code.c.used_at.is_(None),
            )
            .values(used_at=now)
        )
    if used.rowcount == 1:
        logger.info("user %s signed in with a recovery code", user_id)
        return "recovery"
    return None


def remaining_recovery_codes(warehouse: Warehouse, user_id: int) -> int:
    """How many recovery codes of ``user_id`` are still unused."""
    return int(
        warehouse.scalar(
            sa.select(sa.func.count()).where(
                app_recovery_code.c.user_id == user_id, app_recovery_code.c.used_at.is_(None)
            )
        )
    )


def reset(warehouse: Warehouse, user_id: int) -> None:
    """Remove the second factor and recovery codes of ``user_id`` (they enrol again at next sign-in)."""
    with warehouse.begin() as conn:
        conn.execute(app_recovery_code.delete().where(app_recovery_code.c.user_id == user_id))
        conn.execute(app_user_mfa.delete().where(app_user_mfa.c.user_id == user_id))


def pending_secret(warehouse: Warehouse, user_id: int, key: Fernet) -> str | None:
    """The unconfirmed secret of ``user_id`` being enrolled (for its QR code), or ``None``."""
    found = _secret(warehouse, user_id, key)
    return found[0] if found is not None and not found[2] else None


def enrolled_users(warehouse: Warehouse) -> set[int]:
    """The ids of users with a confirmed second factor."""
    rows = warehouse.rows(sa.select(app_user_mfa.c.user_id).where(app_user_mfa.c.enabled_at.is_not(None)))
    return {int(r["user_id"]) for r in rows}
