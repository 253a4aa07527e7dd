"""Alerts: clock due-soon/overdue, high-risk receptions, review items.

Stored rows (shown in the console, streamed over SSE) and MQTT commands to the
officer's box through ``central.publisher.CommandPublisher``.
"""
