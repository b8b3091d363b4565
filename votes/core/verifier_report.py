"""The verifier's report: outcome, whose key signed, figures, every failure by its step."""

from __future__ import annotations

import re
from dataclasses import dataclass

from votes.core.numbers import format_area
from votes.core.step_titles import title
from votes.core.tally import Tally, Turnout
from votes.core.verifier_subject import NOT_VERIFIED as SUBJECT_NOT_VERIFIED
from votes.core.verifier_works_figures import WorksFigures

VERIFIED, FAILED, IN_PROGRESS, UNANCHORED = "verified", "failed", "in_progress", "unanchored"
# A closed vote whose result objections may still change (§17): never 0, which a script
# reading only the exit status takes as leave to release the money.
PRELIMINARY = "preliminary"
# Exit status of `votes verify`; 2 is "the bundle or the keys file could not be read".
EXIT_CODES = {VERIFIED: 0, FAILED: 1, IN_PROGRESS: 3, UNANCHORED: 4, PRELIMINARY: 5}
UNREADABLE_EXIT = 2
# The bundle's report.txt and ballots.csv (§2.1) are not checked against the chain: not a
# failing step, since older bundles' were rendered by older code, but a reader holding the
# bundle must not take a doctored report.txt's 通过 over the figures recomputed here.
INFORMATIVE = ("导出包中的 report.txt 和 ballots.csv 是服务器自行生成的摘要，未经本验证核对，"
               "以本报告的数字为准 / report.txt and ballots.csv are the server's own summaries "
               "and were not checked: the figures of this report are what count")


@dataclass(frozen=True)
class Failure:
    step: str
    message: str
    entry: int | None = None

    def __str__(self) -> str:
        where = f" 第 {self.entry} 条记录 entry {self.entry}:" if self.entry is not None else ""
        return f"[{self.step}]{where} {self.message}"


def failed_steps(rendered: str) -> list[tuple[str, int, list[int]]]:
    """The steps a rendered report's failures are under, in the report's order, each with
    how many and the entries they name (in order, each once): read back from its failure
    lines (Failure.__str__), the report being kept as text only. A step not checked
    ([step] 未检查) is no failure."""
    counts: dict[str, int] = {}
    entries: dict[str, list[int]] = {}
    for line in rendered.splitlines():
        if line.startswith("[") and "]" in line:
            step, rest = line[1:].split("]", 1)
            if not rest.startswith(" 未检查 not checked:"):
                counts[step] = counts.get(step, 0) + 1
                named = entries.setdefault(step, [])
                where = _ENTRY.match(rest)
                if where and int(where.group(1)) not in named:
                    named.append(int(where.group(1)))
    return [(step, n, entries[step]) for step, n in counts.items()]


_ENTRY = re.compile(r" 第 (\d+) 条记录 entry \1:")


def unlisted_line(n: int) -> str:
    return f"另有 {n} 处问题未逐条列出 / {n} more problems not listed"


def unlisted_in(rendered: str) -> int:
    """How many problems a rendered report counted without listing them (unlisted_line)."""
    found = _UNLISTED.search(rendered)
    return int(found.group(1)) if found else 0


_UNLISTED = re.compile(r"^另有 (\d+) 处问题未逐条列出 / ", re.M)


@dataclass(frozen=True)
class Skipped:
    step: str
    reason: str

    def __str__(self) -> str:
        return f"[{self.step}] 未检查 not checked: {self.reason}"


@dataclass(frozen=True)
class Report:
    outcome: str
    failures: tuple[Failure, ...]
    tally: Tally | Turnout | None  # only the turnout while the vote is in progress
    chain_head: str | None
    entries: int
    ballots: int
    counted: int
    key_ids: tuple[str, ...] = ()
    signer: str | None = None
    fingerprints: tuple[tuple[str, str], ...] = ()   # (key id, SHA-256 of the raw key)
    anchor: str = ""
    skipped: tuple[Skipped, ...] = ()
    witnessed: object = None   # verifier_witness.Witnessed, with --witness-keys
    receipts: int = 0          # receipts checked (step 11)
    procedure: tuple[str, ...] = ()  # 从多 figures, objections, final result (§17, §19)
    proposal: str | None = None  # proposal.json's uid, as shown (invisible characters escaped)
    participation: tuple[dict, ...] | None = None  # §12's rows, when asked and not FAILED
    receipt_lookups: tuple[dict, ...] | None = None  # §11.2, when asked and not FAILED
    # With an objection period (§17) the close is only the preliminary result: True while
    # the bundle holds no final result yet, False once it does, None without a period.
    preliminary: bool | None = None
    # When the objection period ends (Beijing time, as printed), for PRELIMINARY only.
    objections_until: str | None = None
    works: WorksFigures | None = None  # the works entries step 18 checked (§18), if any
    # Problems found beyond those listed one by one (a chain rewritten wholesale), and
    # whether a bundle was read at all: a chain the database holds damaged makes none.
    unlisted: int = 0
    bundle: bool = True
    subject: tuple[str, ...] = ()  # what was voted on (verifier_subject), under 事项 proposal

    @property
    def ok(self) -> bool:
        """True only for VERIFIED: every step passed, the signer is anchored, the vote closed
        and its result final (§17)."""
        return self.outcome == VERIFIED

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]

    def verdict(self) -> str:
        if self.outcome == VERIFIED:
            return "验证通过 / VERIFIED"
        if self.outcome == IN_PROGRESS:
            return (f"链完整至第 {self.entries - 1} 条记录，表决进行中 / chain intact up to "
                    f"entry {self.entries - 1}, vote in progress")
        if self.outcome == PRELIMINARY:
            until = self.objections_until
            return (f"链完整，表决已结束，但仅为初步结果：异议期至 {until}（北京时间）止，"
                    f"尚无最终结果 / PRELIMINARY: chain intact, vote closed, but the result is only "
                    f"preliminary: objections may be filed until {until} Beijing time, no final "
                    "result yet")
        if self.outcome == UNANCHORED:
            return ("各步检查通过，但签名密钥未经确认 / CHECKS PASSED, SIGNER NOT CONFIRMED: "
                    "give --keys, --key-id or --fingerprint, or --trust-bundle-keys")
        return f"验证失败 / FAILED ({len(self.failures) + self.unlisted} problems)"

    def render(self) -> str:
        """The verdict, the signer, the figures, every failure and skip, the verdict again."""
        lines = [self.verdict()]
        if self.proposal is not None:
            if self.subject and self.outcome == FAILED:
                lines.append(SUBJECT_NOT_VERIFIED)
            lines.append(f"事项 proposal: {self.proposal}")
            lines += self.subject
        lines.append(f"记录 entries: {self.entries}, 选票 ballots: {self.ballots}, "
                     f"计入 counted: {self.counted}, 链头 head: {self.chain_head or '-'}")
        if self.signer:
            lines.append(f"签名者 signed by: {self.signer}")
        for kid, fp in self.fingerprints:
            lines.append(f"  密钥 key {kid} 指纹 fingerprint {fp}")
        if self.anchor:
            lines.append(f"信任锚 trust anchor: {self.anchor}")
        if self.witnessed is not None:
            lines.append(self.witnessed.describe())
        if self.receipts:
            lines.append(f"回执 receipts checked: {self.receipts}")
        t = self.tally
        if t is not None:
            if self.outcome == FAILED:
                lines.append("以下为重算数字，未经验证 / recomputed figures, NOT verified:")
            lines += [
                f"总面积 total area {format_area(t.total_area)} m², 总人数 headcount "
                f"{t.total_headcount}",
                f"参与 participating {format_area(t.participating_area)} m², "
                f"{t.participating_headcount}",
            ]
            if isinstance(t, Tally):
                lines.append(f"同意 agree {format_area(t.agree_area)} m², {t.agree_headcount}")
            for c in t.checks:
                lines.append(f"  {c.name} {c.threshold}: {c.part}/{c.whole} needed {c.needed} "
                             f"→ {'met' if c.met else 'NOT met'}")
            if not isinstance(t, Tally):
                lines.append("结果 result: 表决进行中，各户意见密封至表决结束 / vote in progress, "
                             "choices sealed until the close")
            elif self.outcome == IN_PROGRESS:
                lines.append("结果 result: 表决进行中，尚无结果 / vote in progress, no result yet")
            elif self.outcome == FAILED:
                lines.append("结果 result: 无法确认 / cannot be confirmed (verification failed)")
            else:
                alone = "（仅计选票 ballots alone）" if self.procedure else ""
                decided = '通过 PASSED' if t.passed else '未通过 NOT PASSED'
                if self.preliminary is None:
                    lines.append(f"结果{alone} result: {decided}")
                else:  # a regulator must not release money on it (§17)
                    pending = ("（异议期，尚无最终结果 / objection period: no final result "
                               "yet）") if self.preliminary else ""
                    lines.append(f"初步结果{alone} preliminary result: {decided}{pending}")
        procedure = [line for line in self.procedure if line]
        if procedure and self.outcome == FAILED:
            # The bundle's own 从多 figures, objections and final result, which a failed
            # bundle does not vouch for: printed bare, "最终结果 … 通过 PASSED" read as checked.
            lines.append("以下从多、异议及最终结果为导出包所载，未经验证 / 从多, objections and "
                         "final result as the bundle states them, NOT verified:")
        lines += procedure
        if self.works is not None:  # amounts as step 18 checked them on the chain
            lines += self.works.lines(failed=self.outcome == FAILED)
        if self.failures:
            # Which checks failed, by their Chinese titles; each detail below is Chinese / English.
            counts: dict[str, int] = {}
            for f in self.failures:
                counts[f.step] = counts.get(f.step, 0) + 1
            lines.append("未通过的检查 failed checks:")
            lines += [f"  {step} {title(step)}" + (f"（{n} 处）" if n > 1 else "")
                      for step, n in counts.items()]
        lines += [str(f) for f in self.failures]
        if self.unlisted:
            lines.append(unlisted_line(self.unlisted))
        lines += [str(s) for s in self.skipped]
        if self.bundle:
            lines.append(INFORMATIVE)
        lines.append(f"结论 verdict: {self.verdict()}")
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {"ok": self.ok, "outcome": self.outcome, "exit_code": self.exit_code,
                "chain_head": self.chain_head, "entries": self.entries,
                "ballots": self.ballots, "counted": self.counted, "signer": self.signer,
                "keys": [{"key_id": k, "fingerprint": f} for k, f in self.fingerprints],
                "anchor": self.anchor,
                "tally": self.tally.to_dict() if self.tally else None,
                "failures": [{"step": f.step, "title": title(f.step), "entry": f.entry,
                              "message": f.message} for f in self.failures],
                "skipped": [{"step": s.step, "reason": s.reason} for s in self.skipped],
                "witnessed": self.witnessed.to_json() if self.witnessed is not None else None,
                "receipts": self.receipts, "procedure": list(self.procedure),
                "proposal": self.proposal, "subject": list(self.subject),
                "preliminary": self.preliminary, "objections_until": self.objections_until,
                "works": (self.works.to_json(failed=self.outcome == FAILED)
                          if self.works is not None else None)}


def stored_json(report: Report) -> dict:
    """What a stored verification keeps of its report to show it again (report_from_json):
    to_json with the problems not listed one by one and whether a bundle was read."""
    return {**report.to_json(), "unlisted": report.unlisted, "bundle": report.bundle}


def report_from_json(data: dict) -> Report:
    """The report stored_json kept, made again for the page that shows it. The witnesses'
    cosignatures and the per-unit participation are not kept (the app asks for neither)."""
    from votes.core.tally import Turnout
    from votes.core.verifier_works_figures import Settlement

    t = data.get("tally")
    tally = None if t is None else (Tally.from_dict(t) if "agree_area" in t else Turnout.from_dict(t))
    w = data.get("works")
    works = None
    if w is not None:
        c, s = w["contract"], w["settlement"]
        works = WorksFigures(
            emergency=w["emergency"],
            contract=None if c is None else {"entry": c["entry"], "contractor": c["contractor"],
                                             "amount": c["amount_fen"],
                                             "tolerance_bp": c["tolerance_bp"]},
            payments=[(p["entry"], p["amount_fen"], p["note"]) for p in w["payments"]],
            acceptance=w["acceptance"],
            settlement=None if s is None else Settlement(s["entry"], s["final_cost_fen"],
                                                         s["paid_fen"], s["units"],
                                                         s["shares_total_fen"]),
            left_out=w["left_out"])
    return Report(
        outcome=data["outcome"],
        failures=tuple(Failure(f["step"], f["message"], f["entry"]) for f in data["failures"]),
        tally=tally, chain_head=data["chain_head"], entries=data["entries"],
        ballots=data["ballots"], counted=data["counted"],
        key_ids=tuple(k["key_id"] for k in data["keys"]), signer=data["signer"],
        fingerprints=tuple((k["key_id"], k["fingerprint"]) for k in data["keys"]),
        anchor=data["anchor"],
        skipped=tuple(Skipped(s["step"], s["reason"]) for s in data["skipped"]),
        receipts=data["receipts"], procedure=tuple(data["procedure"]),
        proposal=data["proposal"], preliminary=data["preliminary"], works=works,
        objections_until=data.get("objections_until"),
        unlisted=data.get("unlisted", 0), bundle=data.get("bundle", True),
        subject=tuple(data.get("subject", ())))
