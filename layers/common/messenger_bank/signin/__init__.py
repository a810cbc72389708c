"""The sign-in zone: binding a chat to a bank customer, the session that binding gives, asking again."""
