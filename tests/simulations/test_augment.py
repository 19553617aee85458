"""SimCLR augmentations: exact identities of each operation and the seeded pipeline."""

import colorsys

import pytest
import torch

from infonce_gauss.simulations.augment import (
    SimCLRAugment,
    adjust_brightness,
    adjust_contrast,
    adjust_hue,
    adjust_saturation,
    hsv_to_rgb,
    resized_crop_flip,
    rgb_to_hsv,
    to_grayscale,
)

IDENTITY = SimCLRAugment(scale=(1.0, 1.0), ratio=(1.0, 1.0), flip_p=0.0, jitter_p=0.0, grayscale_p=0.0)


def _images(b=4, c=3, h=8, w=8, seed=0):
    return torch.rand(b, c, h, w, generator=torch.Generator().manual_seed(seed))


def test_identity_settings_return_the_input():
    x = _images()
    torch.testing.assert_close(IDENTITY(x, torch.Generator().manual_seed(1)), x, atol=1e-6, rtol=0)


def test_certain_flip_mirrors_the_image():
    x = _images()
    flipped = SimCLRAugment(scale=(1.0, 1.0), ratio=(1.0, 1.0), flip_p=1.0, jitter_p=0.0, grayscale_p=0.0)
    torch.testing.assert_close(flipped(x, torch.Generator().manual_seed(1)), x.flip(-1), atol=1e-6, rtol=0)


def test_centre_crop_of_a_ramp_is_the_middle_half():
    # Bilinear interpolation reproduces a linear function exactly: a ramp I(col) = (col + 0.5)/W cropped to the
    # central half (area 1/4, square) and resampled to W columns reads 1/4 + (1/2)(col + 0.5)/W.
    w = 16
    ramp = ((torch.arange(w) + 0.5) / w).view(1, 1, 1, w).expand(1, 1, w, w).contiguous()
    out = resized_crop_flip(ramp.double(), area=torch.tensor([0.25], dtype=torch.float64),
                            log_ratio=torch.zeros(1, dtype=torch.float64), centre=torch.zeros(1, 2, dtype=torch.float64),
                            flip=torch.tensor([False]))
    expected = 0.25 + 0.5 * (torch.arange(w, dtype=torch.float64) + 0.5) / w
    torch.testing.assert_close(out[0, 0, 3], expected, atol=1e-12, rtol=0)


def test_hsv_round_trip_and_agreement_with_colorsys():
    x = _images(b=2, h=5, w=5).double()
    hsv = rgb_to_hsv(x)
    torch.testing.assert_close(hsv_to_rgb(hsv), x, atol=1e-12, rtol=0)
    for r, g, b in x[0].reshape(3, -1).T.tolist()[:10]:
        expected = colorsys.rgb_to_hsv(r, g, b)
        got = rgb_to_hsv(torch.tensor([r, g, b], dtype=torch.float64).view(1, 3, 1, 1)).flatten().tolist()
        assert got == pytest.approx(expected, abs=1e-12)


def test_hue_rotation_by_a_third_turns_red_into_green():
    red = torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64).view(1, 3, 1, 1)
    green = adjust_hue(red, torch.tensor([1 / 3], dtype=torch.float64))
    torch.testing.assert_close(green.flatten(), torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64), atol=1e-12, rtol=0)


def test_colour_operations_follow_their_definitions():
    x = _images(b=1).double()
    one = torch.ones(1, dtype=torch.float64)
    torch.testing.assert_close(adjust_brightness(x, 0.5 * one), 0.5 * x)
    luma = 0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]
    torch.testing.assert_close(adjust_contrast(x, 0 * one), luma.mean().expand_as(x))
    torch.testing.assert_close(adjust_saturation(x, 0 * one), luma.unsqueeze(1).expand_as(x))
    gray = to_grayscale(x)
    torch.testing.assert_close(gray[:, 0], luma)
    assert torch.equal(gray[:, 0], gray[:, 2])
    for op in (adjust_saturation, adjust_hue):
        mono = x[:, :1]
        assert torch.equal(op(mono, 0.3 * one), mono)


def test_pipeline_is_seeded_and_stays_in_range():
    x = _images(b=16)
    aug = SimCLRAugment()
    a = aug(x, torch.Generator().manual_seed(3))
    b = aug(x, torch.Generator().manual_seed(3))
    c = aug(x, torch.Generator().manual_seed(4))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert a.shape == x.shape and a.min() >= 0 and a.max() <= 1
    v1, v2 = aug.pair(x, torch.Generator().manual_seed(5))
    assert not torch.equal(v1, v2)


def test_grayscale_images_pass_through_the_colour_steps():
    x = _images(c=1)
    out = SimCLRAugment(grayscale_p=1.0, jitter_p=1.0)(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape


@pytest.mark.parametrize("kwargs, match", [({"scale": (0.0, 1.0)}, "scale"), ({"flip_p": 1.5}, "flip_p"),
                                           ({"hue": 0.7}, "hue"), ({"ratio": (2.0, 1.0)}, "ratio")])
def test_bad_settings_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SimCLRAugment(**kwargs)


def test_bad_image_shape_raises():
    with pytest.raises(ValueError, match="batch, channels"):
        SimCLRAugment()(torch.rand(3, 8, 8), torch.Generator())
