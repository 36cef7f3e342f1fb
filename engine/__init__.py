"""clipbridge's local video engine: a NemoVideo-compatible HTTP API that renders with FFmpeg.

It imports nothing from `core` or `bots`: it is a separate server that happens to ship in the
same package, reached over HTTP exactly like the cloud backend.
"""
