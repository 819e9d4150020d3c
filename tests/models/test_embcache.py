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


def test_several_layers_are_encoded_once_and_served_from_the_cache(tiny_bert_dir,
                                                                   tmp_path) -> None:
    import numpy as np

    from m2kt.models import encode, load
    from m2kt.models.embcache import cached_encode, cached_encode_layers

    lm = load(str(tiny_bert_dir))
    texts = ["a", "b c", "d"]
    fresh = encode(lm, texts, layers=[0, 1, -1])  # (3 layers, 3 texts, d)
    # one layer already cached for part of the texts: the rest is filled in, order kept
    cached_encode(lm, ["d"], layer=1, cache_dir=tmp_path)
    got = cached_encode_layers(lm, texts, [0, 1, -1], cache_dir=tmp_path)
    assert got.shape == fresh.shape
    np.testing.assert_allclose(got, fresh, atol=1e-5)
    assert len(list(tmp_path.glob("*.safetensors"))) == 3
    # now every layer is served from the cache, the same vectors in the order asked
    again = cached_encode_layers(lm, ["d", "a"], [-1, 0], cache_dir=tmp_path)
    np.testing.assert_allclose(again, fresh[[2, 0]][:, [2, 0]], atol=1e-5)
