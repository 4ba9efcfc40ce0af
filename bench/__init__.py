"""make bench: the benchmark of issue 11 (python -m bench.run)."""
