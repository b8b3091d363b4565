"""`python -m votes.verify FILE.zip [--keys F | --key-id ID | --fingerprint FP |
--trust-bundle-keys] [--head DIGEST] [--witness-keys F] [--receipt F ...] [--find-receipt CODE ...]
[--allow-format votes-bundle/1] [--json]`.

Runs offline on the core alone: no database, no app config, no network.
Exit status (docs/verification.md §7): 0 verified, 1 failures found, 2 the bundle or a
keys file could not be read, 3 chain intact so far but the vote is still in progress,
4 every check passed but no trust anchor was given, 5 the vote closed but its result is
only preliminary (objections may still change it, §17).
"""

from __future__ import annotations

import argparse
import json
import sys


def _jobs(asked: int) -> int:
    """--jobs N, at most one process per core; 0 (or less) for one per core. More processes
    than cores check nothing sooner, and a typo (--jobs 100000) started that many on the
    regulator's machine."""
    import os

    try:  # the cores this process may run on (a container's share), not the machine's
        cores = len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return cores if asked <= 0 else min(asked, cores)


# The largest files given beside the bundle (docs/verification.md §6, §10, §11).
KEYS_LIMIT, RECEIPT_LIMIT, COSIGNATURES_LIMIT = 1_000_000, 100_000, 64 * 2**20


class _TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        self.limit = limit


def _read(path: str, limit: int) -> bytes:
    """The file's bytes; _TooLarge when it is larger than limit. Read whole or refused:
    cut at the limit, a file would be read as if it ended there (lines beyond it left out
    unsaid)."""
    from votes.core.bundle_zip import open_regular

    with open_regular(path) as fh:  # a FIFO's open waited for a writer for ever
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise _TooLarge(limit)
    return data


# Why a file could not be read, in the operator's language for the usual reasons; the
# system's words (English whatever the locale) for the rest.
_OS_REASONS = {"ENOENT": "文件不存在", "EACCES": "没有读取权限", "EPERM": "没有读取权限",
               "EISDIR": "这是一个文件夹，不是文件", "ENAMETOOLONG": "文件名过长"}


def _unreadable(exc: Exception) -> str:
    import errno

    from votes.i18n import offline as _

    from votes.core.bundle_zip import NotRegular

    if isinstance(exc, _TooLarge):
        return _("文件大于 %(limit)s 字节", limit=f"{exc.limit:,}")
    if isinstance(exc, NotRegular):
        return _("不是普通文件（而是设备、管道或套接字，或指向它们的链接）")
    known = _OS_REASONS.get(errno.errorcode.get(getattr(exc, "errno", None) or 0, ""))
    return _(known) if known else str(getattr(exc, "strerror", None) or exc)


def _refuse(message: str, *typed: str) -> int:
    """A refusal of what was given (a file, a fingerprint) on stderr, the typed values it
    repeats escaped and shortened as in argparse's refusals (_Parser.error: a path whole, its
    hidden characters as \\u{XXXX}); exit status 2."""
    from votes.core.bidi import typed_said
    from votes.core.verifier_report import UNREADABLE_EXIT

    print(typed_said(message, typed), file=sys.stderr)
    return UNREADABLE_EXIT


# A file's own problem (not JSON, a field missing) repeated at most this long: the file
# comes from the operator's server or a witness, not from the regulator's keyboard.
PROBLEM_SHOWN = 300


class _Parser(argparse.ArgumentParser):
    """argparse's refusal of the command line in the command's language (Chinese, English
    with VOTES_LANG=en; votes.argparse_messages), what was typed in it repeated escaped and
    shortened as by every other command (votes.core.bidi.typed_said); exit status 2."""

    typed: tuple[str, ...] = ()

    def parse_known_args(self, args=None, namespace=None):
        self.typed = tuple(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str):
        from votes.core.bidi import typed_said
        from votes.i18n import offline as _

        said = typed_said(message, self.typed)
        print(f"{self.prog}: " + _("命令行有误：%(message)s", message=said), file=sys.stderr)
        print(_("用 %(command)s 查看用法。", command=f"{self.prog} --help"), file=sys.stderr)
        self.print_usage(sys.stderr)
        self.exit(2)


def _parser() -> _Parser:
    """The command line, its help in the command's language (Chinese; English with
    VOTES_LANG=en), the options' names as scripts and docs/verification.md write them. What
    an option takes is named in the language too (链头摘要: HEAD, argparse's English), as
    every other command's (文本, 文件); the argument keeps its name, as theirs (LOGIN)."""
    from votes.core.bundle import FORMAT, FORMAT_V2, OLDER_FORMATS, SPEC_VERSIONS
    from votes.i18n import offline as _

    from votes.argparse_messages import HelpFormatter

    parser = _Parser(prog="votes verify", formatter_class=HelpFormatter, description=_(
        "离线验证导出包，步骤见 docs/verification.md。请给出您信任谁的密钥：--keys、--key-id、"
        "--fingerprint 或 --trust-bundle-keys。"))
    parser.add_argument("bundle", help=_("导出包（ZIP 文件）"))
    parser.add_argument("--head", metavar=_("链头摘要"),
                        help=_("此前记下的链头：证明记录链是它的延续"))
    parser.add_argument("--keys", metavar=_("密钥文件"),
                        help=_("可信的密钥文件（服务器的 /.well-known/votes-keys.json，"
                               "须另行独立取得）"))
    parser.add_argument("--key-id", action="append", default=[], metavar=_("密钥编号"),
                        help=_("一个可信密钥的编号，如 ed25519:56475aa75463474c（可重复给出）"))
    parser.add_argument("--fingerprint", action="append", default=[], metavar=_("公钥指纹"),
                        help=_("一个可信密钥的 SHA-256 指纹，64 位十六进制数字（可重复给出）"))
    parser.add_argument("--trust-bundle-keys", action="store_true",
                        help=_("信任导出包内的密钥；请把打印出的指纹与辖区公布的指纹比对"))
    # One process per core by default: a city's 100,000 ballots take about 11 s in one
    # process and under 9 s on two cores; a small bundle stays in one (sigbatch.MIN_PARALLEL).
    parser.add_argument("--jobs", type=int, default=0, metavar=_("进程数"),
                        help=_("核对记录链签名的进程数，每个处理器核心至多一个；0（默认）：本机每个"
                               "核心一个；1：只用本进程"))
    parser.add_argument("--witness-keys", metavar=_("公钥文件"),
                        help=_("见证人的公钥（一个密钥文件）：核对他们会签的链头（第 10 步）"))
    parser.add_argument("--cosignatures", action="append", default=[], metavar=_("会签文件"),
                        help=_("直接从见证人处取得的见证签名（`votes witness cosignatures`），"
                               "与导出包中的一样核对（可重复给出）"))
    parser.add_argument("--receipt", action="append", default=[], metavar=_("回执文件"),
                        help=_("业主的签名回执（回执页面上的 JSON）：证明导出包中有这条记录"
                               "（第 11 步；可重复给出）"))
    parser.add_argument("--find-receipt", action="append", default=[], metavar=_("回执短码"),
                        help=_("业主记下的回执码（10 位短码或完整摘要）：说明这条记录链中有没有"
                               "这张选票、是否计入（§11.2；可重复给出）"))
    parser.add_argument("--participation", action="store_true",
                        help=_("另按房屋列出选票是否计入及表决方式（由 roll.json 和记录链得出；"
                               "§12）"))
    # An older format is checked by older, weaker rules; the bundle's own label must not be
    # enough to choose them, so the regulator says which old format they expect.
    parser.add_argument("--allow-format", action="append", default=[], choices=OLDER_FORMATS,
                        metavar=_("格式"),
                        help=_("接受这一旧格式（%(formats)s）的导出包，按其所属规范版本的规则核对"
                               "（%(older)s：第 %(version)s 版，不含第 15–19 步）；不给此选项时，"
                               "这样的导出包在第 3.4 步不通过。现在写出的导出包为 %(current)s",
                               formats=", ".join(OLDER_FORMATS), older=FORMAT_V2,
                               version=SPEC_VERSIONS[FORMAT_V2], current=FORMAT))
    parser.add_argument("--json", action="store_true", help=_("以 JSON 格式输出报告"))
    return parser


def _progress():
    """A line on stderr as each step (§5) of the verification begins: a city's bundle takes
    tens of seconds (reading it, step 1, the longest), and a silent command looks hung. On
    stderr, as every command's progress (`votes roll import`): stdout is the report alone,
    which scripts read."""
    from votes.i18n import offline as _

    steps = {"1": ("1", _("读取导出包，核对其结构")), "2": ("2", _("文件摘要")),
             "3": ("3", _("清单与密钥")), "4": ("4", _("记录链的衔接")),
             "5": ("5", _("创始记录与表决事项")), "6": ("6", _("选票")),
             "7": ("7–8", _("表决结束与计票")), "10": ("10–11", _("见证与回执")),
             "15": ("15–19", _("更正、议事规则、异议、工程与资金")),
             "4.4": ("4.4", _("每条记录的签名"))}

    def said(step: str) -> None:
        number, what = steps.get(step, (step, ""))
        print(_("正在核对第 %(step)s 步（%(what)s）…", step=number, what=what) if what else
              _("正在核对第 %(step)s 步 …", step=number), file=sys.stderr, flush=True)

    return said


def main(argv: list[str] | None = None) -> int:
    from votes.core.bidi import shown
    from votes.core.verifier import load_keys_file, verify_bundle
    from votes.argparse_messages import speaking
    from votes.i18n import offline as _

    with speaking():  # argparse's own words (its usage line, its refusals) in ours
        parser = _parser()
        args = parser.parse_args(argv)
    if args.cosignatures and not args.witness_keys:
        return _refuse(_("--cosignatures 需要同时给出 --witness-keys（见证人的公钥文件）"))
    from votes.core.verifier_witness import load_cosignatures, load_receipt

    witness_keys, receipts, cosignatures = None, [], []
    try:
        if args.witness_keys:
            what = args.witness_keys
            witness_keys = load_keys_file(_read(what, KEYS_LIMIT))
        for what in args.receipt:
            receipts.append(load_receipt(_read(what, RECEIPT_LIMIT)))
        for what in args.cosignatures:
            cosignatures += load_cosignatures(_read(what, COSIGNATURES_LIMIT))
    except (OSError, _TooLarge) as exc:
        return _refuse(_("无法读取文件 %(path)s：%(reason)s", path=what,
                         reason=_unreadable(exc)), what)
    except ValueError as exc:
        # A receipt comes from the operator's server, cosignatures from a witness: what is
        # wrong in them is printed with their hidden characters shown (as in the report).
        return _refuse(_("文件 %(path)s 的内容有误：%(problem)s", path=what,
                         problem=shown(str(exc), PROBLEM_SHOWN)), what)
    trusted = None
    if args.keys:
        try:
            trusted = load_keys_file(_read(args.keys, KEYS_LIMIT))
        except (OSError, _TooLarge) as exc:
            return _refuse(_("无法读取密钥文件 %(path)s：%(reason)s", path=args.keys,
                             reason=_unreadable(exc)), args.keys)
        except ValueError as exc:
            return _refuse(_("密钥文件 %(path)s 的内容有误：%(problem)s", path=args.keys,
                             problem=shown(str(exc), PROBLEM_SHOWN)), args.keys)
    for fp in args.fingerprint:
        clean = "".join(ch for ch in fp.lower() if ch not in " :-")
        if len(clean) != 64 or any(ch not in "0123456789abcdef" for ch in clean):
            return _refuse(_("--fingerprint 应为 64 位十六进制数字（可用空格、冒号或连字符分隔），"
                             "而不是 %(value)s", value=fp), fp)
    from votes.core.bundle_zip import open_regular

    try:
        with open_regular(args.bundle):
            pass
    except OSError as exc:
        return _refuse(_("无法读取导出包 %(path)s：%(reason)s", path=args.bundle,
                         reason=_unreadable(exc)), args.bundle)
    report = verify_bundle(args.bundle, head=args.head, trusted_keys=trusted,
                           key_ids=args.key_id, fingerprints=args.fingerprint,
                           trust_bundle_keys=args.trust_bundle_keys, jobs=_jobs(args.jobs),
                           witness_keys=witness_keys, receipts=receipts,
                           cosignatures=cosignatures, allow_formats=args.allow_format,
                           participation=args.participation, find_receipts=args.find_receipt,
                           progress=_progress())
    if args.find_receipt and report.receipt_lookups is None:
        print(_("未查找回执：导出包未通过验证"), file=sys.stderr)
    rows = None
    if args.participation:
        if report.participation is None:
            print(_("未列出各房屋参与情况：导出包未通过验证"), file=sys.stderr)
        else:
            rows = list(report.participation)
    if args.json:
        data = report.to_json()
        if rows is not None:
            data["participation"] = rows
        if report.receipt_lookups is not None:
            data["receipt_lookups"] = list(report.receipt_lookups)
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(report.render())
        if report.receipt_lookups is not None:
            from votes.core.receipt_find import render

            for row in report.receipt_lookups:
                print(render(row))
        if rows is not None:
            from votes.core.participation import participation_csv

            print(participation_csv(rows), end="")
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
