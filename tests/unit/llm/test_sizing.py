"""Unit tests of loco_nb.llm.sizing: parameter counts from ids and metadata, and the thresholds."""

from __future__ import annotations

from typing import Any

import pytest

from loco_nb.llm.sizing import parameters_from_id, parameters_from_metadata, size_for, size_of
from loco_nb.models import ModelSize

# parameter counts written in model ids


@pytest.mark.parametrize(
    ("model_id", "billions"),
    [
        ("qwen2.5-coder-14b", 14.0),
        ("qwen2.5-coder-1.5b-instruct-q4_k_m", 1.5),
        ("Qwen2.5-Coder-1.5B-Instruct", 1.5),
        ("SmolLM2-135M-Instruct", 0.135),
        ("mixtral-8x7b-instruct", 56.0),
        ("llama3.1:8b", 8.0),
        ("qwen2.5:0.5b", 0.5),
        ("gpt-oss-20b", 20.0),
        ("mlx-community/Qwen2.5-Coder-7B-Instruct-4bit", 7.0),
        ("qwen2.5-7b-instruct-1m", 7.0),
    ],
)
def test_count_read_from_id(model_id: str, billions: float) -> None:
    assert parameters_from_id(model_id) == pytest.approx(billions)


def test_version_not_read_as_count() -> None:
    # The "2.5" of qwen2.5 is a version: the id names 14B, not 2.5B.
    assert parameters_from_id("qwen2.5-coder-14b") != pytest.approx(2.5)


@pytest.mark.parametrize(
    "model_id",
    [
        "gpt-4o",
        "deepseek-coder-v2-lite-instruct",
        "phi-3-mini-4k-instruct",
        "codestral-latest",
        "scripted-coder",
        "",
    ],
)
def test_id_without_count_gives_none(model_id: str) -> None:
    assert parameters_from_id(model_id) is None


# counts reported by servers


def test_llama_cpp_n_params_read() -> None:
    entry = {"id": "model.gguf", "meta": {"n_params": 1_543_714_304, "n_ctx_train": 32768}}

    assert parameters_from_metadata(entry) == pytest.approx(1.543714304)


def test_ollama_parameter_size_read() -> None:
    entry = {"id": "qwen2.5-coder:latest", "details": {"parameter_size": "7.6B"}}

    assert parameters_from_metadata(entry) == pytest.approx(7.6)


def test_ollama_millions_read() -> None:
    entry = {"id": "qwen2.5:0.5b", "details": {"parameter_size": "494.03M"}}

    assert parameters_from_metadata(entry) == pytest.approx(0.49403)


@pytest.mark.parametrize(
    ("value", "billions"), [(7_000_000_000, 7.0), (7, 7.0), (0.5, 0.5), ("3B", 3.0)]
)
def test_plain_parameters_field_read(value: object, billions: float) -> None:
    assert parameters_from_metadata({"id": "x", "parameters": value}) == pytest.approx(billions)


def test_entry_without_metadata_gives_none() -> None:
    assert parameters_from_metadata({"id": "qwen2.5-coder-14b", "object": "model"}) is None


def test_metadata_wins_over_id() -> None:
    # An alias can carry a misleading count; what the server measured is trusted first.
    entry = {"id": "my-70b-alias", "meta": {"n_params": 494_000_000}}

    assert size_of(entry) == (ModelSize.S, "metadata")


def test_size_from_id_when_no_metadata() -> None:
    assert size_of({"id": "qwen2.5-coder-14b"}) == (ModelSize.L, "id")


def test_size_unknown_gives_none() -> None:
    assert size_of({"id": "gpt-4o"}) is None


# thresholds: XS < 0.3B <= S < 1B <= M < 4B <= L < 20B <= XL


@pytest.mark.parametrize(
    ("billions", "size"),
    [
        (0.135, ModelSize.XS),
        (0.299, ModelSize.XS),
        (0.3, ModelSize.S),
        (0.5, ModelSize.S),
        (0.999, ModelSize.S),
        (1.0, ModelSize.M),
        (1.5, ModelSize.M),
        (3.99, ModelSize.M),
        (4.0, ModelSize.L),
        (14.0, ModelSize.L),
        (19.9, ModelSize.L),
        (20.0, ModelSize.XL),
        (56.0, ModelSize.XL),
    ],
)
def test_size_thresholds(billions: float, size: ModelSize) -> None:
    assert size_for(billions) == size


@pytest.mark.parametrize(
    ("entry", "size"),
    [
        ({"id": "qwen2.5-coder-14b"}, ModelSize.L),
        ({"id": "qwen2.5-coder-1.5b-instruct"}, ModelSize.M),
        ({"id": "SmolLM2-135M"}, ModelSize.XS),
        ({"id": "mixtral-8x7b"}, ModelSize.XL),
        ({"id": "llama3.1:8b"}, ModelSize.L),
        ({"id": "x", "details": {"parameter_size": "7.6B"}}, ModelSize.L),
    ],
)
def test_size_of_entries(entry: dict[str, Any], size: ModelSize) -> None:
    sized = size_of(entry)

    assert sized is not None
    assert sized[0] == size
