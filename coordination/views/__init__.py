"""Coordination pages, one module per part (as ``models``)."""
