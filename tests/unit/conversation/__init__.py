"""Tests of the conversation context."""
