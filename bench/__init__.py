"""Benchmarks (`make bench`). Not tests: nothing here is named test_*.py."""
