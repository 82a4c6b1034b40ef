"""Benchmarks and evaluations, run as scripts (``python benchmarks/NAME.py``)."""
