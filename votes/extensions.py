"""The one place where Flask extensions are created; create_app binds them."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager as _StockLoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from votes.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()


class LoginManager(_StockLoginManager):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stock = self._session_identifier_generator
        # Flask-Login asks for the identifier (a sha512 of address and user agent) whatever
        # the protection: login_user writes it as `_id`, which log_in then drops unless
        # protection is on. Off, it is never compared: None, not computed.
        self._session_identifier_generator = lambda: stock() if self.protection_on() else None

    def protection_on(self) -> bool:
        """Whether Flask-Login's session protection applies (as it reads it: the app's
        SESSION_PROTECTION, else this manager's)."""
        from flask import current_app

        return bool(current_app.config.get("SESSION_PROTECTION", self.session_protection))

    def _session_protection_failed(self):
        # Flask-Login 0.6 hashes the client's address and user agent (sha512) for the check
        # before it reads whether there is a check: with protection off it is never compared.
        return self.protection_on() and super()._session_protection_failed()


login_manager = LoginManager()


def log_in(user) -> None:
    """flask_login.login_user, without the `_id` it writes into the session for session
    protection when protection is off (None then, see LoginManager): a 128-character digest
    nothing compares, a third of an owner's cookie, compressed, encoded and signed again on
    every page that writes it."""
    from flask import session
    from flask_login import login_user

    login_user(user)
    if not login_manager.protection_on():
        session.pop("_id", None)
# Nothing here asks whether a login is fresh (no fresh_login_required; staff sessions end by
# their generation and age, votes/web/staff_login.py). Flask-Login's default "basic"
# protection only marked a session not fresh, writing `_fresh` into every session it did
# not log in (the owner's second-factor page): a signed cookie sent for nothing.
login_manager.session_protection = None
babel = Babel()
csrf = CSRFProtect()


def client_address() -> str:
    """Who a rate limit counts: the client address as ProxyFix leaves it (the socket's peer
    unless TRUSTED_PROXIES says how many X-Forwarded-For hops to believe, see
    votes.app._trust_proxies). An IPv6 client counts as its /64: one subscriber, phone or
    server is handed a whole /64 and may send each request from another of its 2^64
    addresses, which made every per-address limit (the share and lobby look-ups, the SMS
    code, the second factor) no limit at all."""
    import ipaddress

    from flask import request

    address = request.remote_addr or "127.0.0.1"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def witness_client() -> bool:
    """Whether the request comes from a configured witness (WITNESS_ADDRESSES, parsed by
    votes.settings.witness_networks), by the same address the limits count (ProxyFix's, so
    a forwarded address only behind TRUSTED_PROXIES): exempt from the public board's and
    the chain API's limits, which a witness polling a city's chains from one address would
    otherwise run into. The full address, not client_address's /64: a witness named by one
    IPv6 address must not exempt its whole subnet's neighbours."""
    import ipaddress

    from flask import current_app, request

    networks = current_app.config.get("WITNESS_NETWORKS")
    if not networks or not request.remote_addr:
        return False
    try:
        ip = ipaddress.ip_address(request.remote_addr)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


limiter = Limiter(key_func=client_address)


def _sqlite_foreign_keys(dbapi_connection, connection_record) -> None:
    # SQLite ignores ON DELETE CASCADE and foreign keys unless asked on every connection.
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _install_sqlite_pragma() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "connect", _sqlite_foreign_keys):
        event.listen(Engine, "connect", _sqlite_foreign_keys)


_install_sqlite_pragma()
