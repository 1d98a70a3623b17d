"""The embedded llama.cpp server: verified weights, reuse across processes, a real answer."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from loco_nb import Assistant, WeightsError
from loco_nb.config import load_settings
from loco_nb.llm.embedded import EmbeddedServer
from loco_nb.llm.embedded.weights import QWEN_05B, ensure_weights

pytestmark = pytest.mark.slow


def test_tampered_digest_rejected(tmp_path: Path) -> None:
    wrong = dataclasses.replace(QWEN_05B, sha256="0" * 64)

    with pytest.raises(WeightsError, match="SHA-256") as caught:
        ensure_weights(wrong, tmp_path)

    assert QWEN_05B.sha256 in str(caught.value)
    assert not (tmp_path / QWEN_05B.filename).exists()
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == []


def test_second_process_reuses_server() -> None:
    settings = load_settings()
    owner = EmbeddedServer(settings)
    try:
        first = owner.endpoints()
        probe = (
            "from loco_nb.config import load_settings\n"
            "from loco_nb.llm.embedded import EmbeddedServer\n"
            "e = EmbeddedServer(load_settings()).endpoints()\n"
            "print({k.value: v.base_url for k, v in e.items()})\n"
        )
        output = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
        ).stdout
        state = json.loads((settings.run_dir / "embedded.json").read_text())
    finally:
        owner.stop()

    assert output.strip() == str({k.value: v.base_url for k, v in first.items()})
    assert state["owner"].startswith("kernel:")
    assert not (settings.run_dir / "embedded.json").exists()


def test_small_model_reads_requested_file(project: Path) -> None:
    assistant = Assistant(project)
    try:
        message = assistant.ask("Show me util.py", model="S")
    finally:
        assistant.close()

    assert [(c.name, c.params.get("path")) for c in message.tool_calls][:1] == [
        ("read_file", "util.py")
    ]
    assert "greet" in message.content
