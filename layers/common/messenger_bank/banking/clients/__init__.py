"""One client per bank system; each turns its system's failures into ``messenger_bank.errors``."""
