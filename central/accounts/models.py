"""Accounts and server-side login sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from central.access.gates import ROLES
from central.db import Base, UTCDateTime, utcnow

__all__ = ["ROLES", "Account", "LoginThrottle", "WebSession"]


class Account(Base):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(
        String(64), unique=True, comment="login name; also the officer_id boxes send"
    )
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16), comment="officer / leader / admin / auditor")
    org: Mapped[str] = mapped_column(
        String(64), index=True, comment="organisation scope: the site code; '*' for all"
    )
    password_hash: Mapped[str] = mapped_column(String(200), comment="argon2id")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    on_duty: Mapped[bool] = mapped_column(Boolean, default=False, comment="leader on duty")
    leader: Mapped[str | None] = mapped_column(
        String(64), comment="username of the officer's leader (alert escalation)"
    )
    device: Mapped[str | None] = mapped_column(
        String(64), comment="the officer's desk box, for alerts sent over MQTT"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebSession(Base):
    """A login. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "web_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64), comment="synchronizer token of this session")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class LoginThrottle(Base):
    """Login attempts counted per username and per client address, in the database so
    every central process on it counts together (see ``throttle.py``). Usernames are
    counted whether or not the account exists: a lockout reveals nothing."""

    __tablename__ = "login_throttle"

    scope: Mapped[str] = mapped_column(String(8), primary_key=True, comment="user / pair / ip")
    key: Mapped[str] = mapped_column(
        String(160),
        primary_key=True,
        comment="the username as typed, username + U+001F + address, or the address",
    )
    failures: Mapped[int] = mapped_column(
        Integer, comment="attempts in the window that did not succeed (or are under way)"
    )
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True, comment="last attempt")
    lockouts: Mapped[int] = mapped_column(
        Integer, comment="lockouts so far; each lasts twice the one before"
    )
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
