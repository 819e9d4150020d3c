"""The optional relative-profile readout in a packet: accepted with the right shapes, refused
with a readable SemanticError otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from m2kt.errors import SemanticError
from m2kt.packet.reader import open_packet
from tests.fixtures.packets import make_packet
from tests.packet.conftest import store

K = 4  # labels = concepts in the fixture packet


def _with_relative(weight_shape=(K, K), scale=1.0):
    def mutate(p) -> None:
        p.tensors["relative.weight"] = np.ones(weight_shape, np.float32)
        p.tensors["relative.bias"] = np.zeros(weight_shape[0], np.float32)
        p.tensors["relative.mean"] = np.zeros(weight_shape[1], np.float32)
        p.tensors["relative.scale"] = np.full(weight_shape[1], scale, np.float32)
    return mutate


def test_relative_readout_with_the_right_shapes_is_accepted() -> None:
    from m2kt.concepts.relative import from_tensors

    p = open_packet(make_packet(_with_relative()), store())
    head = from_tensors(p.tensors)
    assert head is not None and head.weight.shape == (K, K)


@pytest.mark.parametrize("shape,scale,match", [((K, K + 1), 1.0, "relative readout tensors"),
                                                ((K, K), 0.0, "relative.scale")])
def test_relative_readout_with_wrong_shapes_or_scale_is_refused(shape, scale, match) -> None:
    with pytest.raises(SemanticError, match=match):
        open_packet(make_packet(_with_relative(shape, scale)), store())
