"""Flask-Migrate's `votes db` and its commands' help, in the `votes` command's language as
ours (votes/commands/help_text.py): an operator runs `votes db upgrade` on every upgrade,
and read Flask-Migrate's English in the Chinese help.

Keyed by Flask-Migrate's text as its commands hold it (flask_migrate/cli.py: a command's
docstring uncleaned, an option's help); the values are Chinese msgids whose English
(messages.po) is Flask-Migrate's again. tests/test_cli_help.py fails on a text of its that is
not here (a release that rewords one).
"""

from __future__ import annotations

from votes.i18n import lazy

MIGRATE = {
    # the group and its options
    "Perform database migrations.": lazy("数据库结构迁移（Flask-Migrate）。"),
    # votes.app gives Flask-Migrate the repository's migrations folder, wherever the command
    # runs: not the "migrations" of the current folder that Flask-Migrate's words suggest
    'Migration script directory (default is "migrations")':
        lazy("迁移脚本所在的文件夹（默认为本系统安装目录下的 migrations）"),
    "Additional arguments consumed by custom env.py scripts":
        lazy("传给自定义 env.py 脚本的额外参数"),
    # what an operator runs on an upgrade
    "Upgrade to a later version": lazy("把数据库结构升级到 REVISION 版本（默认为 head，即最新）。"),
    "Revert to a previous version": lazy("把数据库结构退回到 REVISION 版本（默认为 -1，即上一个）。"),
    "Display the current revision for each database.": lazy("显示每个数据库当前的迁移版本。"),
    "List changeset scripts in chronological order.": lazy("按时间顺序列出迁移脚本。"),
    "Don't emit SQL to database - dump to standard output instead":
        lazy("不在数据库上执行 SQL，只把它输出到标准输出"),
    'Arbitrary "tag" name - can be used by custom env.py scripts':
        lazy("任意的标签名，供自定义 env.py 脚本使用"),
    "Specify a revision range; format is [start]:[end]": lazy("版本范围，格式为 [起]:[止]"),
    "Use more verbose output": lazy("输出更详细的信息"),
    "Indicate current version (Alembic 0.9.9 or greater is required)":
        lazy("标出当前版本（需要 Alembic 0.9.9 或更高版本）"),
    # the developers' (writing migrations) and the rest
    "List available templates.": lazy("列出可用的迁移仓库模板。"),
    "Creates a new migration repository.": lazy("创建新的迁移仓库。"),
    "Support multiple databases": lazy("支持多个数据库"),
    'Repository template to use (default is "flask")': lazy("使用的仓库模板（默认为 flask）"),
    "Write empty __init__.py files to the environment and version locations":
        lazy("在环境和版本所在的文件夹中写入空的 __init__.py 文件"),
    "Create a new revision file.": lazy("创建新的迁移版本文件。"),
    "Revision message": lazy("迁移版本的说明"),
    "Populate revision script with candidate migration operations, based on comparison of "
    "database to model": lazy("比较数据库与模型，把可能需要的迁移操作写入版本脚本"),
    "Specify head revision or <branchname>@head to base new revision on":
        lazy("新版本所基于的头版本，或 <分支名>@head"),
    'Allow a non-head revision as the "head" to splice onto': lazy("允许接在不是头版本的版本之后"),
    "Specify a branch label to apply to the new revision": lazy("给新版本加上的分支标签"),
    "Specify specific path from config for version file": lazy("版本文件使用配置中的哪个路径"),
    "Specify a hardcoded revision id instead of generating one":
        lazy("指定版本编号，不自动生成"),
    "Autogenerate a new revision file (Alias for\n    'revision --autogenerate')":
        lazy("自动生成新的迁移版本文件（即 revision --autogenerate）。"),
    "Edit a revision file": lazy("编辑迁移版本文件。"),
    "Merge two revisions together, creating a new revision file":
        lazy("合并两个迁移版本，生成新的版本文件。"),
    "Merge revision message": lazy("合并版本的说明"),
    "Show the revision denoted by the given symbol.": lazy("显示给定符号所指的迁移版本。"),
    "Show current available heads in the script directory":
        lazy("显示迁移脚本文件夹中当前的头版本。"),
    "Treat dependency versions as down revisions": lazy("把所依赖的版本当作前一版本"),
    "Show current branch points": lazy("显示当前的分支点。"),
    "'stamp' the revision table with the given revision; don't run any\n    migrations":
        lazy("把版本表标记为给定的版本（stamp），不执行任何迁移。"),
    "Delete the version in the alembic_version table before stamping":
        lazy("标记前先删除 alembic_version 表中的版本"),
    "Check if there are any new operations to migrate": lazy("检查是否有新的待迁移操作。"),
}
