"""Backstep's engine: numpy only, never Qt (tests/test_qt_free.py enforces it)."""
