"""Indicators of action #5."""
