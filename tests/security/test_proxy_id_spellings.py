"""A dishonest clerk against the proxy limit (§16): the proxy's ID spelled another way
(full-width digits, odd spaces, a hyphen) must still be the same holder."""

from __future__ import annotations

import pytest

from tests.factories import make_open_proposal
from tests.test_procedure import PROXY_ID, _ballots_file, _chain, _proxy_row

FULL_WIDTH = PROXY_ID.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})


@pytest.mark.parametrize("spelling", [
    FULL_WIDTH,                                # ０-９: a valid check digit, read by int()
    PROXY_ID[:6] + "\u3000" + PROXY_ID[6:],    # an ideographic space
    PROXY_ID[:6] + "\u200b" + PROXY_ID[6:],    # a zero-width space
    PROXY_ID[:6] + "-" + PROXY_ID[6:],         # a hyphen
    PROXY_ID[:6] + "\u00a0" + PROXY_ID[6:],    # a no-break space
])
def test_another_spelling_of_the_proxys_id_does_not_pass_the_limit(app, runner, tmp_path,
                                                                    spelling):
    vote = make_open_proposal(app, runner, tmp_path, rules=["proxy_limit=1"])
    first = runner.invoke(args=["ballots", "import", str(vote["id"]),
                                _ballots_file(tmp_path, [_proxy_row("1", "101")])])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["ballots", "import", str(vote["id"]), _ballots_file(
        tmp_path, [_proxy_row("1", "102", proxy_id=spelling)], "second.csv")])
    assert second.exit_code != 0, second.output
    assert "Traceback" not in second.output
    assert len([e for e in _chain(app, vote) if e["kind"] == "ballot"]) == 1


def test_a_proxys_id_in_full_width_digits_counts_as_the_same_holder(app, runner, tmp_path):
    """Not refused outright: folded to the same ID, so the holder is the same person."""
    vote = make_open_proposal(app, runner, tmp_path, rules=["proxy_limit=2"])
    rows = [_proxy_row("1", "101"), _proxy_row("1", "102", proxy_id=FULL_WIDTH)]
    result = runner.invoke(args=["ballots", "import", str(vote["id"]),
                                 _ballots_file(tmp_path, rows)])
    assert result.exit_code == 0, result.output
    holders = {e["body"]["proxy"]["holder"] for e in _chain(app, vote) if e["kind"] == "ballot"}
    assert len(holders) == 1
