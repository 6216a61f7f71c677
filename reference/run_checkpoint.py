"""Runs a state dict through the reference networks, for the interop tests:
proves that a .pth the workbench exported loads into PyTorch (strictly) and
computes the same outputs.

    /usr/bin/python3 reference/run_checkpoint.py autoencoder|vgg3d CHECKPOINT INPUT OUTPUT

INPUT is a torch.save'd dict with 'input' ([N, 1, x, y, z]); OUTPUT gets
{'logits', 'latent'} (autoencoder) or {'feature_map', 'features'} (vgg3d).
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import networks  # noqa: E402


def main(kind, checkpoint, input_file, output_file):
    state = torch.load(checkpoint)
    x = torch.load(input_file)["input"].float()
    with torch.no_grad():
        if kind == "autoencoder":
            num_blocks = sum(1 for k in state if k.startswith("encoders.") and k.endswith("double_conv.0.weight"))
            base = state["incoming.block.double_conv.0.weight"].shape[0]
            model = networks.Autoencoder(grid=8 * 2 ** num_blocks, base_channels=base)
            model.load_state_dict(state, strict=True)
            model.eval()
            out = {"latent": model.encode(x), "logits": model(x)}
        elif kind == "vgg3d":
            with_classifier = any(k.startswith("classifier.") for k in state)
            model = networks.VGG3D(with_classifier=with_classifier)
            model.load_state_dict(state, strict=True)
            model.eval()
            out = {"feature_map": model.features(x), "features": model.pooled_features(x)}
        else:
            raise SystemExit(f"unknown model kind {kind!r}: expected autoencoder or vgg3d")
    torch.save(out, output_file)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
