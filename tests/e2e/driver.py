"""The chat driver of the end-to-end suites lives with the local cloud (local/chat.py), so that the
benches use the same one."""

from local.chat import Chat, Person, buttons_in, invoke_operation, journey_history, onboard

__all__ = ["Chat", "Person", "buttons_in", "invoke_operation", "journey_history", "onboard"]
