"""Participation pages, one module per audience: public (citizens), space (agents, moderators), staff."""
