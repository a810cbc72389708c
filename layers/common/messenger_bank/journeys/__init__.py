"""Journeys: Step Functions state machines started by the conversation, and the waits they park."""
