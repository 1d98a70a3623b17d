"""The embedded llama.cpp server and its verified Qwen2.5-Coder weights."""

from .server import EmbeddedServer, Endpoint
from .weights import EMBEDDED_WEIGHTS, WeightSpec, ensure_weights

__all__ = ["EMBEDDED_WEIGHTS", "EmbeddedServer", "Endpoint", "WeightSpec", "ensure_weights"]
