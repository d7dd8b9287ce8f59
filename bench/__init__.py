"""Benchmarks at plant scale: a generated large facility (generate.py) and timed use cases (run.py)."""
