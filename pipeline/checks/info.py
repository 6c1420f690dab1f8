"""info rules."""
