"""The witness's own SQLite database: heads it cosigned, where it posted them, forks seen,
how far a check not yet cosigned got; the audit log heads seen, and digests changed."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from votes.core import signing

SCHEMA = """
CREATE TABLE IF NOT EXISTS heads (
    proposal TEXT NOT NULL,         -- proposal uid
    length INTEGER NOT NULL,        -- entries in the chain when cosigned
    head TEXT NOT NULL,             -- digest of entry length - 1
    line BLOB NOT NULL,             -- that entry as served: the server-signed sealed line
    cosignature BLOB NOT NULL,      -- our cosignature of it (canonical JSON)
    app TEXT NOT NULL,              -- the app that served it (its URL as given, no final /)
    time TEXT NOT NULL,
    log_key TEXT,                   -- fingerprint of the key that signed entry 0 (NULL: not
                                    -- yet known, a head held before logs were known by it)
    PRIMARY KEY (app, proposal)
);
CREATE TABLE IF NOT EXISTS cosignatures (  -- every cosignature made, not only the latest
    app TEXT NOT NULL, proposal TEXT NOT NULL, length INTEGER NOT NULL,
    cosignature BLOB NOT NULL,
    PRIMARY KEY (app, proposal, length)
);
CREATE TABLE IF NOT EXISTS posted (
    app TEXT NOT NULL, proposal TEXT NOT NULL, length INTEGER NOT NULL,
    PRIMARY KEY (app, proposal, length)
);
CREATE TABLE IF NOT EXISTS forks (
    id INTEGER PRIMARY KEY,
    proposal TEXT NOT NULL, app TEXT NOT NULL, reason TEXT NOT NULL,
    old_line BLOB NOT NULL,         -- the server-signed entry we cosigned
    new_line BLOB NOT NULL,         -- the server-signed entry served in its place
    time TEXT NOT NULL,
    UNIQUE (proposal, app, old_line, new_line)
);
CREATE TABLE IF NOT EXISTS progress (  -- a check under way or cut short, not cosigned
    app TEXT NOT NULL, proposal TEXT NOT NULL,
    after_length INTEGER,           -- the head held when it began (NULL: none)
    after_head TEXT,
    length INTEGER NOT NULL,        -- entries checked, from 0, through that head, to here
    line BLOB NOT NULL,             -- entry length - 1 as served: where the next round goes on
    keys TEXT NOT NULL,             -- the server keys it was checked with (Witness._keys_tag)
    time TEXT NOT NULL,             -- the witness's clock the entries were checked against
    log_key TEXT,                   -- as heads.log_key (NULL: a check begun by an older release)
    PRIMARY KEY (app, proposal)
);
CREATE TABLE IF NOT EXISTS limited (  -- an app that answered 429: not polled before `until`
    app TEXT PRIMARY KEY, until TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_heads (  -- the staff audit log heads seen (votes.witness.audit)
    app TEXT NOT NULL, seq INTEGER NOT NULL,
    digest TEXT NOT NULL,           -- of entry seq, as the app served it: held for good
    time TEXT NOT NULL,             -- that entry's time, as served
    seen TEXT NOT NULL,             -- the witness's clock when it was first seen
    checked TEXT NOT NULL,          -- when last found still served (the oldest checked first)
    PRIMARY KEY (app, seq)
);
CREATE TABLE IF NOT EXISTS audit_forks (  -- a recorded digest no longer served at its seq
    id INTEGER PRIMARY KEY, app TEXT NOT NULL, seq INTEGER NOT NULL,
    recorded TEXT NOT NULL, served TEXT,  -- served NULL: no entry there (a shorter log)
    head_seq INTEGER, head_digest TEXT,   -- the head served then (NULL: an empty log)
    time TEXT NOT NULL,
    UNIQUE (app, seq, recorded, served)
);
CREATE TABLE IF NOT EXISTS server_keys (
    key_id TEXT PRIMARY KEY, public_key TEXT NOT NULL, app TEXT NOT NULL, first_seen TEXT NOT NULL
);
"""

# A database made before heads were held per app had `proposal` alone as the key: each row
# is the head cosigned from the app named in it, which is what it stays.
_HEADS_PER_APP = """
CREATE TABLE heads_per_app (
    proposal TEXT NOT NULL, length INTEGER NOT NULL, head TEXT NOT NULL, line BLOB NOT NULL,
    cosignature BLOB NOT NULL, app TEXT NOT NULL, time TEXT NOT NULL,
    PRIMARY KEY (app, proposal)
);
INSERT INTO heads_per_app SELECT proposal, length, head, line, cosignature, app, time
    FROM heads;
DROP TABLE heads;
ALTER TABLE heads_per_app RENAME TO heads;
"""


@dataclass(frozen=True)
class Held:
    proposal: str
    length: int
    head: str
    line: bytes
    cosignature: bytes
    # The log: with the uid, the fingerprint of the key that signed its entry 0 (None: not
    # known yet, a head held by an older release), whatever address served it.
    log_key: str | None = None
    app: str = ""


_HELD = "SELECT proposal, length, head, line, cosignature, log_key, app FROM heads"


def _held(row) -> Held:
    return Held(row[0], row[1], row[2], bytes(row[3]), bytes(row[4]), row[5], row[6])


@dataclass(frozen=True)
class Progress:
    after: tuple[int, str] | None
    length: int
    line: bytes
    keys: str
    time: str
    log_key: str | None = None  # the log's (Held.log_key), known from entry 0 or the head held


@dataclass(frozen=True)
class ForkRecord:
    id: int
    proposal: str
    app: str
    reason: str
    old_line: bytes
    new_line: bytes
    time: str


class Store:
    """One SQLite file; every write is its own transaction, so a killed witness loses at
    most the page of entries it was checking and never holds a head it did not finish
    cosigning."""

    def __init__(self, path: str | Path, *, existing: bool = False):
        """`existing`: the file must already be a witness's database (poll, serve): an
        empty file or another program's SQLite file is refused (DatabaseError), not made
        into a witness that has forgotten every head it cosigned. Tables added since it
        was made are still added."""
        self.db = sqlite3.connect(str(path), isolation_level=None, timeout=30)
        if existing and not self._has_table("heads"):
            self.db.close()
            raise sqlite3.DatabaseError("it holds no witness tables")
        kept_all = self._has_table("cosignatures")
        self.db.executescript(SCHEMA)
        self._hold_heads_per_app()
        self._add_column("heads", "log_key", "TEXT")
        self._add_column("progress", "log_key", "TEXT")
        if not kept_all:
            # A database of a release that kept only the latest: that one is what it has.
            self.db.execute("INSERT OR IGNORE INTO cosignatures (app, proposal, length, "
                            "cosignature) SELECT app, proposal, length, cosignature FROM heads")

    def _has_table(self, name: str) -> bool:
        return self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                               "name = ?", (name,)).fetchone() is not None

    def _hold_heads_per_app(self) -> None:
        """Held by uid alone, a head one app served stood for every app's chain of that
        uid: one district could cosign a copy under another's uid and have the witness
        refuse the real chain as a fork. One transaction, so another witness process on
        this file sees the old table or the new one, never neither."""
        def keyed_by_uid() -> bool:
            pk = [row[1] for row in self.db.execute("PRAGMA table_info(heads)") if row[5]]
            return pk == ["proposal"]

        if not keyed_by_uid():
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if keyed_by_uid():  # not already done by another process meanwhile
                for statement in _HEADS_PER_APP.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _add_column(self, table: str, column: str, kind: str) -> None:
        """A column added since the file was made (NULL in its rows), once, whichever of
        the processes sharing the file opens it first."""
        def has() -> bool:
            return any(row[1] == column for row in self.db.execute(f"PRAGMA table_info({table})"))

        if has():
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if not has():
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    def held(self, app: str, proposal: str) -> Held | None:
        """The head last cosigned of `proposal` as `app` serves it: another app's chain of
        the same uid is another chain."""
        row = self.db.execute(f"{_HELD} WHERE app = ? AND proposal = ?",
                              (app, proposal)).fetchone()
        return _held(row) if row else None

    def held_elsewhere(self, app: str, proposal: str) -> list[Held]:
        """The heads last cosigned of `proposal` from every other address: those of the
        same log (Held.log_key) are one chain, whichever address showed it."""
        return [_held(r) for r in self.db.execute(
            f"{_HELD} WHERE app <> ? AND proposal = ? ORDER BY app", (app, proposal))]

    def set_log_key(self, app: str, proposal: str, log_key: str) -> None:
        self.db.execute("UPDATE heads SET log_key = ? WHERE app = ? AND proposal = ? AND "
                        "log_key IS NULL", (log_key, app, proposal))

    def cosigned(self, *, proposal: str, length: int, head: str, line: bytes,
                 cosignature: bytes, app: str, time: str,
                 after: tuple[int, str] | None, log_key: str | None = None) -> bool:
        """Hold a new cosigned head, checked to extend `after` ((length, head) held when the
        check began, None if nothing was): False, and nothing written, if the head held is
        no longer that one (another process on this database cosigned meanwhile)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            row = self.db.execute("SELECT length, head FROM heads WHERE app = ? AND "
                                  "proposal = ?", (app, proposal)).fetchone()
            if (tuple(row) if row else None) != after:
                self.db.execute("ROLLBACK")
                return False
            self.db.execute("INSERT INTO heads (proposal, length, head, line, cosignature, "
                            "app, time, log_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
                            "(app, proposal) DO UPDATE SET length = excluded.length, "
                            "head = excluded.head, line = excluded.line, "
                            "cosignature = excluded.cosignature, time = excluded.time, "
                            "log_key = coalesce(excluded.log_key, heads.log_key)",
                            (proposal, length, head, line, cosignature, app, time, log_key))
            self.db.execute("INSERT OR IGNORE INTO cosignatures (app, proposal, length, "
                            "cosignature) VALUES (?, ?, ?, ?)",
                            (app, proposal, length, cosignature))
            self.db.execute("DELETE FROM progress WHERE app = ? AND proposal = ?",
                            (app, proposal))
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        return True

    def progress(self, app: str, proposal: str) -> Progress | None:
        """How far a check of `proposal` from `app` got (stored after each page it checked,
        so also in a round that ran out of time or a process that was killed): checked,
        never cosigned."""
        row = self.db.execute("SELECT after_length, after_head, length, line, keys, time, "
                              "log_key FROM progress WHERE app = ? AND proposal = ?",
                              (app, proposal)).fetchone()
        if row is None:
            return None
        after = (row[0], row[1]) if row[0] is not None else None
        return Progress(after, row[2], bytes(row[3]), row[4], row[5], row[6])

    def remember_progress(self, app: str, proposal: str, progress: Progress) -> None:
        after = progress.after or (None, None)
        self.db.execute("INSERT OR REPLACE INTO progress (app, proposal, after_length, "
                        "after_head, length, line, keys, time, log_key) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (app, proposal, after[0], after[1], progress.length, progress.line,
                         progress.keys, progress.time, progress.log_key))

    def made(self, app: str | None = None, proposal: str | None = None) -> list[bytes]:
        """Every cosignature made (of chains `app` served, of `proposal`, if given), by
        proposal, then server, then length: a verifier checks a bundle of any age against
        those of no more entries than it holds."""
        rows = self.db.execute(
            "SELECT cosignature FROM cosignatures WHERE (? IS NULL OR app = ?) AND "
            "(? IS NULL OR proposal = ?) ORDER BY proposal, app, length",
            (app, app, proposal, proposal)).fetchall()
        return [bytes(r[0]) for r in rows]

    def held_from(self, app: str) -> list[Held]:
        """The heads last cosigned from what `app` served."""
        return [_held(r) for r in self.db.execute(f"{_HELD} WHERE app = ? ORDER BY proposal",
                                                  (app,))]

    def was_posted(self, app: str, proposal: str, length: int) -> bool:
        return self.db.execute("SELECT 1 FROM posted WHERE app = ? AND proposal = ? AND "
                               "length = ?", (app, proposal, length)).fetchone() is not None

    def mark_posted(self, app: str, proposal: str, length: int) -> None:
        self.db.execute("INSERT OR IGNORE INTO posted VALUES (?, ?, ?)", (app, proposal, length))

    def fork(self, *, proposal: str, app: str, reason: str, old_line: bytes, new_line: bytes,
             time: str) -> bool:
        """Keep the proof; True if this fork was not already on record."""
        cur = self.db.execute("INSERT OR IGNORE INTO forks (proposal, app, reason, old_line, "
                              "new_line, time) VALUES (?, ?, ?, ?, ?, ?)",
                              (proposal, app, reason, old_line, new_line, time))
        return cur.rowcount == 1

    def forks(self) -> list[ForkRecord]:
        rows = self.db.execute("SELECT id, proposal, app, reason, old_line, new_line, time "
                               "FROM forks ORDER BY id").fetchall()
        return [ForkRecord(r[0], r[1], r[2], r[3], bytes(r[4]), bytes(r[5]), r[6])
                for r in rows]

    def limit(self, app: str, until: str) -> None:
        """`app` refused the witness (429): not to be polled before `until`. Kept here, not
        in the process: `poll --once` from cron waits as `serve` does."""
        self.db.execute("INSERT OR REPLACE INTO limited VALUES (?, ?)", (app, until))

    def limited_until(self, app: str) -> str | None:
        row = self.db.execute("SELECT until FROM limited WHERE app = ?", (app,)).fetchone()
        return row[0] if row else None

    def remember_keys(self, app: str, keys: signing.KeyRing, time: str) -> None:
        """Keep the bytes of keys pinned by fingerprint as the app published them, so a key
        the operator stops publishing still proves what it signed."""
        for kid, key in keys.keys.items():
            self.db.execute("INSERT OR IGNORE INTO server_keys VALUES (?, ?, ?, ?)",
                            (kid, signing.public_key_b64(key), app, time))

    def remembered_keys(self) -> signing.KeyRing:
        """Every key remembered (trusted only if its fingerprint is still pinned; a database
        from before pinning may hold keys first seen on trust)."""
        rows = self.db.execute("SELECT key_id, public_key FROM server_keys").fetchall()
        return signing.KeyRing({kid: signing.load_public_key_b64(pub) for kid, pub in rows})

    def audit_recorded(self, app: str) -> list[tuple[int, str]]:
        """The audit log heads seen from `app`, (seq, digest), by seq."""
        return [tuple(r) for r in self.db.execute(
            "SELECT seq, digest FROM audit_heads WHERE app = ? ORDER BY seq", (app,))]

    def audit_heads(self, app: str | None = None) -> list[dict]:
        """Every audit log head recorded (of `app` only, if given), by app and seq."""
        where, args = ("WHERE app = ?", (app,)) if app is not None else ("", ())
        return [{"app": r[0], "seq": r[1], "digest": r[2], "time": r[3], "seen": r[4]}
                for r in self.db.execute(
                    f"SELECT app, seq, digest, time, seen FROM audit_heads {where} "
                    "ORDER BY app, seq", args)]

    def audit_to_check(self, app: str, count: int) -> list[tuple[int, str]]:
        """The latest audit head recorded from `app` and, of the others, the `count` checked
        longest ago: every one is checked again, `count` a round."""
        return [tuple(r) for r in self.db.execute(
            "SELECT seq, digest FROM (SELECT seq, digest FROM audit_heads WHERE app = ? "
            "ORDER BY seq DESC LIMIT 1) UNION SELECT seq, digest FROM (SELECT seq, digest "
            "FROM audit_heads WHERE app = ? ORDER BY checked, seq LIMIT ?) ORDER BY seq DESC",
            (app, app, count))]

    def audit_record(self, app: str, seq: int, digest: str, time: str, now: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO audit_heads VALUES (?, ?, ?, ?, ?, ?)",
                        (app, seq, digest, time, now, now))

    def audit_checked(self, app: str, seq: int, now: str) -> None:
        self.db.execute("UPDATE audit_heads SET checked = ? WHERE app = ? AND seq = ?",
                        (now, app, seq))

    def audit_fork(self, fork, now: str) -> None:
        """Keep what was recorded and what was served instead (a votes.witness.audit.Fork)."""
        head = fork.head or (None, None)
        self.db.execute("INSERT OR IGNORE INTO audit_forks (app, seq, recorded, served, "
                        "head_seq, head_digest, time) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (fork.app, fork.seq, fork.recorded, fork.served, head[0], head[1], now))

    def audit_forks(self, app: str | None = None) -> list:
        from votes.witness.audit import Fork

        rows = self.db.execute("SELECT app, seq, recorded, served, head_seq, head_digest "
                               "FROM audit_forks WHERE ? IS NULL OR app = ? ORDER BY id",
                               (app, app)).fetchall()
        return [Fork(r[0], r[1], r[2], r[3], (r[4], r[5]) if r[4] is not None else None)
                for r in rows]
