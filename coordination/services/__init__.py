"""Writes to the coordination loop, one module per part (as ``models``).

Every module keeps the invariants of ``children.services``: the caller has
authorized the actor through ``access``; every write is one transaction with
``full_clean()`` and an audit event; a stale version is refused
(``ConcurrentEdit``).
"""
