"""The workspace embedding cache."""

from __future__ import annotations


def test_the_last_layer_shares_its_cache_entry_however_it_is_named(tiny_bert_dir,
                                                                    tmp_path) -> None:
    from m2kt.models import load
    from m2kt.models.embcache import cached_encode

    lm = load(str(tiny_bert_dir))
    a = cached_encode(lm, ["a", "b"], layer=-1, cache_dir=tmp_path)
    b = cached_encode(lm, ["a", "b"], layer=lm.info.layers, cache_dir=tmp_path)
    assert (a == b).all() and len(list(tmp_path.glob("*.safetensors"))) == 1
