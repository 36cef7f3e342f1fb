"""The engine's HTTP face: the Starlette app, its routes and answer envelope, SSE, and the
server that runs it (in the foreground or in a thread for tests and `NEMO_API_BASE=local`)."""
