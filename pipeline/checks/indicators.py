"""indicators rules."""
