"""Core throughput at city scale: tally, apportionment and bundle verification.

    .venv/bin/python bench/core.py [UNITS]

Each figure is printed as a ratio to a baseline measured in the same run (hashing or
summing the same data), so machines of different speed give comparable numbers.
"""

from __future__ import annotations

import hashlib
import sys
import time

sys.path.insert(0, __import__("os").path.dirname(__file__) + "/..")

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from votes.core import chain, commitment, signing  # noqa: E402
from votes.core.apportion import apportion  # noqa: E402
from votes.core.canonical import digest_hex  # noqa: E402
from synthetic import close_and_write  # noqa: E402
from votes.core.counting import electorate  # noqa: E402
from votes.core.roll import AreaBasis, Scope, UnitRecord  # noqa: E402
from votes.core.rules import Matter, default_rules  # noqa: E402
from votes.core.tally import Choice, compute_tally  # noqa: E402
from votes.core.verifier import verify_bundle  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main(n: int) -> None:
    units = [UnitRecord(f"u{i}", str(i // 200 + 1), str(i // 50 % 4 + 1), f"{i % 50 + 101}",
                        8000 + i % 5000, AreaBasis.REGISTERED,
                        # most owners hold one unit; every tenth also holds the next one
                        frozenset({f"o{i - 1 if i % 10 == 1 else i}"}))
             for i in range(n)]
    baseline, _ = timed(lambda: sum(hashlib.sha256(u.unit_id.encode()).digest()[0]
                                    for u in units))
    t_elect, e = timed(lambda: electorate(units, Scope("all")))
    choices = {v.key: list(Choice)[i % 3] for i, v in enumerate(e.voters) if i % 4}
    rules = default_rules(Matter.USE_FUND)
    t_tally, _ = timed(lambda: compute_tally(e, choices, rules))
    t_share, _ = timed(lambda: apportion(356_000_00, units))

    key = Ed25519PrivateKey.generate()
    roll = {"units": [{"unit_id": u.unit_id, "building": u.building, "entrance": u.entrance,
                       "room": u.room, "area": u.area, "area_basis": "registered",
                       "voter": e.voter_of(u.unit_id).key} for u in e.units]}
    roll["total_area"], roll["total_headcount"] = e.total_area, e.total_headcount
    proposal = {"uid": "bench", "community": {"code": "B", "name": "B", "jurisdiction": ""},
                "title": "t", "description": "", "matter": "use_fund", "scope": "all",
                "items": [], "budget": 1, "documents": [], "emergency": False,
                "max_changes": 0, "publicity_start": "2026-01-01T00:00:00Z",
                "voting_start": "2026-01-02T00:00:00Z", "voting_end": "2026-01-09T00:00:00Z"}
    kid = signing.key_id(key.public_key())
    sealed = [chain.seal(chain.next_entry(None, proposal="bench", kind="genesis",
                                          time="2026-01-02T00:00:00Z", key_id=kid,
                                          body=chain.genesis_body(proposal, roll,
                                                                  rules.to_dict())), key)]
    openings = []
    for n, (voter, choice) in enumerate(choices.items()):
        salt = f"{n:064x}"  # fixed salts: a benchmark, not a vote
        openings.append(commitment.Opening(n + 1, choice.value, salt))
        body = chain.ballot_body(voter=voter, units=list(e.voter(voter).unit_ids),
                                 commitment=commitment.commit("bench", voter, choice.value,
                                                              salt),
                                 channel="paper", entered_by="c",
                                 evidence=digest_hex(f"form/{voter}".encode()))  # 6.12: own
        sealed.append(chain.seal(chain.next_entry(sealed[-1], proposal="bench", kind="ballot",
                                                  time="2026-01-03T00:00:00Z", key_id=kid,
                                                  body=body), key))
    data = close_and_write(sealed, proposal=proposal, roll=roll, rules=rules.to_dict(),
                           openings=openings, key=key, kid=kid)
    hash_base, _ = timed(lambda: hashlib.sha256(data).hexdigest())
    t_verify, report = timed(lambda: verify_bundle(data, key_ids=[kid]))
    assert report.ok, report.render()
    print(f"units {n}, voters {e.total_headcount}, ballots {len(choices)}, "
          f"bundle {len(data) // 1024} KiB")
    print(f"baseline: hash every unit id once = {baseline * 1000:.1f} ms")
    for name, t in (("group voters (SPC rule)", t_elect), ("tally", t_tally),
                    ("apportion budget", t_share)):
        print(f"{name:28s} {t / baseline:8.1f} × baseline")
    print(f"{'verify bundle':28s} {t_verify / baseline:8.1f} × baseline "
          f"({t_verify / max(hash_base, 1e-9):.0f} × hashing the bundle once)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
