"""Benchmarks for issue 8: `python -m bench.run` measures intake, pipeline, delivery, replay and
the web app and writes bench/RESULTS.md. Not run by CI."""
