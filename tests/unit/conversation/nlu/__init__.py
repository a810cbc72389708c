"""Tests of the embedded NLU."""
