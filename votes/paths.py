"""Where the project's non-package folders live (the repository root holds them)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"
TEMPLATES_DIR = ROOT / "templates"
MIGRATIONS_DIR = ROOT / "migrations"
STATIC_DIR = Path(__file__).resolve().parent / "static"
