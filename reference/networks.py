"""PyTorch versions of the workbench's networks (SPEC.md), with the module
names of the original checkpoints, so their state dicts load here unchanged.

Autoencoder (Dense and nLat share it): `incoming.block.{i_branch,double_conv}`,
`encoders.N.maxpool_conv.1.block...`, `decoders.N.up` and `decoders.N.conv.block...`
(decoders.0 is the deepest), `outconv.conv`.
VGG3D: `features.N` (conv with bias, batch-norm, ReLU; max-pool after each block)
and `classifier.{0,3,6}`.

Volumes are [N, C, x, y, z]: the workbench's [x, y, z] grids with a channel
axis in front (the workbench itself uses [N, x, y, z, C]).
"""
import math

import torch
from torch import nn


class ResidualBlock(nn.Module):
    """conv k -> BN -> ReLU -> conv k -> BN -> ReLU, plus a skip (1^3 conv when
    the channel count changes); nothing after the add."""

    def __init__(self, in_channels, out_channels, kernel_size):
        super().__init__()
        pad = kernel_size // 2
        self.double_conv = nn.Sequential(
            nn.Conv3d(in_channels, out_channels, kernel_size, padding=pad, bias=False),
            nn.BatchNorm3d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv3d(out_channels, out_channels, kernel_size, padding=pad, bias=False),
            nn.BatchNorm3d(out_channels),
            nn.ReLU(inplace=True),
        )
        self.i_branch = (
            nn.Identity() if in_channels == out_channels
            else nn.Conv3d(in_channels, out_channels, 1, bias=False)
        )

    def forward(self, x):
        return self.double_conv(x) + self.i_branch(x)


class Block(nn.Module):
    """The original wraps each residual block in a module holding it as `block`."""

    def __init__(self, in_channels, out_channels, kernel_size):
        super().__init__()
        self.block = ResidualBlock(in_channels, out_channels, kernel_size)

    def forward(self, x):
        return self.block(x)


class Down(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.maxpool_conv = nn.Sequential(nn.MaxPool3d(2), Block(in_channels, out_channels, 3))

    def forward(self, x):
        return self.maxpool_conv(x)


class Up(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.up = nn.ConvTranspose3d(in_channels, in_channels, kernel_size=2, stride=2)
        self.conv = Block(in_channels, out_channels, 1)

    def forward(self, x):
        return self.conv(self.up(x))


class OutConv(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv = nn.Conv3d(in_channels, out_channels, 1)

    def forward(self, x):
        return self.conv(x)


class Autoencoder(nn.Module):
    """grid 64 -> 3 blocks, 128 -> 4: the latent grid is always 8^3."""

    def __init__(self, grid=64, base_channels=32):
        super().__init__()
        num_blocks = int(round(math.log2(grid / 8)))
        if num_blocks < 1 or 8 * 2 ** num_blocks != grid:
            raise ValueError(f"grid must be 8*2^k with k >= 1; got {grid}")
        channels = [base_channels * 2 ** i for i in range(num_blocks + 1)]
        self.incoming = Block(1, channels[0], 3)
        self.encoders = nn.ModuleList(Down(channels[i], channels[i + 1]) for i in range(num_blocks))
        self.decoders = nn.ModuleList(
            Up(channels[i + 1], channels[i]) for i in reversed(range(num_blocks))
        )
        self.outconv = OutConv(channels[0], 1)

    def encode(self, x):
        x = self.incoming(x)
        for encoder in self.encoders:
            x = encoder(x)
        return x

    def decode(self, z):
        for decoder in self.decoders:
            z = decoder(z)
        return self.outconv(z)

    def forward(self, x):
        return self.decode(self.encode(x))


class VGG3D(nn.Module):
    """Input [N, 1, 80, 80, 80]; features -> [N, 192, 5, 5, 5]. The classifier
    (115 M weights) can be left out when only features are wanted."""

    def __init__(self, input_size=80, fmaps=24, n_convolutions=(4, 2, 2, 2), output_classes=7, with_classifier=True):
        super().__init__()
        layers = []
        current, size = 1, input_size
        for i, n in enumerate(n_convolutions):
            for _ in range(n):
                layers += [nn.Conv3d(current, fmaps, 3, padding=1), nn.BatchNorm3d(fmaps), nn.ReLU(inplace=True)]
                current = fmaps
            layers.append(nn.MaxPool3d(2))
            size //= 2
            if i < len(n_convolutions) - 1:
                fmaps *= 2
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Linear(current * size ** 3, 4096), nn.ReLU(inplace=True), nn.Dropout(),
            nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(),
            nn.Linear(4096, output_classes),
        ) if with_classifier else None

    def forward(self, x):
        if self.classifier is None:
            raise RuntimeError("built with with_classifier=False: use pooled_features()")
        f = self.features(x)
        return self.classifier(f.view(f.size(0), -1))

    def pooled_features(self, x):
        """The 192 numbers per crop the workbench uses: global average pool."""
        return self.features(x).mean(dim=(2, 3, 4))
