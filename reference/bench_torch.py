"""PyTorch CPU timings of the benchmark cases of `npm run bench`
(bench/engine.ts), on the networks of reference/networks.py (SPEC.md).

Run with Debian's python: /usr/bin/python3 reference/bench_torch.py [--json]
[--repeats N] [--threads N] [--only case,case] [--cache DIR --batch N].
Prints one line per case, or with --json one JSON object {case: best seconds}.

Cases (same as bench/engine.ts):
  ae64_encoder   AE-64 encoder forward, batch 1, inference mode
  ae64_forward   AE-64 full forward, batch 1, inference mode
  ae64_train     AE-64 training step, batch 2: forward, sigmoid focal loss
                 (alpha 0.65, gamma 1), backward, AdamW step
  vgg3d_features VGG3D features + global average pool, batch 1 (80^3)
  embed64        every 64^3 grid of a workbench cache directory (--cache, the
                 NVX1 files of lib/dataset/cache-file.ts) read, inflated and
                 unpacked, encoded in batches of --batch, max over channels
                 (the thesis embedding): the work of `npm run embed`
"""
import argparse
import json
import os
import struct
import sys
import time
import zlib

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from networks import VGG3D, Autoencoder  # noqa: E402


def focal_loss(logits, target, alpha, gamma):
    """SPEC.md: ce * (1 - p_t)^gamma * (alpha t + (1 - alpha)(1 - t)), mean."""
    p = torch.sigmoid(logits)
    ce = torch.nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="none")
    p_t = p * target + (1 - p) * (1 - target)
    weight = alpha * target + (1 - alpha) * (1 - target)
    return (ce * (1 - p_t) ** gamma * weight).mean()


def occupancy(batch, grid, seed):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(batch, 1, grid, grid, grid, generator=g) < 0.1).float()


def read_cached_grid(path):
    """One NVX1 cache file: 16-byte header (magic, u16 size, u16 reserved,
    u32 occupied, u32 payload bytes), then raw-deflated np.packbits bits."""
    with open(path, "rb") as f:
        data = f.read()
    magic, size, _, _, length = struct.unpack_from("<IHHII", data)
    if magic != 0x3158564E or len(data) != 16 + length:
        raise ValueError(f"{path}: not a complete NVX1 cache file")
    bits = np.frombuffer(zlib.decompress(data[16:], -15), dtype=np.uint8)
    return np.unpackbits(bits, count=size ** 3).reshape(size, size, size)


def embed_cache(encoder_model, files, batch):
    """The embeddings of every file, n x 512, as `npm run embed` makes them."""
    out = []
    for b in range(0, len(files), batch):
        grids = np.stack([read_cached_grid(f) for f in files[b:b + batch]])
        x = torch.from_numpy(grids).float().unsqueeze(1)
        out.append(encoder_model.encode(x).amax(dim=1).flatten(1).numpy())
    return np.concatenate(out)


def best_of(fn, repeats):
    fn()  # warm-up: allocator, kernel selection
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of lines")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per case (best is kept), default 3")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads, default 2")
    parser.add_argument("--only", default="", help="comma-separated cases to run (default: all)")
    parser.add_argument("--cache", help="embed64: a cache directory of 64^3 grids (<dataset>/cache/64)")
    parser.add_argument("--batch", type=int, default=8, help="embed64: volumes per encoder call, default 8")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1996)
    cases = ["ae64_encoder", "ae64_forward", "ae64_train", "vgg3d_features", "embed64"]
    if args.only:
        wanted = args.only.split(",")
        unknown = [c for c in wanted if c not in cases]
        if unknown:
            parser.error(f"unknown case(s) {unknown}; valid: {cases}")
        cases = wanted
    if "embed64" in cases and not args.cache:
        parser.error("embed64 needs --cache <dataset>/cache/64")

    results = {}
    ae = Autoencoder(grid=64, base_channels=32)
    if "ae64_encoder" in cases or "ae64_forward" in cases:
        ae.eval()
        x = occupancy(1, 64, 1)
        with torch.no_grad():
            if "ae64_encoder" in cases:
                results["ae64_encoder"] = best_of(lambda: ae.encode(x), args.repeats)
            if "ae64_forward" in cases:
                results["ae64_forward"] = best_of(lambda: ae(x), args.repeats)
    if "ae64_train" in cases:
        ae.train()
        x = occupancy(2, 64, 2)
        optimizer = torch.optim.AdamW(ae.parameters(), lr=3e-3, betas=(0.9, 0.999), weight_decay=0.01)

        def step():
            optimizer.zero_grad()
            loss = focal_loss(ae(x), x, 0.65, 1.0)
            loss.backward()
            optimizer.step()

        results["ae64_train"] = best_of(step, args.repeats)
    if "vgg3d_features" in cases:
        vgg = VGG3D(with_classifier=False).eval()
        x = torch.rand(1, 1, 80, 80, 80, generator=torch.Generator().manual_seed(3))
        with torch.no_grad():
            results["vgg3d_features"] = best_of(lambda: vgg.pooled_features(x), args.repeats)

    if "embed64" in cases:
        ae.eval()
        files = sorted(os.path.join(args.cache, f) for f in os.listdir(args.cache) if f.endswith(".nvx"))
        if not files:
            parser.error(f"--cache {args.cache}: no .nvx files")
        with torch.no_grad():
            results["embed64"] = best_of(lambda: embed_cache(ae, files, args.batch), args.repeats)

    if args.json:
        print(json.dumps(results))
    else:
        for case, seconds in results.items():
            print(f"{case:16s} {seconds:8.3f} s")


if __name__ == "__main__":
    main()
