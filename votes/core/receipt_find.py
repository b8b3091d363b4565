"""A receipt code looked up in a verified chain (`votes verify --find-receipt`,
docs/verification.md §11.2): what the board answers from the server's database, answered
offline from the bundle the regulator verified.

The code is read as the board reads it, by the same function (receipt_code.read_receipt:
the short code, or the full digest, or a prefix of at least 16 hex digits; full-width
folded, case, hyphens and spaces ignored, O read as 0, I and L as 1)."""

from __future__ import annotations

from typing import Sequence

from votes.core import receipt_code
from votes.core.bidi import shown
from votes.core.chain import SealedEntry, counted_ballots
from votes.core.withdrawal import chain_of

def _matches(text: str, ballots: Sequence[SealedEntry]) -> tuple[str, list[SealedEntry]] | None:
    """The code as it is shown back, and the ballot entries it may mean (None: not a code)."""
    read = receipt_code.read_receipt(text)
    if read is None:
        return None
    kind, code = read
    if kind == receipt_code.SHORT:
        return (receipt_code.grouped(code),
                [s for s in ballots if receipt_code.short_code(s.digest) == code])
    return code, [s for s in ballots if s.digest.startswith(code)]


def find_receipts(chain: Sequence[SealedEntry], codes: Sequence[str]) -> tuple[dict, ...]:
    """For each code: {"code", "seq", "status", "channel", "replaced_by"}. status is
    `counted` (the voter's ballot that counts: in the close's count, or while the vote is in
    progress the voter's current one, `current`), `superseded` (a later ballot of the same
    voter replaced it: `replaced_by` names the next), `withdrawn` (a withdrawal took it
    back, §15, whether or not its voter voted again since), `not_found`, `ambiguous` (two ballots share a short code: give the full
    digest) or `invalid` (not a receipt code)."""
    ballots = [s for s in chain if s.entry.get("kind") == "ballot"]
    withdrawn = _taken_back(chain)
    counting = counted_ballots(chain)
    closed = any(s.entry.get("kind") == "close" for s in chain)
    found = []
    for text in codes:
        match = _matches(text, ballots)
        # Not a code: repeated as the verifier shows any text it was not made for (hidden
        # characters as \u{XXXX}, at most 80): typed bytes that are no UTF-8 are surrogates,
        # which a strict stdout cannot print, and an escape sequence would play.
        row = {"code": shown(text), "seq": None, "status": "invalid", "channel": None,
               "replaced_by": None}
        if match is not None:
            row["code"], entries = match
            row["status"] = {0: "not_found", 1: None}.get(len(entries), "ambiguous")
            if len(entries) == 1:
                row.update(_status(entries[0], ballots, counting, closed, withdrawn))
        found.append(row)
    return tuple(found)


def _taken_back(chain: Sequence[SealedEntry]) -> set[int]:
    """The positions withdrawals took back (§15, as 6.7 counts them): the voter's latest
    ballot a withdrawal names and the entries that ballot's corrections replaced. A
    withdrawn ballot stopped counting at its withdrawal: a later ballot of its voter is a
    new vote, not a replacement, and the owner must learn that staff took it back — also
    of a paper ballot a correction had replaced before the corrected one was withdrawn (the
    board says so from withdrawn_by, which the server sets on the same entries)."""
    ballots: dict[int, dict] = {}
    last: dict[str, int] = {}
    taken: set[int] = set()
    for s in chain:
        kind, body = s.entry.get("kind"), s.entry.get("body")
        if kind == "ballot":
            ballots[s.seq] = body
            last[body.get("voter")] = s.seq
        elif kind == "withdrawal":
            target = body.get("withdraws")
            if last.get(body.get("voter")) == target and target not in taken:
                taken.update(chain_of(target, ballots, taken))
    return taken


def _status(entry: SealedEntry, ballots, counting, closed: bool, withdrawn: set) -> dict:
    body = entry.entry["body"]
    voter = body.get("voter")
    row = {"seq": entry.seq, "channel": body.get("channel")}
    if counting.get(voter) is entry:
        return row | {"status": "counted" if closed else "current"}
    if entry.seq in withdrawn:
        return row | {"status": "withdrawn"}
    later = [s.seq for s in ballots if s.entry["body"].get("voter") == voter and s.seq > entry.seq]
    if later:
        return row | {"status": "superseded", "replaced_by": later[0]}
    return row | {"status": "withdrawn"}


_CHANNELS = {"online": ("网上", "online"), "paper": ("纸质", "paper"),
             "proxy": ("委托", "proxy")}


def render(row: dict) -> str:
    """One line, in Chinese then English."""
    code, seq, nxt = row["code"], row["seq"], row["replaced_by"]
    zh, en = _CHANNELS.get(row["channel"], (row["channel"], row["channel"]))
    return {
        "counted": f"回执 {code}：第 {seq} 条记录，已计入表决结果（{zh}） / receipt {code}: "
                   f"entry {seq}, counted in the result ({en})",
        "current": f"回执 {code}：第 {seq} 条记录，是该业主目前有效的选票（表决尚未结束） / "
                   f"receipt {code}: entry {seq}, the voter's current ballot (vote in progress)",
        "superseded": f"回执 {code}：第 {seq} 条记录，已被第 {nxt} 条记录取代，不计入表决结果 / "
                      f"receipt {code}: entry {seq}, superseded by entry {nxt}: not counted",
        "withdrawn": f"回执 {code}：第 {seq} 条记录，已被撤回（录错房屋），不计入表决结果 / "
                     f"receipt {code}: entry {seq}, withdrawn (entered for the wrong unit): "
                     "not counted",
        "not_found": f"回执 {code}：本导出包中没有这张选票 / receipt {code}: no ballot of this "
                     "bundle has this receipt",
        "ambiguous": f"回执 {code}：有两张选票的短码相同，请输入完整回执码 / receipt {code}: "
                     "two ballots share this short code, give the full receipt",
    }.get(row["status"], f"回执 “{code}”：不是回执码 / “{code}”: not a receipt code")
