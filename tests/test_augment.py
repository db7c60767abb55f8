"Property tests: every augmentation keeps each label on its pixel (a dot drawn at the label ends where the label goes)."

import math
import torch
import fastcore.test as ft
from hypothesis import example, given, settings, strategies as st
from dlcnb.data import PoseAugment

H, W = 120, 160
NO_PIXELS = dict(
    brightness=0, contrast=0, gamma=0, p_blur=0, p_motion_blur=0, p_equalize=0, p_grayscale=0, p_cutout=0, noise=0
)


def dots(kp):
    "Black images with a 3x3 dot of channel c at keypoint c (pixel-index coordinates)."
    img = torch.zeros(len(kp), 3, H, W)
    for b, pts in enumerate(kp):
        for c, (x, y) in enumerate(pts.round().long()):
            img[b, c, y - 1 : y + 2, x - 1 : x + 2] = 1.0
    return img


def centres(x):
    "Intensity-weighted centre of each channel: (B, 3, 2)."
    ys, xs = torch.meshgrid(torch.arange(x.shape[2]), torch.arange(x.shape[3]), indexing="ij")
    w = x / x.sum((2, 3), keepdim=True).clamp(min=1e-9)
    return torch.stack([(w * xs).sum((2, 3)), (w * ys).sum((2, 3))], -1)


def turn(p):
    return torch.sign(cross(p))


def cross(p):
    (a, b), (c, d) = (p[:, 1] - p[:, 0]).T, (p[:, 2] - p[:, 0]).T
    return a * d - b * c


def labels(seed: int, n: int = 16):
    "`n` random triangles of dots; nearly collinear ones are drawn again, since their handedness is not defined."
    g = torch.Generator().manual_seed(seed)
    kp = torch.empty(n, 3, 2)
    for i in range(n):
        while True:
            kp[i] = (torch.rand(3, 2, generator=g) * torch.tensor([W - 40.0, H - 40.0]) + 20).round()
            if abs(cross(kp[i : i + 1])) > 200:
                break
    return kp


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    rotation=st.floats(0, 180),
    zoom=st.floats(0.6, 1.0),
    translation=st.floats(0, 0.3),
    crop=st.sampled_from([None, (64, 64), (96, 128)]),
    flip=st.booleans(),
)
@example(seed=8363, rotation=0.0, zoom=1.0, translation=0.0, crop=None, flip=False)  # once drew a collinear triangle
def test_geometric_keeps_labels_on_dots(seed, rotation, zoom, translation, crop, flip):
    torch.manual_seed(seed)
    kp = labels(seed)
    aug = PoseAugment(
        size=crop,
        rotation=rotation,
        scale=(zoom, 1 / zoom),
        translation=translation,
        flip_perm=[1, 0, 2] if flip else None,
        photometric=False,
    )
    out, kp2 = aug((dots(kp), kp), split_idx=0)
    oh, ow = crop or (H, W)
    ft.test_eq(out.shape, (len(kp), 3, oh, ow))
    seen = centres(out)
    inside = ((kp2[..., 0] > 3) & (kp2[..., 0] < ow - 4) & (kp2[..., 1] > 3) & (kp2[..., 1] < oh - 4)).all(1)
    if not inside.any():
        return
    mirrored = turn(seen) != turn(kp)
    if not flip:
        ft.test_eq(mirrored[inside].any(), False)
    expected = torch.where(mirrored[:, None, None], seen[:, [1, 0, 2]], seen)
    ft.test_close(kp2[inside], expected[inside], eps=0.5)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    change=st.sampled_from(["brightness", "contrast", "gamma", "p_blur", "p_motion_blur", "p_equalize", "p_grayscale"]),
    strength=st.floats(0.05, 1.0),
)
def test_pixel_changes_keep_labels_on_dots(seed, change, strength):
    torch.manual_seed(seed)
    kp = labels(seed, 4)
    value = 1.0 if change.startswith("p_") else strength * {"brightness": 0.5, "contrast": 0.9, "gamma": 1.0}[change]
    aug = PoseAugment(rotation=0, scale=(1, 1), translation=0, **{**NO_PIXELS, change: value})
    img, kp2 = aug((dots(kp), kp), split_idx=0)
    ft.test_eq(kp2, kp)
    spot = (img - img.amin((2, 3), keepdim=True)) * (dots(kp) if change == "p_grayscale" else 1)
    ft.test_close(centres(spot), kp, eps=0.35)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), size=st.floats(0.05, 0.6))
def test_cutout_covers_without_moving_labels(seed, size):
    torch.manual_seed(seed)
    kp = labels(seed, 4)
    img, kp2 = PoseAugment(rotation=0, scale=(1, 1), translation=0, **{**NO_PIXELS, "p_cutout": 1, "cutout": size})(
        (dots(kp), kp), split_idx=0
    )
    ft.test_eq(kp2, kp)
    changed = (img != dots(kp)).any(1).float().sum((1, 2))
    ft.test_eq(bool((changed <= size * W * size * H + W + H + 1).all()), True)  # at most one rectangle of that size


def test_all_on_keeps_shapes_and_nans():
    kp = labels(0, 8)
    kp[:, 2] = math.nan
    img, kp2 = PoseAugment(size=(64, 64), flip_perm=[1, 0, 2])((dots(kp), kp), split_idx=0)
    ft.test_eq(img.shape, (8, 3, 64, 64))
    ft.test_eq(bool(img.min() >= 0 and img.max() <= 1), True)
    ft.test_eq(bool(kp2[:, 2].isnan().all()), True)
