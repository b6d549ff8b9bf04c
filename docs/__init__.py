"""The docs generator (docs/generate.py), importable for the tests."""
