"""A word-level tokenizer for the symbolic suite, saved in Hugging Face format.

Whitespace-separated words map 1:1 to ids; ``[CLS] … [SEP]`` is added around every input.
One vocabulary covers every symbolic task so any model of the suite reads any task's text.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def vocabulary(extra_words: Iterable[str]) -> list[str]:
    """Specials first, then the sorted distinct words (deterministic ids)."""
    return [*SPECIALS, *sorted(set(extra_words) - set(SPECIALS))]


def build_tokenizer(words: list[str]):
    """A ``PreTrainedTokenizerFast`` (WordLevel, whitespace pre-tokeniser, CLS/SEP template)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(words)}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", vocab["[CLS]"]),
                                                  ("[SEP]", vocab["[SEP]"])])
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
        sep_token="[SEP]", mask_token="[MASK]", model_max_length=64,
    )


def save_tokenizer(words: list[str], out: Path) -> None:
    """Write the tokenizer for ``words`` to directory ``out`` (HF format)."""
    build_tokenizer(words).save_pretrained(out)
