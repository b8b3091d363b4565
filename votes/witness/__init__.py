"""The witness: a small process run by a third party (the regulator, the sub-district
office) that cosigns proposals' chain heads after checking each extends the last one it
cosigned, and keeps proof of any fork. It needs no app database and no app configuration:
its own key file, its own SQLite file, and the apps' public URLs."""

# Seconds one round may take in all, over every app and proposal (here, not in the poller:
# `votes --help` shows it without loading the witness's crypto).
ROUND_BUDGET = 600
