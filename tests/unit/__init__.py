"""Unit tests: the domain with fakes, no network."""
