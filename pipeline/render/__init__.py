"""Renderers: finished values in, bytes out. They never recompute a score and never touch the disk."""
