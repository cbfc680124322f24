"""Benchmarks of DOM CCTV (run as modules from the repository root: ``python -m bench.ingest``).

See bench/README.md for the commands, the method and the latest results.
"""
