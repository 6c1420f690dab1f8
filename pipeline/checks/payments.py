"""payments rules."""
