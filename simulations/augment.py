r"""SimCLR image augmentations in plain torch (no torchvision), batched and seeded.

The paper's CIFAR-10 channel (Sec. 5): RandomResizedCrop 32 with scale (0.2, 1.0),
horizontal flip, colour jitter (0.8, 0.8, 0.8, 0.2) and grayscale with p = 0.2. The paper does not
state the colour-jitter probability; we use SimCLR's 0.8 (Chen et al. 2020, App. A). Images are
float tensors in [0, 1] of shape (B, C, H, W); C = 1 (Fashion-MNIST) skips the colour operations
that need three channels (saturation, hue, grayscale).

Differences from torchvision, stated so nobody is surprised:

* the crop's area fraction s ~ U(scale) and log aspect ratio ~ U(log ratio) are drawn once and the
  crop is clipped to the image (torchvision redraws up to 10 times, then falls back to a centre
  crop); crop and flip are one affine resampling with bilinear interpolation;
* the four jitter operations run in a fixed order (brightness, contrast, saturation, hue), where
  torchvision shuffles them.

All random numbers come from a CPU ``torch.Generator`` (then move to the images' device), so a
seed gives the same views on every device.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

__all__ = ["SimCLRAugment", "resized_crop_flip", "adjust_brightness", "adjust_contrast", "adjust_saturation",
           "adjust_hue", "to_grayscale", "rgb_to_hsv", "hsv_to_rgb"]

_LUMA = (0.299, 0.587, 0.114)  # ITU-R 601-2 luma, as torchvision's rgb_to_grayscale


def _uniform(n, low, high, generator):
    return low + (high - low) * torch.rand(n, generator=generator, dtype=torch.float64)


def _per_image(x: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    return values.to(device=x.device, dtype=x.dtype).view(-1, *([1] * (x.dim() - 1)))


def resized_crop_flip(images, *, area, log_ratio, centre, flip) -> torch.Tensor:
    r"""Crop a box of relative area ``area`` and aspect ratio ``exp(log_ratio)`` centred at ``centre``
    (in [-1, 1]² image coordinates), mirror it where ``flip``, and resample to the input size.

    Width and height fractions :math:`w=\sqrt{s r}`, :math:`h=\sqrt{s/r}` (clipped to 1); the sampling
    grid is :math:`(x,y)\mapsto(\pm w x+c_x,\ h y+c_y)` (``F.affine_grid``, bilinear).
    """
    b = images.shape[0]
    ratio = torch.exp(log_ratio)
    w = torch.sqrt(area * ratio).clamp(max=1.0)
    h = torch.sqrt(area / ratio).clamp(max=1.0)
    cx = centre[:, 0].clamp(-1.0, 1.0) * (1 - w)
    cy = centre[:, 1].clamp(-1.0, 1.0) * (1 - h)
    theta = torch.zeros(b, 2, 3, dtype=torch.float64)
    theta[:, 0, 0] = torch.where(flip, -w, w)
    theta[:, 0, 2] = cx
    theta[:, 1, 1] = h
    theta[:, 1, 2] = cy
    grid = F.affine_grid(theta.to(device=images.device, dtype=images.dtype), list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=False)


def _gray(images) -> torch.Tensor:
    """(B, 1, H, W) luma of RGB images (the image itself if it has one channel)."""
    if images.shape[1] == 1:
        return images
    r, g, b = images.unbind(1)
    return (_LUMA[0] * r + _LUMA[1] * g + _LUMA[2] * b).unsqueeze(1)


def adjust_brightness(images, factor) -> torch.Tensor:
    """:math:`\\mathrm{clip}(b\\,x)` per image (torchvision's ``adjust_brightness``)."""
    return (images * _per_image(images, factor)).clamp(0.0, 1.0)


def adjust_contrast(images, factor) -> torch.Tensor:
    """:math:`\\mathrm{clip}(c\\,x+(1-c)\\bar g)`, :math:`\\bar g` the image's mean luma (torchvision)."""
    mean = _gray(images).mean(dim=(1, 2, 3), keepdim=True)
    c = _per_image(images, factor)
    return (c * images + (1 - c) * mean).clamp(0.0, 1.0)


def adjust_saturation(images, factor) -> torch.Tensor:
    """:math:`\\mathrm{clip}(s\\,x+(1-s)g)`, g the pixel's luma (torchvision); identity for one channel."""
    if images.shape[1] == 1:
        return images
    s = _per_image(images, factor)
    return (s * images + (1 - s) * _gray(images)).clamp(0.0, 1.0)


def rgb_to_hsv(images) -> torch.Tensor:
    """RGB in [0, 1] to HSV with hue in [0, 1) (the hexcone model, as ``colorsys``)."""
    r, g, b = images.unbind(1)
    maxc, _ = images.max(dim=1)
    minc, _ = images.min(dim=1)
    delta = maxc - minc
    safe = torch.where(delta > 0, delta, torch.ones_like(delta))
    rc, gc, bc = (maxc - r) / safe, (maxc - g) / safe, (maxc - b) / safe
    hue = torch.where(maxc == r, bc - gc, torch.where(maxc == g, 2.0 + rc - bc, 4.0 + gc - rc))
    hue = torch.where(delta > 0, (hue / 6.0) % 1.0, torch.zeros_like(hue))
    sat = torch.where(maxc > 0, delta / torch.where(maxc > 0, maxc, torch.ones_like(maxc)), torch.zeros_like(maxc))
    return torch.stack([hue, sat, maxc], dim=1)


def hsv_to_rgb(images) -> torch.Tensor:
    r"""Inverse of :func:`rgb_to_hsv`: channel :math:`c=v-vs\,\mathrm{clip}(\min(k,4-k),0,1)` with
    :math:`k=(n+6h)\bmod 6` and n = 5, 3, 1 for R, G, B."""
    h, s, v = images[:, 0:1], images[:, 1:2], images[:, 2:3]
    n = torch.tensor([5.0, 3.0, 1.0], dtype=images.dtype, device=images.device).view(1, 3, 1, 1)
    k = (n + 6.0 * h) % 6.0
    return v - v * s * torch.minimum(k, 4.0 - k).clamp(0.0, 1.0)


def adjust_hue(images, shift) -> torch.Tensor:
    """Rotate the hue by ``shift`` ∈ [-0.5, 0.5] turns (torchvision); identity for one channel."""
    if images.shape[1] == 1:
        return images
    hsv = rgb_to_hsv(images)
    hue = (hsv[:, 0] + _per_image(hsv[:, 0], shift)) % 1.0
    return hsv_to_rgb(torch.stack([hue, hsv[:, 1], hsv[:, 2]], dim=1))


def to_grayscale(images) -> torch.Tensor:
    """Luma repeated on every channel (torchvision's ``Grayscale(num_output_channels=C)``)."""
    return _gray(images).expand_as(images).contiguous()


def _mix(mask, new, old):
    return torch.where(mask.to(old.device).view(-1, *([1] * (old.dim() - 1))), new, old)


@dataclass(frozen=True)
class SimCLRAugment:
    """The SimCLR channel with the paper's CIFAR-10 parameters as defaults.

    Attributes
    ----------
    scale, ratio : crop area fraction and aspect-ratio ranges (RandomResizedCrop).
    flip_p : probability of a horizontal flip.
    brightness, contrast, saturation, hue : jitter strengths; factors ~ U[1-x, 1+x] (hue: U[-x, x]).
    jitter_p : probability that the jitter block is applied (SimCLR's 0.8; not stated in the paper).
    grayscale_p : probability of converting to grayscale.
    """

    scale: tuple[float, float] = (0.2, 1.0)
    ratio: tuple[float, float] = (3 / 4, 4 / 3)
    flip_p: float = 0.5
    brightness: float = 0.8
    contrast: float = 0.8
    saturation: float = 0.8
    hue: float = 0.2
    jitter_p: float = 0.8
    grayscale_p: float = 0.2

    def __post_init__(self):
        lo, hi = self.scale
        if not 0 < lo <= hi <= 1:
            raise ValueError(f"scale must satisfy 0 < low <= high <= 1, got {self.scale}.")
        if not 0 < self.ratio[0] <= self.ratio[1]:
            raise ValueError(f"ratio must satisfy 0 < low <= high, got {self.ratio}.")
        for name in ("flip_p", "jitter_p", "grayscale_p"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be a probability in [0, 1], got {getattr(self, name)}.")
        for name in ("brightness", "contrast", "saturation"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1] (factors in [1-x, 1+x]), got {getattr(self, name)}.")
        if not 0 <= self.hue <= 0.5:
            raise ValueError(f"hue must be in [0, 0.5], got {self.hue}.")

    def __call__(self, images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """One augmented view of each image of a (B, C, H, W) batch in [0, 1]."""
        if images.dim() != 4:
            raise ValueError(f"images must have shape (batch, channels, height, width), got {tuple(images.shape)}.")
        b, g = images.shape[0], generator
        out = resized_crop_flip(
            images,
            area=_uniform(b, *self.scale, g),
            log_ratio=_uniform(b, math.log(self.ratio[0]), math.log(self.ratio[1]), g),
            centre=_uniform(2 * b, -1.0, 1.0, g).view(b, 2),
            flip=torch.rand(b, generator=g) < self.flip_p,
        )
        jitter = torch.rand(b, generator=g) < self.jitter_p
        factors = [_uniform(b, 1 - x, 1 + x, g) for x in (self.brightness, self.contrast, self.saturation)]
        shift = _uniform(b, -self.hue, self.hue, g)
        jittered = adjust_hue(adjust_saturation(adjust_contrast(adjust_brightness(out, factors[0]), factors[1]),
                                                factors[2]), shift)
        out = _mix(jitter, jittered, out)
        gray = torch.rand(b, generator=g) < self.grayscale_p
        return _mix(gray, to_grayscale(out), out) if images.shape[1] == 3 else out

    def pair(self, images: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Two conditionally independent views of each image (a positive pair)."""
        return self(images, generator), self(images, generator)
