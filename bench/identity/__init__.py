"""Identity benchmarks and calibration (issue 5)."""
