/**
 * `export`: one checkpoint of a training run as a PyTorch state dict that
 * the original code (reference/networks.py's Autoencoder) loads strictly,
 * with `<out>.json` beside it saying which constructor arguments it needs.
 */
import { command, main } from "../lib/cli";
import { initEngine } from "../lib/engine";
import { exportRunCheckpoint } from "../lib/interop";
import { CHECKPOINT_NAMES, type CheckpointName } from "../lib/train";

export const exportCommand = command({
  name: "export",
  summary: "write a training run's checkpoint as a PyTorch .pth state dict (+ <out>.json: the network's arguments)",
  description:
    "The architecture comes from the run itself (grid and base channels of its checkpoint), so no --model is needed. <out>.json records\n" +
    "the reference constructor call, e.g. Autoencoder(grid=32, base_channels=8) for the tiny preset, the run, the checkpoint's iteration\n" +
    "and its validation scores. Load it with:\n" +
    "  from networks import Autoencoder   # reference/networks.py\n" +
    "  model = Autoencoder(grid=G, base_channels=B); model.load_state_dict(torch.load(OUT)); model.eval()",
  options: {
    checkpoint: {
      type: "string",
      placeholder: "run dir",
      description: "training run directory (npm run train -- --out …)",
      required: true,
    },
    out: { type: "string", placeholder: "file.pth", description: ".pth file to write", required: true },
    which: { type: "string", description: "which of the run's checkpoints", choices: CHECKPOINT_NAMES, default: "best-f1" },
  },
  examples: [
    "npm run export -- --checkpoint results/runs/tiny-dense --out tiny-dense.pth",
    "npm run export -- --checkpoint runs/dense64 --out dense64-last.pth --which last",
  ],
  async run({ values }) {
    await initEngine({ quiet: true });
    const r = exportRunCheckpoint(values.checkpoint, values.out, values.which as CheckpointName);
    const { grid, base_channels } = r.network.kwargs;
    const v = r.run.validation;
    console.log(
      `${values.out}: ${r.run.checkpoint} of ${r.run.dir} (${r.run.mode ?? "unknown mode"}, iteration ${r.run.iteration ?? "?"}` +
        `${v ? `, validation F1 ${v.f1.toFixed(4)}, IoU ${v.iou.toFixed(4)}` : ""}); load with Autoencoder(grid=${grid}, base_channels=${base_channels}) — see ${values.out}.json`,
    );
  },
});

if (require.main === module) main(exportCommand);
