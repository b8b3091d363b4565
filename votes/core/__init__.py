"""The pure core of votes: counting, rules, tally, apportionment, chain and bundle.

Imports only the standard library and ``cryptography``; reads no clock, config or
randomness. The offline verifier runs on this package alone.
"""
