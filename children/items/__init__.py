"""The generic machinery for a child's rows: every app's items use it."""
