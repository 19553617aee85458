"""Encoders: shapes, the architecture each name promises, and the standard ResNet-18 size."""

import pytest
import torch
from torch import nn

from infonce_gauss.simulations.encoders import (
    FreeNormEncoder,
    LinearEncoder,
    MLPEncoder,
    ResNet18,
    SmallCNN,
    build_encoder,
    parameter_count,
)


@pytest.mark.parametrize("name, shape", [("linear", (16,)), ("mlp", (16,)), ("linear", (1, 8, 8)), ("mlp", (3, 8, 8)), ("free-norm", (16,)),
                                         ("cnn", (1, 28, 28)), ("cnn", (3, 32, 32)), ("resnet18", (3, 32, 32))])
def test_output_shape(name, shape):
    torch.manual_seed(0)
    model = build_encoder(name, shape, 12, **({"width": 4} if name in ("cnn", "resnet18") else {}))
    z = model(torch.randn(5, *shape))
    assert z.shape == (5, 12)
    assert torch.isfinite(z).all()


def test_linear_encoder_is_linear_without_bias():
    torch.manual_seed(0)
    f = LinearEncoder(10, 4, bias=False)
    x, y = torch.randn(3, 10), torch.randn(3, 10)
    torch.testing.assert_close(f(2.0 * x - 3.0 * y), 2.0 * f(x) - 3.0 * f(y))


def test_mlp_has_two_linear_layers_and_one_relu():
    # Fig. 4: "a two-layer MLP with a single ReLU"
    layers = list(MLPEncoder(10, 4, hidden=7).modules())
    assert sum(isinstance(m, nn.Linear) for m in layers) == 2
    assert sum(isinstance(m, nn.ReLU) for m in layers) == 1


def test_resnet18_has_the_standard_cifar_parameter_count():
    # The CIFAR ResNet-18 with a 10-way linear output has 11,173,962 parameters (He et al. 2016 basic blocks
    # [2, 2, 2, 2], 3x3 stem; the count quoted for kuangliu/pytorch-cifar's ResNet18).
    assert parameter_count(ResNet18(3, 10)) == 11_173_962


def test_small_cnn_depends_on_width():
    assert parameter_count(SmallCNN(1, 8, width=8)) < parameter_count(SmallCNN(1, 8, width=16))


def test_bad_arguments_raise_value_errors():
    with pytest.raises(ValueError, match="unknown encoder"):
        build_encoder("vit", (3, 32, 32), 8)
    with pytest.raises(ValueError, match="image inputs"):
        build_encoder("cnn", (64,), 8)
    with pytest.raises(ValueError, match="out_dim"):
        build_encoder("linear", (64,), 1)


def test_free_norm_encoder_separates_direction_and_norm():
    # direction = that of the linear head, norm = softplus of the norm head: changing the norm head's output
    # bias moves every norm by the same softplus map and leaves every direction unchanged
    torch.manual_seed(0)
    f = FreeNormEncoder(10, 4, hidden=7)
    x = torch.randn(6, 10)
    z = f(x)
    a = f.direction(x)
    torch.testing.assert_close(z / z.norm(dim=1, keepdim=True), a / a.norm(dim=1, keepdim=True))
    torch.testing.assert_close(z.norm(dim=1), nn.functional.softplus(f.norm(x)).squeeze(1))
    with torch.no_grad():
        f.norm[2].bias += 3.0
    torch.testing.assert_close(f(x) / f(x).norm(dim=1, keepdim=True), z / z.norm(dim=1, keepdim=True))
    assert (f(x).norm(dim=1) > z.norm(dim=1)).all()
