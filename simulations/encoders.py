r"""Encoders in plain torch: linear, two-layer MLP, a free-norm encoder, a small CNN and a CIFAR-style ResNet-18.

Each maps a batch of inputs to unnormalized embeddings :math:`z=f(x)\in\mathbb R^d`; InfoNCE
normalizes them (:math:`u=z/\|z\|`, paper §1) and the diagnostics read both. The paper's settings: linear encoders for the synthetic sets, "a two-layer MLP with a single ReLU"
for Fig. 4 and ResNet-18 (SimCLR protocol) for Table 1's CIFAR rows. The paper states neither the
CIFAR embedding dimension nor whether features are taken before or after a projection head; here
the embedding is the output of the encoder's last linear layer (``out_dim``, default 128 for the
image encoders), and the supervised baseline puts one more linear classifier on top of that same
embedding, so contrastive and supervised share architecture and initialization and differ only in
the objective (as the paper says).

:class:`FreeNormEncoder` is not in the paper: a linear direction and a norm from its own MLP, so that the law of
‖z‖ can be any law on (0, ∞) whatever the direction law; the regularized route's radial law (Prop 3) is
realizable by it, while a linear map of given inputs fixes the radial law up to the map (a linear image of
Laplace inputs cannot be a shell thinner than χ without concentrating its directions).

torch is imported when this module is imported: only the training code imports it.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from infonce_gauss.theory.validation import integer

__all__ = ["LinearEncoder", "MLPEncoder", "FreeNormEncoder", "SmallCNN", "ResNet18", "ENCODERS", "build_encoder", "parameter_count"]


class LinearEncoder(nn.Module):
    """:math:`f(x)=Wx+b`, the paper's encoder for the synthetic sets (Sec. 5, App. E.1)."""

    def __init__(self, in_dim: int, out_dim: int, *, bias: bool = True):
        super().__init__()
        self.net = nn.Linear(integer(in_dim, "in_dim", minimum=1), integer(out_dim, "out_dim", minimum=2), bias=bias)

    def forward(self, x):
        return self.net(x.flatten(1))


class MLPEncoder(nn.Module):
    r""":math:`f(x)=W_2\,\mathrm{ReLU}(W_1x+b_1)+b_2`: two linear layers with a single ReLU (Fig. 4)."""

    def __init__(self, in_dim: int, out_dim: int, *, hidden: int = 512):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(integer(in_dim, "in_dim", minimum=1), integer(hidden, "hidden", minimum=1)),
            nn.ReLU(),
            nn.Linear(hidden, integer(out_dim, "out_dim", minimum=2)),
        )

    def forward(self, x):
        return self.net(x.flatten(1))


class FreeNormEncoder(nn.Module):
    r""":math:`f(x)=\mathrm{softplus}(g(x))\,\frac{Wx+b}{\|Wx+b\|}`: the direction of a linear map and a norm
    :math:`\mathrm{softplus}(g(x))>0` from a one-hidden-layer ReLU MLP g (``hidden`` units) of the same input,
    so that direction (what InfoNCE sees) and norm (what the radial regularizer sees) are separate heads."""

    def __init__(self, in_dim: int, out_dim: int, *, hidden: int = 512):
        super().__init__()
        in_dim = integer(in_dim, "in_dim", minimum=1)
        self.direction = nn.Linear(in_dim, integer(out_dim, "out_dim", minimum=2))
        self.norm = nn.Sequential(nn.Linear(in_dim, integer(hidden, "hidden", minimum=1)), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, x):
        x = x.flatten(1)
        a = self.direction(x)
        return nn.functional.softplus(self.norm(x)) * a / a.norm(dim=1, keepdim=True).clamp_min(1e-12)


class SmallCNN(nn.Module):
    """Two 3×3 conv–BN–ReLU–maxpool stages (``width``, ``2·width`` channels), global average pool, linear head."""

    def __init__(self, in_channels: int, out_dim: int, *, width: int = 32):
        super().__init__()
        c = integer(width, "width", minimum=1)

        def stage(cin, cout):
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2)]

        self.features = nn.Sequential(*stage(integer(in_channels, "in_channels", minimum=1), c), *stage(c, 2 * c),
                                      nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(2 * c, integer(out_dim, "out_dim", minimum=2))

    def forward(self, x):
        return self.head(self.features(x))


class _BasicBlock(nn.Module):
    """He et al. (2016) basic block: two 3×3 conv–BN layers and an identity (or 1×1 conv) shortcut."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
            nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
        )
        self.shortcut = (nn.Identity() if stride == 1 and cin == cout else
                         nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout)))

    def forward(self, x):
        return torch.relu(self.body(x) + self.shortcut(x))


class ResNet18(nn.Module):
    """CIFAR-style ResNet-18 (SimCLR's CIFAR variant): a 3×3 stride-1 stem without max-pooling, four
    stages of two basic blocks (64, 128, 256, 512 channels; strides 1, 2, 2, 2), global average pool,
    and a linear layer 512 → ``out_dim`` whose output is the embedding. ``width`` scales the channels
    (64 is the standard network, 11.2M parameters plus the head)."""

    def __init__(self, in_channels: int = 3, out_dim: int = 128, *, width: int = 64):
        super().__init__()
        w = integer(width, "width", minimum=1)
        layers = [nn.Conv2d(integer(in_channels, "in_channels", minimum=1), w, 3, padding=1, bias=False),
                  nn.BatchNorm2d(w), nn.ReLU()]
        cin = w
        for i, stride in enumerate((1, 2, 2, 2)):
            cout = w * 2**i
            layers += [_BasicBlock(cin, cout, stride), _BasicBlock(cout, cout, 1)]
            cin = cout
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(cin, integer(out_dim, "out_dim", minimum=2))

    def forward(self, x):
        return self.head(self.features(x))


ENCODERS = {"linear": LinearEncoder, "mlp": MLPEncoder, "free-norm": FreeNormEncoder, "cnn": SmallCNN, "resnet18": ResNet18}


def build_encoder(name: str, input_shape, out_dim: int, **options) -> nn.Module:
    """An encoder by name for inputs of shape ``input_shape`` (without the batch axis).

    ``linear``, ``mlp`` and ``free-norm`` flatten their input (``in_dim = prod(input_shape)``); ``cnn`` and
    ``resnet18`` need images ``(channels, height, width)``. ``options`` go to the class
    (``bias``, ``hidden``, ``width``).
    """
    if name not in ENCODERS:
        raise ValueError(f"unknown encoder {name!r}; choose one of {', '.join(ENCODERS)}.")
    shape = tuple(int(s) for s in input_shape)
    if name in ("linear", "mlp", "free-norm"):
        return ENCODERS[name](math.prod(shape), out_dim, **options)
    if len(shape) != 3:
        raise ValueError(f"encoder {name!r} needs image inputs of shape (channels, height, width), got {shape}; "
                         "use 'linear', 'mlp' or 'free-norm' for vectors.")
    return ENCODERS[name](shape[0], out_dim, **options)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
