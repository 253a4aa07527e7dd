"""The box's application.

config     box config (TOML + ZHIFANG_BOX_* environment overrides)
outbox     SQLite outbox: committed before published, gap-free seq
transport  the broker connection interface + MemoryTransport (fake)
mqtt       PahoTransport: MQTT v5, QoS 1, persistent session, jittered reconnect
forwarder  outbox → broker, PUBACK reason codes, status/last will, resend command
session    one reception as a state machine that writes events
box        all of the above assembled: Box(config, transport=...)
simulate   scripted demo receptions on fake hardware; cli: ``zhifang appliance``
"""
