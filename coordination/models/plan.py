"""plan (see coordination/models/__init__.py)."""

__all__: list[str] = []
