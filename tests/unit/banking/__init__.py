"""Unit tests of the bank clients: no network."""
