"""Coordination forms, one module per part (as ``models``)."""
