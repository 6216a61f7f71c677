"""Writes the PyTorch fixtures the interop tests compare against
(test/fixtures/torch/). Deterministic: seeded weights, seeded inputs.

    /usr/bin/python3 reference/make_fixtures.py [out_dir]

- autoencoder_g32_b4.pth: a training-style checkpoint {'model_state_dict',
  'optimizer_state_dict', 'iteration', ...} of the autoencoder at grid 32 with
  base width 4, batch-norm running statistics gathered from data and perturbed.
- autoencoder_g32_b4_io.pth: {'input' uint8 [2,1,32,32,32], 'latent', 'logits'}.
- vgg3d_features_fp16.pth: the VGG3D `features.*` state dict, conv weights as
  float16 (keeps the file small and exercises half storages).
- vgg3d_io.pth: {'input' float16 [1,1,80,80,80], 'feature_map' [1,192,5,5,5],
  'features' [1,192]}.
- dtypes_and_views.pth, refuses_os_system.pth, refuses_whole_module.pth,
  legacy_format.pth, numpy_scalars.pth, pickle_protocol4.pth: small files for the reader's own tests.
"""
import collections
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import networks  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "torch")


def realistic_batch_norm(model, batches, gen):
    """Random affine parameters, then running statistics from real forward
    passes (so activations stay well scaled through deep stacks), perturbed
    so they are not exact."""
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm3d)]
    with torch.no_grad():
        for m in norms:
            m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.bias.copy_(torch.randn(m.num_features, generator=gen) * 0.2)
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the passes
        model.train()
        for x in batches:
            (model.features if isinstance(model, networks.VGG3D) else model)(x)
        for m in norms:
            c = m.num_features
            m.momentum = 0.1
            m.running_mean.add_(torch.randn(c, generator=gen) * 0.1 * m.running_var.sqrt())
            m.running_var.mul_(torch.rand(c, generator=gen) * 0.5 + 0.75)
            m.num_batches_tracked.fill_(1234)
    model.eval()


def occupancy(n, grid, gen):
    """Blobby occupancy grids, asymmetric in x, y and z so axis mix-ups show."""
    x = torch.zeros(n, 1, grid, grid, grid, dtype=torch.uint8)
    for i in range(n):
        for _ in range(6):
            c = torch.randint(4, grid - 4, (3,), generator=gen)
            r = torch.randint(2, 5, (3,), generator=gen)
            x[i, 0, c[0] - r[0]:c[0] + r[0], c[1] - r[1] // 2:c[1] + r[1], c[2]:c[2] + r[2]] = 1
    x[:, :, :grid // 2, :3, -5:] = 1
    return x


def main():
    os.makedirs(OUT, exist_ok=True)
    gen = torch.Generator().manual_seed(1996)

    # Autoencoder: outputs first, then a real optimiser step on a copy so the
    # checkpoint carries genuine AdamW state next to the unchanged weights.
    torch.manual_seed(11)
    ae = networks.Autoencoder(grid=32, base_channels=4)
    with torch.no_grad():
        for p in ae.parameters():
            if p.dim() == 1:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.1)
    realistic_batch_norm(ae, [occupancy(4, 32, gen).float() for _ in range(2)], gen)
    x = occupancy(2, 32, gen)
    with torch.no_grad():
        latent = ae.encode(x.float())
        logits = ae(x.float())
    state = collections.OrderedDict((k, v.clone()) for k, v in ae.state_dict().items())
    state._metadata = ae.state_dict()._metadata
    opt = torch.optim.AdamW(ae.parameters(), lr=3e-3, weight_decay=0.01)
    ae.train()
    ae(x.float()).mean().backward()
    opt.step()
    torch.save(
        {
            "model_state_dict": state,
            "optimizer_state_dict": opt.state_dict(),
            "iteration": 1234,
            "best_val_f1": 0.867,
            "grid": 32,
            "note": "seeded fixture",
        },
        os.path.join(OUT, "autoencoder_g32_b4.pth"),
    )
    torch.save({"input": x, "latent": latent, "logits": logits}, os.path.join(OUT, "autoencoder_g32_b4_io.pth"))

    # VGG3D features, conv weights rounded to float16 before computing outputs.
    torch.manual_seed(12)
    vgg = networks.VGG3D(with_classifier=False)
    with torch.no_grad():
        for m in vgg.features:
            if isinstance(m, torch.nn.Conv3d):
                m.weight.copy_(m.weight.half().float())
                m.bias.copy_(m.bias.half().float())
    crop = lambda n: torch.rand(n, 1, 80, 80, 80, generator=gen).half().float()
    realistic_batch_norm(vgg, [crop(2)], gen)
    vx = crop(1)
    with torch.no_grad():
        fmap = vgg.features(vx)
        feats = vgg.pooled_features(vx)
    sd = collections.OrderedDict()
    for k, v in vgg.state_dict().items():
        is_conv = isinstance(vgg.features[int(k.split(".")[1])], torch.nn.Conv3d)
        sd[k] = v.half() if is_conv else v
    torch.save(sd, os.path.join(OUT, "vgg3d_features_fp16.pth"))
    torch.save({"input": vx.half(), "feature_map": fmap, "features": feats}, os.path.join(OUT, "vgg3d_io.pth"))

    # Reader fixtures.
    base = torch.arange(24, dtype=torch.float64).reshape(4, 6)
    views = collections.OrderedDict()
    views["f32"] = torch.arange(6, dtype=torch.float32).reshape(2, 3) / 4
    views["f16"] = torch.tensor([0.5, -2.0, 65504.0, 6.1035e-05, 5.96e-08], dtype=torch.float16)
    views["f64"] = base
    views["i64"] = torch.tensor([-(2 ** 40), 0, 7], dtype=torch.int64)
    views["transposed"] = base.t()                 # same storage, strides (1, 6)
    views["offset_slice"] = base[1:3, 2:5]          # storage offset 8, non-contiguous
    views["stepped"] = base[:, ::2]                 # strides (6, 2)
    views["scalar"] = torch.tensor(1234)            # like num_batches_tracked
    views["empty"] = torch.zeros(0, 3)
    torch.save({"model_state_dict": views, "epoch": 3, "betas": (0.9, 0.999), "flags": [True, False, None],
                "name": "unicode ✓", "big": 2 ** 70, "neg": -5, "lr": 1e-3},
               os.path.join(OUT, "dtypes_and_views.pth"))

    torch.save({"model_state_dict": collections.OrderedDict(a=torch.arange(3.0), b=torch.arange(3.0)[1:]), "step": 7},
               os.path.join(OUT, "pickle_protocol4.pth"), pickle_protocol=4)
    import numpy as np
    torch.save({"model_state_dict": collections.OrderedDict(w=torch.ones(2)), "best_val_f1": np.float64(0.867),
                "epoch": np.int64(5), "loss": np.float32(0.25), "flag": np.bool_(True), "big": np.int64(-(2 ** 60))},
               os.path.join(OUT, "numpy_scalars.pth"))

    class RunsCode:
        def __reduce__(self):
            return (os.system, ("echo this must never run",))

    torch.save({"weight": torch.zeros(1), "payload": RunsCode()}, os.path.join(OUT, "refuses_os_system.pth"))
    torch.manual_seed(13)
    torch.save(torch.nn.Linear(2, 2), os.path.join(OUT, "refuses_whole_module.pth"))
    torch.save({"w": torch.ones(2)}, os.path.join(OUT, "legacy_format.pth"), _use_new_zipfile_serialization=False)

    for name in sorted(os.listdir(OUT)):
        print(f"{name}: {os.path.getsize(os.path.join(OUT, name))} bytes")


if __name__ == "__main__":
    main()
