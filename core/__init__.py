"""clipbridge's core: conversations, intents, sessions, durable jobs and the NemoVideo client.

It imports no chat library and nothing from `bots`; adapters fill its ports (`core.ports`).
"""
