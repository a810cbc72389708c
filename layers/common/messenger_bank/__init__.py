"""Messenger Bank: the domain shared by every Lambda (one sub-package per bounded context)."""
