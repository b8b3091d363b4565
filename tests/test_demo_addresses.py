"""`votes demo` prints the addresses to open: with VOTES_BASE_URL set (the demo behind a
proxy, or reached from a phone by the machine's name) the owners' voting links used it,
while the start page, the board and the staff sign-in were printed with the listening
host and port — two addresses for one site in the same few lines."""

from __future__ import annotations

import re


def test_every_address_the_demo_prints_is_on_the_configured_base(app, runner):
    app.config["BASE_URL"] = "https://votes.example.test/"
    result = runner.invoke(args=["demo", "--no-run", "--port", "5999"])
    assert result.exit_code == 0, result.output
    addresses = re.findall(r"https?://[^\s（）]+", result.output)
    assert len(addresses) >= 5, result.output  # open, board, two owners, staff sign-in
    assert all(a.startswith("https://votes.example.test/") for a in addresses), addresses
    assert "127.0.0.1" not in result.output and "//votes.example.test//" not in result.output


def test_without_a_base_the_demo_prints_where_it_listens(app, runner):
    app.config["BASE_URL"] = ""
    result = runner.invoke(args=["demo", "--no-run", "--port", "5999"])
    assert result.exit_code == 0, result.output
    addresses = re.findall(r"https?://[^\s（）]+", result.output)
    assert addresses and all(a.startswith("http://127.0.0.1:5999/") for a in addresses)
