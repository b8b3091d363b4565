import logging
import warnings
from logging.config import fileConfig

from flask import current_app

from alembic import context

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger('alembic.env')
# `votes demo` says in its own words that it is preparing the database (the README's first
# command: an owner-facing demo opened with thirty English log lines); `votes init` and
# `votes db upgrade|downgrade` say each migration in theirs (MIGRATIONS_PROGRESS, called
# with each step applied: votes/commands/migrations.py), Alembic's log only on request.
progress = current_app.config.get("MIGRATIONS_PROGRESS")
# SQLite cannot reflect the expression indexes on lower(code) and lower(login) (migrations
# codes_0001, logins_0001), so `votes db check` warned that it skipped comparing them:
# known, and not a difference.
warnings.filterwarnings("ignore", message=r".*expression-based index '?uq_(communities_code|staff_users_login)_lower")
if current_app.config.get("MIGRATIONS_QUIET") or progress:
    logging.getLogger("alembic").setLevel(logging.WARNING)


def get_engine():
    return current_app.extensions['migrate'].db.engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace(
            '%', '%%')
    except AttributeError:
        return str(get_engine().url).replace('%', '%%')


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option('sqlalchemy.url', get_engine_url())
target_db = current_app.extensions['migrate'].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, 'metadatas'):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = current_app.extensions['migrate'].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch mode rebuilds a table by copying, dropping and renaming it; with foreign
            # keys on, dropping `proposals` would cascade and delete every ballot and chain
            # entry. The pragma only takes effect outside a transaction, hence here.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        if progress:
            conf_args = {**conf_args, "on_version_apply":
                         lambda ctx, step, heads, run_args: progress(step)}
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            **conf_args
        )

        try:
            with context.begin_transaction():
                if connection.dialect.name == "postgresql":
                    # Two hosts' `votes init` at once: the second waits here until the first
                    # commits, then reads the version it left (at head: nothing to do). It
                    # used to run the same migrations and fail on "column already exists".
                    from votes.services.schema import MIGRATION_LOCK

                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                    # After the advisory lock (another host's upgrade may take longer): an
                    # ALTER queued behind a long read would queue every cast behind itself.
                    seconds = int(current_app.config["MIGRATION_LOCK_TIMEOUT_SECONDS"])
                    connection.exec_driver_sql(f"SET LOCAL lock_timeout = {seconds * 1000}")
                context.run_migrations()
        finally:
            if connection.dialect.name == "sqlite":
                # The connection goes back to the app's pool (`votes demo` serves from the
                # same process): without this it would ignore foreign keys and cascades.
                if connection.in_transaction():
                    connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
