"""Hypothesis without per-example deadlines: the machines these run on are shared, and a
slow example is not a wrong one (the verifier's fuzz test bounds its own time)."""

from hypothesis import settings

settings.register_profile("shared-machine", deadline=None)
settings.load_profile("shared-machine")
