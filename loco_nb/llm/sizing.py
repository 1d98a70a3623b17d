"""Sizes of models: parameter counts from server metadata or from the model id.

Thresholds place the embedded models where loco_nb expects them: 0.5B is S and
1.5B is M. A 7B or 14B coder is L, and anything from 20B up is XL.
"""

from __future__ import annotations

import re
from typing import Any

from ..models import ModelSize

# Upper bounds, in billions of parameters, of XS, S, M and L; larger is XL.
_BOUNDS = ((0.3, ModelSize.XS), (1.0, ModelSize.S), (4.0, ModelSize.M), (20.0, ModelSize.L))

# "14b", "1.5B", "135m" and "8x7b", not preceded by a digit or a dot (so the
# "2.5" of "qwen2.5" is never read as a count) and not followed by a letter.
_COUNT = re.compile(r"(?<![\d.])(?:(\d+)x)?(\d+(?:\.\d+)?)([bm])(?![a-z])")


def size_for(billions: float) -> ModelSize:
    """Return the size of a model with ``billions`` parameters."""
    for bound, size in _BOUNDS:
        if billions < bound:
            return size
    return ModelSize.XL


def parameters_from_id(model_id: str) -> float | None:
    """Return the parameter count in billions written in a model id, or None.

    ``qwen2.5-coder-14b`` gives 14.0, ``SmolLM2-135M`` 0.135 and
    ``mixtral-8x7b`` 56.0. When an id names several counts the largest wins,
    because a draft or vision part is never the main model.
    """
    counts = []
    for experts, number, unit in _COUNT.findall(model_id.lower()):
        value = float(number) * (int(experts) if experts else 1)
        counts.append(value / 1000 if unit == "m" else value)
    return max(counts) if counts else None


def parameters_from_metadata(entry: dict[str, Any]) -> float | None:
    """Return the parameter count a server reports for a model, in billions, or None.

    Reads llama.cpp's ``meta.n_params``, Ollama's ``details.parameter_size``
    (such as ``"7.6B"``) and a plain ``parameters`` or ``params`` field.
    """
    meta = entry.get("meta")
    if isinstance(meta, dict) and isinstance(meta.get("n_params"), (int, float)):
        return float(meta["n_params"]) / 1e9

    details = entry.get("details")
    if isinstance(details, dict) and isinstance(details.get("parameter_size"), str):
        return parameters_from_id(details["parameter_size"])

    for key in ("parameters", "params"):
        value = entry.get(key)
        if isinstance(value, (int, float)) and value > 0:
            return float(value) / 1e9 if value > 1e6 else float(value)
        if isinstance(value, str):
            return parameters_from_id(value)
    return None


def size_of(entry: dict[str, Any]) -> tuple[ModelSize, str] | None:
    """Return a model's size and where it came from ("metadata" or "id"), or None."""
    billions = parameters_from_metadata(entry)
    if billions is not None:
        return size_for(billions), "metadata"
    billions = parameters_from_id(str(entry.get("id", "")))
    if billions is not None:
        return size_for(billions), "id"
    return None
