"""The offline verifier: re-checks a bundle step by step, trusting only anchored public keys.

Every failure names its step (docs/verification.md §5) so a regulator can look it up; a
step that cannot run says why. Nothing in a bundle, however malformed, raises out of here.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

from votes.core import sigbatch, signing
from votes.core.bidi import shown
from votes.core.bulk_gc import paused_gc
from votes.core.bundle import OLDER_FORMATS
from votes.core.bundle_zip import read_members
from votes.core.chain import SealedEntry
from votes.core.participation import unit_participation
from votes.core.canonical import parse_time
from votes.core.objection import period_end
from votes.core.procedure import objection_days
from votes.core.report_text import BEIJING
from votes.core.tally import Tally
from votes.core.verifier_base import (Anchor, _Bundle, _Run, canonical_b64,  # noqa: F401
                                      fingerprint, normalise_fingerprint)
from votes.core.verifier_integrity import (_check_digests, _check_links, _check_manifest,
                                           _parse_files, load_keys_file)
from votes.core.verifier_report import (EXIT_CODES, FAILED, IN_PROGRESS, PRELIMINARY,
                                        UNANCHORED, VERIFIED, Failure, Report)
from votes.core.verifier_correction import check_corrections
from votes.core.verifier_follow import check_follow
from votes.core.verifier_forms import check_forms
from votes.core.verifier_subject import subject_lines
from votes.core.verifier_scans import check_letter_holders, check_scans
from votes.core.verifier_objection import after_close_lines, check_objections
from votes.core.verifier_local_rules import check_procedure
from votes.core.verifier_vote import _check_ballots, _check_close, _check_genesis
from votes.core.verifier_withdrawal import check_withdrawals
from votes.core.verifier_witness import check_receipt, check_witness
from votes.core.withdrawal import counted
from votes.core.verifier_works import check_emergency, check_works, is_emergency


def verify_bundle(source, *, head: str | None = None,
                  trusted_keys: signing.KeyRing | None = None, key_ids=(), fingerprints=(),
                  trust_bundle_keys: bool = False, jobs: int = 1,
                  witness_keys: signing.KeyRing | None = None, receipts=(),
                  cosignatures=(), allow_formats=(), participation: bool = False,
                  find_receipts=(), progress: Callable[[str], None] | None = None) -> Report:
    """Check a bundle (path, bytes or binary file) against a trust anchor; return the report.

    The anchor is the regulator's: trusted_keys (a --keys file), key ids or fingerprints
    given out of band, or trust_bundle_keys (then compare the printed fingerprints by hand).
    Without one the outcome is at best UNANCHORED, never VERIFIED. jobs > 1 shares the
    signature checks (and the device keys' P-256 checks) among that many processes.

    allow_formats: older bundle formats (bundle.OLDER_FORMATS) the caller expects, each then
    verified by the rules of its own version of the specification; a bundle of an older
    format not listed fails step 3.4. ValueError for a format that is not an older one.

    participation: also list, per unit, whether a ballot counted and its channel (§12), in
    the report's `participation`, for a bundle that did not fail.

    find_receipts: receipt codes as an owner wrote them down, each looked up in the chain
    checked here (§11.2), in the report's `receipt_lookups`, for a bundle that did not fail.
    progress: called with a step's number (§5) as the check of it begins ("4.4" last, the
    signatures gathered on the way), for a caller that shows how far it is; nothing it
    raises is caught.
    """
    allowed = tuple(allow_formats)
    unknown = [f for f in allowed if f not in OLDER_FORMATS]
    if unknown:
        raise ValueError(f"not an older bundle format: {unknown[0]!r} (older formats: "
                         f"{', '.join(OLDER_FORMATS)})")
    anchor = Anchor(trusted_keys, tuple(key_ids),
                    tuple(normalise_fingerprint(f) for f in fingerprints), trust_bundle_keys)
    run = _Run(signatures=sigbatch.Batch(jobs))
    try:
        with paused_gc():
            return _verify(source, head, anchor, run, witness_keys, receipts, cosignatures,
                           allowed, participation, tuple(find_receipts), progress or _quiet)
    finally:
        run.signatures.close()


def _quiet(step: str) -> None:
    pass


def _verify(source, head, anchor: Anchor, run: _Run, witness_keys, receipts,
            cosignatures, allow_formats: tuple[str, ...], participation: bool,
            find: tuple[str, ...] = (), progress: Callable[[str], None] = _quiet) -> Report:
    progress("1")
    files = run.guarded("1.1", read_members, source, run.fail)
    if files is None:
        if not run.failures:
            run.fail("1.1", "不是可读取的 ZIP 压缩包 / not a readable ZIP file")
        return _unreadable(run, anchor, "导出包的文件无法读取（第 1 步） / the bundle's files "
                                        "could not be read (step 1)")
    run.signatures.expect(files.get("chain.jsonl", b"").count(b"\n"))
    b = _Bundle(files)
    run.guarded("1.4", _parse_files, b, run)
    if b.unread:
        return _unreadable(run, anchor, "chain.jsonl 未能读到末尾（1.4） / chain.jsonl could "
                                        "not be read to its end (1.4)")
    progress("2")
    run.guarded("2.1", _check_digests, b, run)
    progress("3")
    run.guarded("3.1", _check_manifest, b, anchor, run, allow_formats)
    progress("4")
    run.guarded("4.1", _check_links, b, run)
    run.signatures.flush()  # other cores check the chain's signatures from here on
    progress("5")
    genesis = run.guarded("5.1", _check_genesis, b, run)
    progress("6")
    run.guarded("6.1", _check_ballots, b, run)
    run.guarded("6.12", check_forms, b, run)
    run.guarded("6.13", check_scans, b, run)
    run.signatures.flush()  # the device signatures too, while the close is checked
    emergency = b.version == 3 and is_emergency(b)
    if emergency:  # no vote: nothing to close or count (§18.6; 18.8 runs instead)
        run.skip("7.1–8.1", "应急使用（§18.6）：未经业主表决，没有表决结束记录，也不计票 / "
                            "an emergency use (§18.6): no vote was held, so there is no "
                            "close and no tally")
        tally, interim = None, False
    else:
        progress("7")
        tally, interim = (run.guarded("7.1", _check_close, b, genesis, run) or (None, False))
    if head is not None:
        wanted = head.strip().lower()
        if wanted not in b.digests:
            run.fail("9.1", f"本链中没有摘要为 {head[:70]} 的记录：本链并未延续您记下的链头 / "
                            f"digest {head[:70]} is not an entry of this chain: the chain does "
                            "not extend the head you noted")
    progress("10")
    witnessed = run.guarded("10.1", check_witness, b, witness_keys, run, cosignatures)
    for number, receipt in enumerate(receipts, 1):
        run.guarded("11.1", check_receipt, b, number, receipt, run)
    if b.version == 2:  # format votes-bundle/1: the rules of version 2, which end at 11
        run.skip("15–19", "votes-bundle/1 格式的导出包按规范第 2 版核对，该版没有第 15–19 步 "
                          "/ a bundle of format votes-bundle/1 is verified by the rules of "
                          "version 2 of the specification, which has no steps 15–19")
        works = None
    else:
        progress("15")
        works = _after_the_vote(b, genesis, tally, emergency, run)
    progress("4.4")  # the signatures gathered on the way, checked together
    run.guarded("4.4", run.check_signatures)
    preliminary = _preliminary(b, genesis, tally)
    report = _report(b, anchor, run, tally, interim, genesis if preliminary else None)
    procedure = run.guarded("17.1", after_close_lines, b) or ()
    # From what was read and checked here: read again, the file may have been swapped.
    rows = _participation(b) if participation and report.outcome != FAILED else None
    lookups = _lookups(b, find) if find and report.outcome != FAILED else None
    return dataclasses.replace(report, witnessed=witnessed, receipts=len(receipts),
                               procedure=procedure, preliminary=preliminary,
                               proposal=shown(b.uid, 80) if b.uid is not None else None,
                               subject=run.guarded("5.5", subject_lines, b.proposal) or (),
                               participation=rows, works=works, receipt_lookups=lookups)


def _preliminary(b: _Bundle, genesis, tally) -> bool | None:
    """Whether the close is a preliminary result still awaiting its final one (True), or
    one whose final result the bundle holds (False); None where the close is the result
    (no objection period, §17) or nothing was counted."""
    if genesis is None or not isinstance(tally, Tally) or not objection_days(genesis["rules"]):
        return None
    return not b.entries("result")


def _objections_until(b: _Bundle, genesis) -> str:
    """When the objection period ends (§17), in Beijing time as a person reads it: the
    seconds too when the close had any, so that the time said is never after the end."""
    close = b.entries("close")[0][1]
    end = period_end(parse_time(close["time"]), objection_days(genesis["rules"]))
    try:
        local = end.astimezone(BEIJING)
    except OverflowError:  # past year 9999: not after 5.7 (at most 30 days), but never raise
        return end.strftime("%Y-%m-%dT%H:%M:%SZ")
    return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")


def _participation(b: _Bundle) -> tuple[dict, ...]:
    """§12's list, from a bundle that failed no step (its roll and every line typed)."""
    chain = [SealedEntry(line["entry"], line["digest"], line["sig"]) for line in b.lines]
    return tuple(unit_participation(b.roll, chain))


def _lookups(b: _Bundle, codes: tuple[str, ...]) -> tuple[dict, ...]:
    """§11.2: each receipt code looked up in the chain of a bundle that failed no step."""
    from votes.core.receipt_find import find_receipts

    chain = [SealedEntry(line["entry"], line["digest"], line["sig"]) for line in b.lines]
    return find_receipts(chain, codes)


def _unreadable(run: _Run, anchor: Anchor, why: str) -> Report:
    """The report of a bundle too damaged to check beyond step 1 (§5)."""
    run.skip("2–19", why)
    return Report(FAILED, tuple(run.failures), None, None, 0, 0, 0, anchor=anchor.describe(),
                  skipped=tuple(run.skipped))


def _after_the_vote(b: _Bundle, genesis, tally, emergency: bool, run: _Run):
    """Steps 15–19 (version 3), in the order of §5; the works figures step 18 checked."""
    run.guarded("15.1", check_corrections, b, run)
    run.guarded("15.4", check_withdrawals, b, run)
    run.guarded("16.1", check_procedure, b, genesis, run)
    run.guarded("16.7", check_letter_holders, b, genesis, run)
    run.guarded("17.1", check_objections, b, genesis, run)
    works = run.guarded("18.1", check_works, b, genesis, run)
    if emergency:
        run.guarded("18.8", check_emergency, b, run)
    run.guarded("19.1", check_follow, b, genesis, tally, run)
    return works


def _report(b: _Bundle, anchor: Anchor, run: _Run, tally, interim: bool,
            awaiting: dict | None = None) -> Report:
    """awaiting: the genesis of a closed vote still awaiting its final result (§17)."""
    ballots = b.entries("ballot")
    # Voters with a counted ballot: one whose ballot a withdrawal took back has none (§15).
    voters = counted(b.entries())
    if run.failures:
        outcome = FAILED
    elif not b.anchored:
        outcome = UNANCHORED
    else:
        outcome = IN_PROGRESS if interim else PRELIMINARY if awaiting else VERIFIED
    fps = tuple((kid, fingerprint(k)) for kid, k in sorted(b.keyring.keys.items()))
    signer = None
    if b.signer and b.keyring.get(b.signer):
        signer = f"{b.signer} (fingerprint {fingerprint(b.keyring.get(b.signer))})"
    return Report(outcome, tuple(run.failures), tally,
                  b.digests[-1] if b.digests else None, len(b.lines), len(ballots),
                  len(voters), tuple(sorted(b.keyring.keys)), signer, fps,
                  anchor.describe(), tuple(run.skipped),
                  objections_until=(_objections_until(b, awaiting) if outcome == PRELIMINARY
                                    else None))


__all__ = ["verify_bundle", "load_keys_file", "fingerprint", "normalise_fingerprint",
           "canonical_b64", "Report", "Failure", "Anchor", "EXIT_CODES", "VERIFIED", "FAILED",
           "IN_PROGRESS", "UNANCHORED", "PRELIMINARY"]
