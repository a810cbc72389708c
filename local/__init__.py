"""Development-only pieces: the local cloud, the bank sandbox, the fake messenger platforms."""
