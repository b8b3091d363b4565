"""Enumerations that people type in Chinese or English (roll files, ballot files)."""

from __future__ import annotations

from enum import Enum


_words: dict[type, dict[str, str]] = {}


class Labelled(str, Enum):
    """A str enum with a Chinese label per value, parsed from either language."""

    @classmethod
    def labels(cls) -> dict[str, str]:
        """value -> Chinese label."""
        raise NotImplementedError

    @classmethod
    def aliases(cls) -> dict[str, str]:
        """Other Chinese words people use -> value."""
        return {}

    @property
    def label_zh(self) -> str:
        return type(self).labels()[self.value]

    @classmethod
    def parse(cls, text: str):
        """Accept the English value or a Chinese label; ValueError otherwise."""
        value = (text or "").strip()
        chinese = _words.get(cls)
        if chinese is None:  # once per enum: a roll file parses two of them per row
            chinese = _words[cls] = {zh: v for v, zh in cls.labels().items()} | cls.aliases()
        try:
            return cls(chinese.get(value, value.lower()))
        except ValueError:
            raise ValueError(f"unknown {cls.__name__}: {text!r}") from None
