"""Grace when a bank system is down: who asked to be told when it is back, and telling them once it is."""
