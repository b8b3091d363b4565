"""Click's own messages (usage errors, prompts, "Aborted!", the help page's headings) in the
`votes` command's language: Chinese, or English with `VOTES_LANG=en`, as every message of
ours (votes/i18n.py).

Click words them through Python's gettext (`from gettext import gettext as _` and
`ngettext` in each of its modules), with no catalogue of its own. `install()` gives those
modules a translator that looks click's English up in CLICK below, whose values are our
Chinese msgids (their English, in messages.po, is click's text again); a message not listed
stays click's. The Chinese keeps click's `{placeholders}`, which click fills in afterwards.
tests/test_cli_messages.py lists every message in click's source and fails on one that is
neither here nor in NOT_FOR_OPERATORS.
"""

from __future__ import annotations

from votes.i18n import lazy

CLICK = {
    # exceptions.py: every usage error
    "Error: {message}": lazy("错误：{message}"),
    "Try '{command} {option}' for help.": lazy("用 '{command} {option}' 查看用法。"),
    "Invalid value: {message}": lazy("取值无效：{message}"),
    "Invalid value for {param_hint}: {message}": lazy("{param_hint} 的取值无效：{message}"),
    "Missing argument": lazy("缺少参数"),
    "Missing option": lazy("缺少选项"),
    "Missing parameter": lazy("缺少参数或选项"),
    "Missing {param_type}": lazy("缺少{param_type}"),
    "Missing parameter: {param_name}": lazy("缺少参数或选项：{param_name}"),
    "No such option {name!r}.": lazy("没有选项 {name!r}。"),
    "No such command {name!r}.": lazy("没有命令 {name!r}。"),
    "Did you mean {possibility}?": lazy("是不是 {possibility}？"),
    "(Did you mean one of: {possibilities}?)": lazy("（是不是其中之一：{possibilities}？）"),
    "unknown error": lazy("未知错误"),
    "Could not open file {filename!r}: {message}": lazy("无法打开文件 {filename!r}：{message}"),
    # core.py
    "Aborted!": lazy("已放弃。"),
    "Got unexpected extra argument ({args})": lazy("多出了一个参数（{args}）"),
    "Got unexpected extra arguments ({args})": lazy("多出了几个参数（{args}）"),
    "Missing command.": lazy("缺少子命令。"),
    "Value must be an iterable.": lazy("取值应是一组值。"),
    "Takes {nargs} values but 1 was given.": lazy("需要 {nargs} 个值，只给了 1 个。"),
    "Takes {nargs} values but {len} were given.": lazy("需要 {nargs} 个值，给了 {len} 个。"),
    "Options": lazy("选项"),
    "Commands": lazy("命令"),
    "Positional arguments": lazy("参数"),
    "env var: {var}": lazy("环境变量：{var}"),
    "default: {default}": lazy("默认：{default}"),
    "required": lazy("必填"),
    "(dynamic)": lazy("（运行时决定）"),
    "deprecated": lazy("已弃用"),
    # parser.py
    "Argument {name!r} takes {nargs} values.": lazy("参数 {name!r} 需要 {nargs} 个值。"),
    "Option {name!r} does not take a value.": lazy("选项 {name!r} 后面不带值。"),
    "Option {name!r} requires an argument.": lazy("选项 {name!r} 后面要给一个值。"),
    "Option {name!r} requires {nargs} arguments.": lazy("选项 {name!r} 后面要给 {nargs} 个值。"),
    # types.py
    "Choose from:\n\t{choices}": lazy("可选：\n\t{choices}"),
    "{value!r} is not {choice}.": lazy("{value!r} 不是 {choice}。"),
    "{value!r} is not one of {choices}.": lazy("{value!r} 不在可选值 {choices} 之中。"),
    "{value!r} does not match the format {format}.": lazy("{value!r} 不符合格式 {format}。"),
    "{value!r} does not match the formats {formats}.":
        lazy("{value!r} 不符合任何一种格式：{formats}。"),
    "{value!r} is not a valid {number_type}.": lazy("{value!r} 不是有效的数（{number_type}）。"),
    "{value} is not in the range {range}.": lazy("{value} 不在范围 {range} 之内。"),
    "{value!r} is not a valid boolean. Recognized values: {states}":
        lazy("{value!r} 不是有效的是非值，可用：{states}"),
    "{value!r} is not a valid UUID.": lazy("{value!r} 不是有效的 UUID。"),
    "file": lazy("文件"),
    "directory": lazy("文件夹"),
    "path": lazy("路径"),
    "{name} {filename!r} does not exist.": lazy("{name} {filename!r} 不存在。"),
    "{name} {filename!r} is a file.": lazy("{name} {filename!r} 是文件。"),
    "{name} {filename!r} is a directory.": lazy("{name} {filename!r} 是文件夹。"),
    "{name} {filename!r} is not readable.": lazy("{name} {filename!r} 不可读。"),
    "{name} {filename!r} is not writable.": lazy("{name} {filename!r} 不可写。"),
    "{name} {filename!r} is not executable.": lazy("{name} {filename!r} 不可执行。"),
    "{len_type} values are required, but {len_value} was given.":
        lazy("需要 {len_type} 个值，只给了 {len_value} 个。"),
    "{len_type} values are required, but {len_value} were given.":
        lazy("需要 {len_type} 个值，给了 {len_value} 个。"),
    # termui.py: prompts
    "Repeat for confirmation": lazy("再输入一次以确认"),
    "Error: The two entered values do not match.": lazy("错误：两次输入的不一致。"),
    "Error: invalid input": lazy("错误：输入无效"),
    "Press any key to continue...": lazy("按任意键继续……"),
    # formatting.py, decorators.py: the help page
    "Usage:": lazy("用法："),
    "Do you want to continue?": lazy("要继续吗？"),
    "Confirm the action without prompting.": lazy("不再询问，直接确认。"),
    "Show this message and exit.": lazy("显示本说明后退出。"),
    "Show the version and exit.": lazy("显示版本后退出。"),
}

# click's refusal of a number, "{value!r} is not a valid {number_type}.", fills in its type's
# English name ("integer", "integer range"): one sentence for each kind of number instead,
# by the type's name (a range's value is refused as the number it is to be, before its range).
NUMBERS = {
    "integer": lazy("{value!r} 不是有效的整数。"),
    "integer range": lazy("{value!r} 不是有效的整数。"),
    "float": lazy("{value!r} 不是有效的小数。"),
    "float range": lazy("{value!r} 不是有效的小数。"),
}

# Click's messages that no operator of ours meets: a programmer's mistake declaring a
# command (raised as TypeError/ValueError at import), deprecation of a command or option
# (we declare none), shell completion, Windows' console, colours and version options.
NOT_FOR_OPERATORS = (
    "Name '{name}' defined twice",
    "Boolean option {decl!r} cannot use the same flag for true/false.",
    "Could not determine name for option with declarations {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument "
    "instead? Did you mean to pass '--{name}'?",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.",
    "Invalid start character for option ({option})",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}",
    "Choice({choices})",
    "Unknown color {colour!r}",
    "Unknown standard stream '{name}'",
    "%(prog)s, version %(version)s",
)

MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types",
           "utils")


def gettext(message: str) -> str:
    said = CLICK.get(message)
    return message if said is None else str(said)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def then(sentence: str, more: str) -> str:
    """One sentence after another: after a Chinese one (ending with a full-width mark) with
    no space, as Chinese writes; after an English one with click's space."""
    from votes.terminal_text import wide

    return f"{sentence}{more}" if sentence and wide(sentence[-1]) else f"{sentence} {more}"


def missing_parameter_message(self) -> str:
    """click's MissingParameter.format_message ("Missing argument 'LOGIN'. Choose from: …"),
    whose full stop is click's own ASCII one: after a Chinese message a Chinese one
    ("缺少参数 'LOGIN'。可选：…"), English as click words it."""
    from click.exceptions import _join_param_hints

    from votes.terminal_text import has_wide, wide

    hint = self.param_hint if self.param_hint is not None else \
        self.param.get_error_hint(self.ctx) if self.param is not None else None
    hint = _join_param_hints(hint)
    kind = self.param_type
    if kind is None and self.param is not None:
        kind = self.param.param_type_name
    words = {"argument": "Missing argument", "option": "Missing option",
             "parameter": "Missing parameter"}.get(kind, "Missing {param_type}")
    missing = str(CLICK[words]).format(param_type=kind)
    stop = "。" if has_wide(missing) else "."
    sentence = f"{missing} {hint}{stop}" if hint else f"{missing}{stop}"
    more = self.message or ""
    extra = self.param.type.get_missing_message(param=self.param, ctx=self.ctx) \
        if self.param is not None else None
    if extra:  # a type's word on what to give ("Choose from: …")
        more = then(more if wide(more[-1]) else more + ".", extra) if more else extra
    return then(sentence, more) if more else sentence


def with_possibilities(format_message):
    """NoSuchOption's and NoSuchCommand's message with its suggestion ("是不是 '--role'？")
    after it as Chinese writes: no space after the full stop."""
    def said(self) -> str:
        text = format_message(self)
        if not self.possibilities or not text.startswith(self.message + " "):
            return text
        return then(self.message, text[len(self.message) + 1:])

    return said


def number_said(convert):
    """A number type's convert, its refusal NUMBERS' sentence for its kind."""
    def said(self, value, param, ctx):
        refusal = NUMBERS.get(self.name)
        if refusal is None:
            return convert(self, value, param, ctx)
        try:
            return self._number_class(value)
        except ValueError:
            self.fail(str(refusal).format(value=value), param, ctx)

    return said


def path_said(convert):
    """A Path's convert, naming what it wants (file, directory, path: 文件, 文件夹, 路径) in the
    language current now: click words the name when the option is declared, and Flask
    declares its -e/--env-file before install() ("File '…' 不存在。")."""
    def said(self, value, param, ctx):
        kind = "file" if self.file_okay and not self.dir_okay else \
            "directory" if self.dir_okay and not self.file_okay else "path"
        self.name = str(CLICK[kind])
        return convert(self, value, param, ctx)

    return said


def prompt_said(build_prompt):
    """click's prompt line (text, its choices or default in brackets, then ": "), after a
    Chinese text ended as Chinese ends one: with a full-width colon and no space
    ("密码：", "删除草稿 3？[y/N]："); an English one as click ends it."""
    def said(text, suffix, *args, **kwargs) -> str:
        from votes.terminal_text import has_wide, wide

        text = str(text)
        if not has_wide(text):
            return build_prompt(text, suffix, *args, **kwargs)
        line = build_prompt(text, "", *args, **kwargs)
        if wide(text[-1]) and line[len(text):].startswith(" "):  # 删除草稿 3？[y/N]
            line = text + line[len(text) + 1:]
        if suffix == ": ":
            suffix = "" if line[-1] in "：？！。" else "："
        return line + suffix

    return said


def install() -> None:
    """Make click's modules say their messages through CLICK (idempotent)."""
    import importlib

    from click import exceptions

    for name in MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext
    if getattr(exceptions.MissingParameter.format_message, "votes", False):
        return
    missing_parameter_message.votes = True
    exceptions.MissingParameter.format_message = missing_parameter_message
    for kind in (exceptions.NoSuchOption, exceptions.NoSuchCommand):
        kind.format_message = with_possibilities(kind.format_message)
    from click.types import _NumberParamTypeBase

    _NumberParamTypeBase.convert = number_said(_NumberParamTypeBase.convert)
    from click import termui

    termui._build_prompt = prompt_said(termui._build_prompt)
    from click.types import Path

    Path.convert = path_said(Path.convert)
