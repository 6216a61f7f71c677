import { after, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { initEngine } from "../../lib/engine";
import { openDataset } from "../../lib/dataset";
import { exportStateDict } from "../../lib/interop";
import { createAutoencoder, disposeAutoencoder } from "../../lib/models";
import { modelGrid, prepareAutoencoder, trainingCurves } from "../../lib/pipeline";
import { synthNeurons } from "../../lib/synthetic";
import { resolveTrainOptions, train } from "../../lib/train";

const made: string[] = [];
const tmp = (name: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `model-setup-${name}-`));
  made.push(dir);
  return dir;
};

test(
  "a notebook of any variant takes a workbench run of another preset: grid, channels, mode and splits come from the run",
  { timeout: 10 * 60 * 1000 },
  async () => {
    await initEngine({ quiet: true });
    const data = tmp("data");
    await synthNeurons({ out: data, count: 10, seed: 5, points: 3000, grids: [16] });
    const dataset = openDataset(data);
    const run = path.join(tmp("run"), "custom-nlat");
    const options = resolveTrainOptions("tiny", {
      mode: "nlat",
      grid: 16,
      baseChannels: 2,
      latentCells: 4,
      batchSize: 4,
      validationBatchSize: 4,
      iterations: 2,
    });
    await train(dataset, run, options);
    const unused = path.join(tmp("unused"), "run");

    assert.equal(modelGrid("dense128", run), 16, "a run's grid, whatever the variant");
    assert.equal(modelGrid("dense64", "", run), 16, "without a checkpoint, the run kept in the run directory");
    assert.equal(modelGrid("dense64", "", unused), resolveTrainOptions("tiny").grid, "else the tiny preset's");

    const setup = await prepareAutoencoder({ variant: "dense128", checkpoint: run, dataset, runDir: unused });
    assert.equal(setup.autoencoder.grid, 16);
    assert.equal(setup.autoencoder.channels[0], 2);
    assert.equal(setup.mode, "nlat");
    assert.equal(setup.latentCells, 4);
    assert.deepEqual(setup.splits, { train: "train", validation: "val" });
    assert.equal(setup.runDir, run);
    assert.equal(setup.trained, null);
    assert.match(setup.origin, /^run .*custom-nlat \(best-f1\)$/);
    assert.ok(!fs.existsSync(unused), "a given run is used, nothing is trained elsewhere");
    assert.ok(trainingCurves({ runDir: setup.runDir }).figures.training, "the run's log gives the training curves");
    disposeAutoencoder(setup.autoencoder);

    const best = path.join(run, "checkpoints", "best-f1");
    assert.equal(modelGrid("nlat64", best), 16);
    const one = await prepareAutoencoder({ variant: "nlat64", checkpoint: best, dataset, runDir: unused });
    assert.equal(one.mode, "nlat");
    assert.equal(one.runDir, run, "a checkpoint inside a run still finds the run's log");
    disposeAutoencoder(one.autoencoder);
    await assert.rejects(
      prepareAutoencoder({ variant: "nlat64", checkpoint: best, dataset, runDir: unused, train: true }),
      /is a single checkpoint; give its run directory to continue training/,
    );
  },
);

test("a thesis .pth takes its architecture from the notebook's variant", async () => {
  await initEngine({ quiet: true });
  const file = path.join(tmp("pth"), "nlat64.pth");
  const source = createAutoencoder({ grid: 64, baseChannels: 2, seed: 4 });
  exportStateDict(file, source);
  disposeAutoencoder(source);
  const dataset = { dir: "unused" } as never;

  assert.equal(modelGrid("nlat64", file), 64);
  const setup = await prepareAutoencoder({ variant: "nlat64", checkpoint: file, dataset, runDir: "unused" });
  assert.equal(setup.autoencoder.grid, 64);
  assert.equal(setup.autoencoder.channels[0], 2, "base channels are read from the weights");
  assert.equal(setup.mode, "nlat");
  assert.equal(setup.options, null);
  assert.equal(setup.runDir, null);
  assert.match(setup.origin, /^thesis checkpoint .*nlat64\.pth \(nlat64\)$/);
  disposeAutoencoder(setup.autoencoder);

  await assert.rejects(
    prepareAutoencoder({ variant: "dense128", checkpoint: file, dataset, runDir: "unused" }),
    /expected an autoencoder for grid 128/,
  );
  await assert.rejects(
    prepareAutoencoder({ variant: "nlat64", checkpoint: file, dataset, runDir: "unused", train: true }),
    /is a PyTorch file; only a workbench run directory can continue training/,
  );
  assert.throws(
    () => modelGrid("dense64", path.join(path.dirname(file), "missing.pth")),
    /missing\.pth: does not exist \(expected a workbench run directory/,
  );
});

after(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});
