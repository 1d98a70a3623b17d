"""Orchestration: plans, the task runner, the tool loop and the event stream."""
