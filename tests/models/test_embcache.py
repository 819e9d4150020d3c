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


def test_vectors_and_texts_live_in_one_atomically_replaced_file(tiny_bert_dir, tmp_path) -> None:
    """Two writers can only lose each other's rows, never pair a vector with another text:
    the texts are the metadata of the one file that holds the vectors."""
    import numpy as np

    from m2kt.models import encode, load
    from m2kt.models.embcache import cached_encode

    lm = load(str(tiny_bert_dir))
    cached_encode(lm, ["a", "b"], cache_dir=tmp_path)
    [entry] = list(tmp_path.iterdir())
    assert entry.name.endswith(".v2.safetensors")
    # another writer's version of the same entry (other texts, same length) replaces it whole
    other = tmp_path / "other"
    other.mkdir()
    cached_encode(lm, ["c", "d"], cache_dir=other)
    (other / entry.name).replace(entry)
    got = cached_encode(lm, ["a", "c"], cache_dir=tmp_path)
    np.testing.assert_allclose(got, encode(lm, ["a", "c"]), atol=1e-5)
    entry.write_bytes(b"not a safetensors file")  # damaged: encoded afresh
    np.testing.assert_allclose(cached_encode(lm, ["b"], cache_dir=tmp_path),
                               encode(lm, ["b"]), atol=1e-5)
