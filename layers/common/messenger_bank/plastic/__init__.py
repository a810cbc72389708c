"""Physical (plastic) cards: the delivery address, the order at core banking, and its tracking."""
