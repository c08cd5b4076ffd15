"""Standards engine: the plans' rules as data (TOML profiles), evaluated per area."""

from .typing_report import TypingReport, typing_report

__all__ = ["TypingReport", "typing_report"]
