"""Contract tests of the bank clients against the sandbox bank over real HTTP."""
