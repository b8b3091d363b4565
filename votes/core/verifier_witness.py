"""Steps 10 and 11: witness cosignatures and owners' inclusion receipts against the chain.

Both check the same thing from two sides: a head someone outside the operator holds (a
witness's cosigned head, the head printed in an owner's receipt) must be the recomputed
digest of the bundle's entry at that position, so the bundle's chain extends it. A
cosignature also bounds the times of the entries it covers (step 10.4): none may be dated
after its time by more than the witness's clock-skew tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass

from votes.core import signing
from votes.core.bidi import shown
from votes.core.bundle_types import type_errors
from votes.core.bundle_zip import MAX_JSON, too_many_items
from votes.core.canonical import (CanonicalError, canonical_bytes, parse_canonical, parse_time,
                                  read_json)
from votes.core.receipt import RECEIPT, RECEIPT_TYPE
from votes.core.verifier_base import _Bundle, _Run, canonical_b64
from votes.core.verifier_integrity import BAD_LINES, split_lines
from votes.core.witness import CLOCK_SKEW, COSIGNATURE, COSIGNATURE_TYPE, too_late


@dataclass(frozen=True)
class Witnessed:
    """How much of the chain witnesses vouched for before the close (§10)."""

    witnesses: tuple[str, ...]     # witness key ids with at least one valid cosignature
    length: int                    # longest prefix cosigned (entries), at any time
    before_close: int              # longest prefix cosigned no later than the close entry
    entries: int                   # entries in the chain
    newer: int = 0                 # longest chain cosigned beyond this one's end (0: none)

    def describe(self) -> str:
        if not self.witnesses:
            line = ("见证 witnessed: 没有有效的见证签名 no valid cosignature by the witnesses "
                    "you named")
        else:
            line = (f"见证 witnessed: {self.before_close} of {self.entries} entries cosigned "
                    f"before the close ({self.length} in all) by {', '.join(self.witnesses)}")
        if self.newer:
            line += (f"\n  见证人已见更长的链 the witnesses have since cosigned {self.newer} "
                     f"entries: this bundle is older (or cut short) and lacks entries "
                     f"{self.entries} to {self.newer - 1}")
        return line

    def to_json(self) -> dict:
        return {"witnesses": list(self.witnesses), "length": self.length,
                "before_close": self.before_close, "entries": self.entries,
                "newer": self.newer}


def _consistent(b: _Bundle, length: int, head: str) -> bool:
    return 1 <= length <= len(b.digests) and b.digests[length - 1] == head


def _latest_dated(b: _Bundle) -> list[tuple[int, str] | None]:
    """For each n, the (position, time) of the latest-dated well-typed entry among the
    first n — the first such if several share that time — or None if there is none.
    Well-typed times are all 'YYYY-MM-DDTHH:MM:SSZ', so they order as strings do."""
    out: list[tuple[int, str] | None] = [None] * (len(b.lines) + 1)
    latest = None
    typed = dict(b.entries())
    for n in range(len(b.lines)):
        entry = typed.get(n)
        if entry is not None and (latest is None or entry["time"] > latest[1]):
            latest = (n, entry["time"])
        out[n + 1] = latest
    return out


def check_witness(b: _Bundle, witnesses: signing.KeyRing | None, run: _Run,
                  extra=()) -> Witnessed | None:
    """Step 10: witness.jsonl well-formed (always); each cosignature by a named witness
    valid, consistent with the chain, and covering no entry dated after its time (with
    --witness-keys). `extra`: cosignatures the regulator got from the witnesses themselves
    (--cosignatures), checked the same way; those for other proposals are left aside."""
    data = b.files.get("witness.jsonl")
    cosigs = [(f"witness.jsonl 第 {n + 1} 行", f"witness.jsonl line {n + 1}", c)
              for n, c in (_parse_witness_file(data, run) if data is not None else [])]
    uid = b.uid
    mine = [(f"--cosignatures 第 {n} 行", f"--cosignatures line {n}", c)
            for n, c in enumerate(extra, 1)
            if c["statement"]["proposal"] == uid]
    others = sorted({c["statement"]["proposal"] for c in extra} - {uid})
    if extra and not mine and uid is not None:
        # The regulator asked for this bundle to be checked against these cosignatures:
        # a bundle whose uid differs from theirs (however alike the two print) escapes them.
        theirs = ', '.join(shown(o, 40) for o in others[:3])
        run.fail("10.3", f"--cosignatures 的 {len(extra)} 行都不是本导出包的事项 "
                         f"{shown(uid, 40)} 的见证签名，而是 {theirs} 的 / none of the "
                         f"{len(extra)} --cosignatures lines is for this bundle's proposal "
                         f"{shown(uid, 40)}; they are for {theirs}")
    elif others:
        theirs = ', '.join(shown(o, 40) for o in others[:3])
        run.skip("10.2–10.4", f"--cosignatures 中有 {len(extra) - len(mine)} 行属于其他事项"
                              f"（{theirs}）/ {len(extra) - len(mine)} --cosignatures line(s) "
                              f"for other proposals ({theirs})")
    cosigs += mine
    if witnesses is None:
        if cosigs:
            run.skip("10.2–10.4", "未给出 --witness-keys，见证签名未核对 / no --witness-keys "
                                  "given: cosignatures not checked")
        return None
    closes = b.entries("close")  # entries may follow it (objections, §17)
    close = closes[0][1] if closes else None
    names, longest, before = set(), 0, 0
    unknown = 0
    newer: list[dict] = []  # valid statements of more entries than this chain holds
    latest = None  # _latest_dated(b), made when a cosignature first reaches 10.4
    own = sorted(kid for kid in witnesses.keys if kid in b.keyring.keys)
    for kid in own:
        # Handed over as a witness's, it is the operator vouching for itself.
        run.skip("10.2–10.4", f"见证人密钥 {kid} 是本导出包服务器自己的密钥：其见证签名是"
                              f"运营方自证，不予采信 / witness key {kid} is a key of this "
                              "bundle's server: its cosignatures are the operator's own and "
                              "count for nothing")
    for where_zh, where, cosig in cosigs:
        stmt = cosig["statement"]
        key = witnesses.get(stmt["witness"])
        if stmt["witness"] in own:
            continue
        if key is None:
            unknown += 1
            continue
        if not canonical_b64(cosig["sig"], 64) or \
                not signing.verify(key, canonical_bytes(stmt), cosig["sig"]):
            run.fail("10.2", f"{where_zh}：见证人 {stmt['witness'][:40]} 的签名验证失败 / "
                             f"{where}: the signature of witness {stmt['witness'][:40]} does "
                             "not verify")
            continue
        if stmt["proposal"] == uid and stmt["length"] > len(b.digests):
            if latest is None:
                latest = _latest_dated(b)
            last = latest[-1]
            if last is not None and too_late(last[1], parse_time(stmt["time"])):
                # An honest chain only grows: when its entry was written, the chain the
                # witness had already seen longer held it at a later position, not this one.
                run.fail("10.3", f"{where_zh}：见证人 {stmt['witness'][:40]} 于 "
                                 f"{stmt['time']} 签署了 {stmt['length']} 条记录；本链只有 "
                                 f"{len(b.digests)} 条，其第 {last[0]} 条记录的时间为 "
                                 f"{last[1]}，晚于见证时间 {CLOCK_SKEW} 秒以上：这不是见证人"
                                 "所见的链 / "
                                 f"{where}: witness {stmt['witness'][:40]} cosigned "
                                 f"{stmt['length']} entries at {stmt['time']}; this chain "
                                 f"holds {len(b.digests)}, and its entry {last[0]} is dated "
                                 f"{last[1]}, more than {CLOCK_SKEW} s later: it is not the "
                                 "chain the witness saw")
            else:
                newer.append(stmt)
            continue
        if stmt["proposal"] != uid or not _consistent(b, stmt["length"], stmt["head"]):
            run.fail("10.3", f"{where_zh}：见证人 {stmt['witness'][:40]} 签署的链头 "
                             f"{stmt['head'][:16]}… 为事项 {shown(stmt['proposal'], 40)} 的"
                             f"第 {stmt['length'] - 1} 条记录，本链并不延续该链头 / "
                             f"{where}: witness {stmt['witness'][:40]} "
                             f"cosigned head {stmt['head'][:16]}… as entry "
                             f"{stmt['length'] - 1} of proposal {shown(stmt['proposal'], 40)}; "
                             "this chain does not extend it")
            continue
        if latest is None:
            latest = _latest_dated(b)
        late = latest[min(stmt["length"], len(latest) - 1)]
        if late is not None and too_late(late[1], parse_time(stmt["time"])):
            # Closed early, the close dated at the end of the vote: a witness that saw it
            # would vouch for a time that had not come (its clock, or itself, is wrong).
            run.fail("10.4", f"{where_zh}：见证人 {stmt['witness'][:40]} 于 {stmt['time']} "
                             f"签署了 {stmt['length']} 条记录，但第 {late[0]} 条记录的时间为 "
                             f"{late[1]}，晚于见证时间 {CLOCK_SKEW} 秒以上（记录时间超前于见证人的"
                             "时钟）/ "
                             f"{where}: witness {stmt['witness'][:40]} cosigned "
                             f"{stmt['length']} entries at {stmt['time']}, but entry "
                             f"{late[0]} is dated {late[1]}, more than {CLOCK_SKEW} s later "
                             "(dated ahead of the witness's clock)")
            continue
        names.add(stmt["witness"])
        longest = max(longest, stmt["length"])
        if close is None or parse_time(stmt["time"]) <= parse_time(close["time"]):
            before = max(before, stmt["length"])
    if unknown:
        run.skip("10.2–10.4", f"{unknown} 个见证签名来自您未指定的见证人 / {unknown} "
                              "cosignature(s) by witnesses you did not name")
    if newer:
        # A bundle exported before the witness's last round (an interim one, a final one
        # before objections were appended) or cut short: such a cosignature neither vouches
        # for it nor contradicts it. The witness's earlier cosignatures do.
        top = max(newer, key=lambda s: (s["length"], s["time"]))
        run.skip("10.3", f"{len(newer)} 个见证签名涵盖的记录多于本导出包（最多的一个于 "
                         f"{top['time']} 签署了 {top['length']} 条记录）：本导出包缺少第 "
                         f"{len(b.lines)} 至 {top['length'] - 1} 条记录，比这些见证签名旧，或被"
                         "截短。这些见证签名在此不作数：请用最新的导出包核对它们，并用见证人"
                         "较早的见证签名核对本导出包（`votes witness cosignatures` 列出全部见证"
                         f"签名）/ {len(newer)} cosignature(s) of more entries than this bundle "
                         f"holds (the longest: {top['length']} entries cosigned at "
                         f"{top['time']}): this bundle lacks entries {len(b.lines)} to "
                         f"{top['length'] - 1}; it is older than them, or cut short. They "
                         "count for nothing here: check the latest bundle against them, and "
                         "this one against the witness's earlier cosignatures (`votes "
                         "witness cosignatures` prints all it made)")
    return Witnessed(tuple(sorted(names)), longest, before, len(b.lines),
                     max((s["length"] for s in newer), default=0))


def _parse_witness_file(data: bytes, run: _Run) -> list[tuple[int, dict]]:
    """Step 10.1: canonical lines, each a cosignature, the file ending with a newline."""
    if data and not data.endswith(b"\n"):
        run.fail("10.1", "witness.jsonl 未以换行结尾 / witness.jsonl does not end with a "
                         "newline")
    out = []
    bad = 0
    for n, raw in enumerate(split_lines(data)):
        try:
            if len(raw) > MAX_JSON:
                raise CanonicalError(f"longer than {MAX_JSON:,} bytes: not read")
            value = parse_canonical(raw)
        except CanonicalError as exc:
            value, errors = None, [f"witness.jsonl 第 {n + 1} 行不是规范 JSON / "
                                   f"witness.jsonl line {n + 1}: {exc}"]
        else:
            errors = [f"witness.jsonl 第 {n + 1} 行字段类型不符 / {error}" for error in
                      type_errors(value, COSIGNATURE, f"witness.jsonl line {n + 1}")]
        if not errors and value["statement"]["type"] != COSIGNATURE_TYPE:
            errors = [f"witness.jsonl 第 {n + 1} 行的 type 不是 {COSIGNATURE_TYPE} / "
                      f"witness.jsonl line {n + 1}: type is not {COSIGNATURE_TYPE}"]
        if not errors and value["statement"]["length"] < 1:
            errors = [f"witness.jsonl 第 {n + 1} 行的 length 应至少为 1 / witness.jsonl line "
                      f"{n + 1}: length must be at least 1"]
        if errors:
            bad += 1
            if bad > BAD_LINES:  # as for chain.jsonl: a file of empty lines is countless
                run.fail("10.1", f"witness.jsonl 有超过 {BAD_LINES} 行未通过第 10.1 步，自第 "
                                 f"{n + 1} 行起不再读取 / more than {BAD_LINES} lines of "
                                 f"witness.jsonl fail step 10.1: it is not read further (from "
                                 f"line {n + 1} on)")
                break
        for error in errors:
            run.fail("10.1", error)
        if not errors:
            out.append((n, value))
    return out


def load_cosignatures(data: bytes) -> list[dict]:
    """A --cosignatures file: one cosignature per line, as `votes witness cosignatures`
    prints them (any JSON layout per line; ValueError naming the first bad line). Bounded
    as the bundle's JSON is (1.3): its values counted before any is parsed, and its lines
    split one at a time (a list of all of 64 MiB of short lines took 1.7 GB)."""
    problem = too_many_items([data])
    if problem:
        raise ValueError(f"it holds {problem}")
    out = []
    for n, raw in enumerate(split_lines(data), 1):
        line = raw.decode("utf-8", "replace")
        if not line.strip():
            continue
        try:
            value = read_json(line)
        except ValueError as exc:
            raise ValueError(f"line {n}: {exc}") from None
        errors = type_errors(value, COSIGNATURE, f"line {n}")
        if not errors and (value["statement"]["type"] != COSIGNATURE_TYPE or
                           value["statement"]["length"] < 1):
            errors = [f"line {n}: not a {COSIGNATURE_TYPE} cosignature"]
        if errors:
            raise ValueError("; ".join(errors))
        out.append(value)
    return out


def load_receipt(data: bytes) -> dict:
    """A receipt file as the owner downloaded it (any JSON layout; ValueError if it is not
    JSON or lacks the receipt's fields; one leading UTF-8 byte order mark ignored, as for
    a keys file: an owner who opened the receipt in a Windows editor and saved it again
    still holds the same receipt)."""
    value = read_json(data)
    errors = type_errors(value, RECEIPT, "receipt")
    if not errors and value["statement"]["type"] != RECEIPT_TYPE:
        errors = [f"receipt type is not {RECEIPT_TYPE}"]
    if errors:
        raise ValueError("; ".join(errors))
    return value


def check_receipt(b: _Bundle, number: int, receipt: dict, run: _Run) -> None:
    """Step 11 for one receipt: signed by a trusted server key, naming this proposal, and
    the chain holds its entry at its position under a chain that extends its head."""
    stmt, label = receipt["statement"], f"receipt {number}"
    zh = f"第 {number} 份回执"
    key = b.keyring.get(stmt["key_id"])
    if key is None:
        run.fail("11.1", f"{zh}：签名密钥 {stmt['key_id'][:40]} 未知或不受信任 / {label}: "
                         f"signing key {stmt['key_id'][:40]} is unknown or not trusted")
    elif not canonical_b64(receipt["sig"], 64) or \
            not signing.verify(key, canonical_bytes(stmt), receipt["sig"]):
        run.fail("11.1", f"{zh}：服务器签名验证失败 / {label}: the server signature does "
                         "not verify")
    uid = b.uid
    if stmt["proposal"] != uid:
        other = shown(stmt['proposal'], 40)
        run.fail("11.2", f"{zh}属于事项 {other}，不是本事项 / {label}: it is for proposal "
                         f"{other}, not this one")
        run.skip("11.3–11.4", f"{zh}属于其他事项，与本链无关 / {label}: a receipt of another "
                              "proposal says nothing of this chain")
        return
    seq = stmt["seq"]
    if seq >= len(b.digests) or b.digests[seq] != stmt["digest"]:
        run.fail("11.3", f"{zh}：本链第 {seq} 条记录不是业主的记录 {stmt['digest'][:16]}…"
                         f"（已被删除或替换）/ {label}: entry {seq} of this chain is not the "
                         f"owner's entry {stmt['digest'][:16]}… (dropped or replaced)")
    if seq < stmt["length"] and stmt["length"] > len(b.digests):
        # Issued under the head as it was when the owner opened the receipt page: a later
        # chain than a bundle exported before (objections appended since the close).
        last = _latest_dated(b)[-1]
        if last is not None and too_late(last[1], parse_time(stmt["time"])):
            run.fail("11.4", f"{zh}于 {stmt['time']} 在 {stmt['length']} 条记录的链上签发；"
                             f"本链只有 {len(b.digests)} 条，其第 {last[0]} 条记录的时间为 "
                             f"{last[1]}，晚于回执时间 {CLOCK_SKEW} 秒以上：服务器当时已签署过"
                             f"更长的链 / {label}: issued under {stmt['length']} entries at "
                             f"{stmt['time']}; this chain holds {len(b.digests)}, and its "
                             f"entry {last[0]} is dated {last[1]}, more than {CLOCK_SKEW} s "
                             "later: the server had already signed a longer chain")
        else:
            run.skip("11.4", f"{zh}于 {stmt['time']} 在 {stmt['length']} 条记录的链上签发；"
                             f"本导出包只有 {len(b.digests)} 条：它比回执旧（或被截短），回执"
                             f"的链头未核对 / {label}: issued under {stmt['length']} entries at "
                             f"{stmt['time']}; this bundle holds {len(b.digests)}: it is "
                             "older than the receipt (or cut short), whose head is not checked")
        return
    if stmt["length"] <= seq or not _consistent(b, stmt["length"], stmt["head"]):
        run.fail("11.4", f"{zh}：本链并不延续回执签发时的链头 {stmt['head'][:16]}…（第 "
                         f"{stmt['length'] - 1} 条记录）/ "
                         f"{label}: this chain does not extend the head "
                         f"{stmt['head'][:16]}… (entry {stmt['length'] - 1}) the receipt "
                         "was issued under")
