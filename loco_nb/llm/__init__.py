"""Models: the OpenAI-compatible client, the size router and the embedded server."""
