"""staff_users: a login unique whatever its letter case, in the database

The sign-in reads a login letter case aside (and full-width forms as ASCII, which creation
never stores: logins are ASCII), so Clerk.Wang beside clerk.wang were two accounts the
audit log and the chain's entries read as one person. The service refused them, but only
in Python under the log's lock: another program's insert, or a restore, could still add
one. A unique index on lower(login) refuses it in the database.

A database already holding two such logins stops the upgrade, naming the accounts. Which
member gets a new login, and being told it, is the operator's choice: renaming one here
would lock its member out without a word.

Revision ID: logins_0001
Revises: owner_0001
Create Date: 2027-01-05 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'logins_0001'
down_revision = 'owner_0001'
branch_labels = None
depends_on = None

INDEX = 'uq_staff_users_login_lower'


def upgrade():
    # lower() of the database the index uses, so the check finds exactly what it refuses.
    rows = op.get_bind().execute(sa.text(
        "SELECT id, login, role, active FROM staff_users WHERE lower(login) IN "
        "(SELECT lower(login) FROM staff_users GROUP BY lower(login) HAVING count(*) > 1) "
        "ORDER BY lower(login), id")).all()
    if rows:
        accounts = ", ".join(f"{login} (id {id_}, {role}, "
                             f"{'active' if active else 'disabled'})"
                             for id_, login, role, active in rows)
        raise RuntimeError(
            "员工账号的登录名仅大小写不同，无法建立不分大小写的唯一索引，数据库未升级："
            f"{accounts}。请为每组中除一个以外的账号改用新的登录名并告知其本人，然后重新运行 "
            "votes init。Staff logins differing only in letter case, which the unique index "
            f"on lower(login) would refuse: {accounts}. Not upgrading; give all but one of "
            "each a new login (UPDATE staff_users SET login = '<new login>' WHERE id = <id>), "
            "tell its member, and run votes init again. The audit log keeps the old login on "
            "that account's past entries.")
    op.create_index(INDEX, 'staff_users', [sa.text('lower(login)')], unique=True)


def downgrade():
    op.drop_index(INDEX, table_name='staff_users')
