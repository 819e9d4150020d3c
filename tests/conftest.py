"""Shared fixtures: one throwaway workspace per test session, offline hub, tiny local models."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: the one wall-clock limit of the default tier (seconds): generous, so a loaded 2-core machine
#: never fails a test on time; speed is measured by benchmark commands, not by tests
WALL_LIMIT_S = 900


@pytest.fixture(scope="session", autouse=True)
def _session_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Point M2KT_HOME at a fresh workspace for the whole session (converted models are shared
    across tests; the user's own workspace is never touched) and keep the hub offline."""
    home = tmp_path_factory.mktemp("m2kt_home")
    os.environ["M2KT_HOME"] = str(home)
    os.environ["HF_HUB_OFFLINE"] = "1"
    return home


def run_cli(*args: str, env: dict[str, str] | None = None,
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m m2kt ARGS`` from the repository root and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "m2kt", *args], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, **(env or {})}, timeout=WALL_LIMIT_S, input=stdin,
    )


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random BERT (2 layers, hidden 32) saved as an HF dir with the MiniLM tokenizer."""
    from transformers import AutoTokenizer, BertConfig, BertModel

    from m2kt.models.builtins import BUILTINS

    out = tmp_path_factory.mktemp("tiny_bert")
    cfg = BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, vocab_size=30522)
    BertModel(cfg).save_pretrained(out, safe_serialization=True)
    AutoTokenizer.from_pretrained(BUILTINS["minilm-l6"].locate()).save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def tiny_gpt2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random GPT-2 decoder (2 layers, hidden 32) with the MiniLM tokenizer."""
    import torch
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    from m2kt.models.builtins import BUILTINS

    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("tiny_gpt2")
    cfg = GPT2Config(n_embd=32, n_layer=2, n_head=2, vocab_size=30522, n_positions=64)
    GPT2LMHeadModel(cfg).save_pretrained(out, safe_serialization=True)
    AutoTokenizer.from_pretrained(BUILTINS["minilm-l6"].locate()).save_pretrained(out)
    return out
