"""staff_users: a login holds only the characters the service allows, in the database

create_user allows 2 to 64 of ASCII letters, digits and _ . @ - (staff._LOGIN), but only in
Python: another program's insert, or a restore, could store a full-width ａdmin, which the
sign-in reads as admin (lookup_name) and the audit log names by a login no one types alike.
PostgreSQL gets a CHECK constraint on the same pattern. SQLite adds a CHECK only by
rebuilding the table, whose lower(login) index SQLAlchemy cannot reflect (logins_0001): it
gets triggers refusing such an insert or update instead (an IntegrityError alike).

A database already holding such a login stops the upgrade, naming the accounts: which new
login a member gets, and being told it, is the operator's choice (as logins_0001).

Revision ID: loginchars_0001
Revises: logins_0001
Create Date: 2027-01-12 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'loginchars_0001'
down_revision = 'logins_0001'
branch_labels = None
depends_on = None

CHECK = 'ck_staff_users_login_chars'
# staff._LOGIN in each database's words: PostgreSQL's regular expressions (ranges by code
# point, $ the string's end only), SQLite's GLOB (no character outside the class) and length.
POSTGRES = "login ~ '^[A-Za-z0-9_.@-]{2,64}$'"
SQLITE = "length({c}) BETWEEN 2 AND 64 AND {c} NOT GLOB '*[^A-Za-z0-9_.@-]*'"
TRIGGER = """CREATE TRIGGER {name} BEFORE {event} ON staff_users
WHEN NOT ({ok}) BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: {check}');
END"""
EVENTS = {'ck_staff_users_login_chars_insert': 'INSERT',
          'ck_staff_users_login_chars_update': 'UPDATE OF login'}


def upgrade():
    bind = op.get_bind()
    ok = POSTGRES if bind.dialect.name == 'postgresql' else SQLITE.format(c='login')
    # The database's own test, so the check finds exactly what it refuses.
    rows = bind.execute(sa.text(
        f"SELECT id, login, role, active FROM staff_users WHERE NOT ({ok}) ORDER BY id")).all()
    if rows:
        accounts = ", ".join(f"{login!r} (id {id_}, {role}, "
                             f"{'active' if active else 'disabled'})"
                             for id_, login, role, active in rows)
        raise RuntimeError(
            "员工账号的登录名含有不允许的字符（只能用 2 至 64 个英文字母、数字和 _ . @ -），"
            f"数据库未升级：{accounts}。请为这些账号改用新的登录名并告知其本人，然后重新运行 "
            "votes init。Staff logins holding characters a login may not (2 to 64 of ASCII "
            f"letters, digits and _ . @ -): {accounts}. Not upgrading; give each a new login "
            "(UPDATE staff_users SET login = '<new login>' WHERE id = <id>), tell its member, "
            "and run votes init again. The audit log keeps the old login on that account's "
            "past entries.")
    if bind.dialect.name == 'postgresql':
        op.create_check_constraint(CHECK, 'staff_users', sa.text(POSTGRES))
        return
    for name, event in EVENTS.items():
        op.execute(TRIGGER.format(name=name, event=event, ok=SQLITE.format(c='NEW.login'),
                                  check=CHECK))


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(CHECK, 'staff_users', type_='check')
        return
    for name in EVENTS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
