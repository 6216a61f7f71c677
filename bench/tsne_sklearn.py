"""sklearn's Barnes-Hut t-SNE on the benchmark data, for bench/tsne.ts.

Usage: /usr/bin/python3 bench/tsne_sklearn.py DATA.npy PERPLEXITY OUT.npy [DIMS]
Prints one JSON line: {"seconds": ..., "threads": ..., "sklearn": "1.2.1", "kl": ...}
Same settings as the TypeScript run: Barnes-Hut, angle 0.5, init "pca",
learning rate "auto", early exaggeration 12, 1000 iterations, seed 42.
"""
import json
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.manifold import TSNE

data, perplexity, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
dims = int(sys.argv[4]) if len(sys.argv) > 4 else 2
X = np.load(data)
model = TSNE(
    n_components=dims,
    perplexity=perplexity,
    method="barnes_hut",
    angle=0.5,
    init="pca",
    learning_rate="auto",
    early_exaggeration=12.0,
    n_iter=1000,
    random_state=42,
)
start = time.perf_counter()
Y = model.fit_transform(X)
seconds = time.perf_counter() - start
np.save(out, Y.astype(np.float64))
print(json.dumps({
    "seconds": seconds,
    "sklearn": sklearn.__version__,
    "threads": os.cpu_count(),
    "kl": float(model.kl_divergence_),
    "iterations": int(model.n_iter_),
}))
