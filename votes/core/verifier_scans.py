"""Step 6.13: one scan, one role, and step 16.7: one written authorisation, one proxy
(docs/verification.md §3.2, §16).

A staff ballot names up to three scanned documents by their SHA-256: the signed ballot
form (`evidence`), a proxy's written authorisation (`proxy.authorisation`) and a sale's
deed (`transfer`). A clerk holding one real signed document could attach it as ballot X's
form and as ballot Y's authorisation, or as a buyer's deed and an owner's form: one
signature would then stand behind two counted ballots, each step of which (6.12, 16.2,
16.6) sees nothing wrong, since each looks at one role only. The reference server refuses
it (votes/services/scan_roles.py, check_documents); the operator controls the server, so
this step checks the same rule in the bundle alone, and mirrors it so that no bundle the
server writes fails it:

- a scan in one role on a ballot fails when the same ballot, or an earlier ballot still
  holding its scans, has it in another role. Whose ballots, which channel, counted or
  superseded does not matter;
- a ballot holds its scans until a withdrawal (§15.4) takes it back, with the entries its
  corrections replaced (as 6.7 and 16.3 count them). A correction releases nothing: the
  server has kept the replaced entry's scans on it ever since it refused a scan in two
  roles. (6.12 still lets a correction free a form for its signer, as the server once did,
  so that older bundles verify; that release was never one of two roles.)
- a scan in the same role again is not this step's concern: a form is 6.12's, and one
  letter may name several principals, one deed serve the buyer's entry again (§16).

A letter names one proxy, though: 16.7 fails a proxy ballot whose `proxy.authorisation`
an earlier ballot still holding its scans (the same release as 6.13's) carries for
another `proxy.holder`. Otherwise one real letter could stand behind ballots "held" by
made-up proxies, each under the community's limit of principals (16.3). The reference
server refuses it (votes/services/proxies.py, check_letters) by comparing with the
earliest such ballot, and so does 16.7: a bundle in which two holders share a letter
still held fails at least once, and no bundle the server writes fails.
"""

from __future__ import annotations

from votes.core.bidi import shown
from votes.core.verifier_base import _Bundle, _Run
from votes.core.withdrawal import KIND, chain_of

FORM, LETTER, DEED = 0, 1, 2
_ROLES = (("签字表决票（evidence）", "signed ballot form (evidence)"),
          ("书面授权委托书（proxy.authorisation）",
           "proxy's written authorisation (proxy.authorisation)"),
          ("过户证明（transfer）", "transfer deed (transfer)"))


def scans_of(body: dict) -> list[tuple[int, str]]:
    """A ballot body's scans as (role, digest), those it carries."""
    out = []
    if body["evidence"] is not None:
        out.append((FORM, body["evidence"]))
    if body.get("proxy") is not None:
        out.append((LETTER, body["proxy"]["authorisation"]))
    if body.get("transfer") is not None:
        out.append((DEED, body["transfer"]))
    return out


class _Holders:
    """For each (role, scan), the positions of the ballots carrying it, in chain order: a
    single position, or once there is a second, a list whose item 0 indexes the earliest
    holder not yet withdrawn. That index only moves forward (nothing withdrawn comes back),
    so a forged chain of one scan on many ballots costs a constant per ballot."""

    def __init__(self) -> None:
        self.held: dict[tuple[int, str], int | list[int]] = {}

    def earliest(self, role: int, scan: str, withdrawn: set[int]) -> int | None:
        found = self.held.get((role, scan))
        if found is None:
            return None
        if isinstance(found, int):
            return None if found in withdrawn else found
        while found[0] < len(found) and found[found[0]] in withdrawn:
            found[0] += 1
        return found[found[0]] if found[0] < len(found) else None

    def add(self, role: int, scan: str, n: int) -> None:
        key = (role, scan)
        found = self.held.get(key)
        if found is None:
            self.held[key] = n
        elif isinstance(found, int):
            self.held[key] = [1, found, n]
        else:
            found.append(n)


def _ballots(b: _Bundle):
    """Each ballot entry as (position, body, withdrawn), in chain order: `withdrawn` holds
    the positions the withdrawals before it took back (one set, growing as the walk goes:
    read it before the next item)."""
    ballots: dict[int, dict] = {}  # position → ballot body, for the withdrawals
    last: dict[str, int] = {}  # voter → position of their latest ballot so far
    withdrawn: set[int] = set()
    for n, e in b.entries():
        if e["kind"] == KIND:
            _withdraw(e["body"], ballots, last, withdrawn)
            continue
        if e["kind"] != "ballot":
            continue
        body = e["body"]
        ballots[n] = body
        last[body["voter"]] = n
        yield n, body, withdrawn


def check_scans(b: _Bundle, run: _Run) -> None:
    """6.13: no ballot has a scan in one role that it, or an earlier ballot no withdrawal
    before it took back, has in another; each such ballot fails once per scan, naming the
    earliest such holder and both roles."""
    holders = _Holders()
    for n, body, withdrawn in _ballots(b):
        scans = scans_of(body)
        reported: set[str] = set()
        for role, scan in scans:
            if scan in reported:
                continue
            found = [(m, other) for other in (FORM, LETTER, DEED) if other != role
                     for m in [holders.earliest(other, scan, withdrawn)] if m is not None]
            found += [(n, other) for other, same in scans if same == scan and other != role]
            if found:
                reported.add(scan)
                m, other = min(found)
                _fail(run, n, role, m, other, scan)
        for role, scan in scans:
            holders.add(role, scan, n)


def check_letter_holders(b: _Bundle, genesis: dict | None, run: _Run) -> None:
    """16.7: a proxy ballot fails when the earliest earlier ballot still holding its
    written authorisation (as 6.13 counts) names another holder. Without a genesis family
    16 does not run (check_procedure reports the skip)."""
    if genesis is None:
        return
    letters = _Holders()
    holder_at: dict[int, str] = {}  # position → holder, of the proxy ballots
    for n, body, withdrawn in _ballots(b):
        proxy = body.get("proxy")
        if proxy is None:
            continue
        letter, holder = proxy["authorisation"], proxy["holder"]
        m = letters.earliest(LETTER, letter, withdrawn)
        if m is not None and holder_at[m] != holder:
            scan, other = shown(letter, 64), shown(holder_at[m][:16], 16)
            run.fail("16.7", f"本条记录的授权委托书 {scan} 已用于第 {m} 条记录另一位受托人"
                             f"（{other}…）的委托票：一份授权委托书只委托一位受托人 / the "
                             f"written authorisation {scan} is already on entry {m} of "
                             f"another proxy ({other}…): one written authorisation names "
                             "one proxy", n)
        letters.add(LETTER, letter, n)
        holder_at[n] = holder


def _withdraw(body: dict, ballots: dict[int, dict], last: dict[str, int],
              withdrawn: set[int]) -> None:
    """A withdrawal of its voter's latest ballot, not withdrawn already, takes that ballot
    and the entries its corrections replaced back (the server marks them all withdrawn);
    any other fails 15.5–15.6 and takes nothing back."""
    target = body["withdraws"]
    if last.get(body["voter"]) != target or target in withdrawn:
        return
    withdrawn.update(chain_of(target, ballots, withdrawn))


def _fail(run: _Run, n: int, role: int, m: int, other: int, scan: str) -> None:
    (role_zh, role_en), (other_zh, other_en) = _ROLES[role], _ROLES[other]
    scan = shown(scan, 64)
    if m == n:
        run.fail("6.13", f"本条记录的{role_zh} {scan} 同时是本条记录的{other_zh}：同一份扫描件"
                         f"只能是表决票、授权委托书或过户证明之一 / the {role_en} {scan} of this "
                         f"entry is also its {other_en}: one scan is a ballot form, a written "
                         f"authorisation or a transfer deed, only one of them", n)
        return
    run.fail("6.13", f"本条记录的{role_zh} {scan} 已是第 {m} 条记录的{other_zh}：同一份扫描件"
                     f"只能是表决票、授权委托书或过户证明之一 / the {role_en} {scan} is "
                     f"already the {other_en} of entry {m}: one scan is a ballot form, a "
                     f"written authorisation or a transfer deed, only one of them", n)
