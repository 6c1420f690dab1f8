"""narrative rules."""
