"""Standards engine: the plans' rules as data (TOML profiles), evaluated per area."""
