"""budget rules."""
