import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeNpzFile, writeNpyFile } from "../../lib/io";
import { importUpstream, buildCache, loadPointCloud } from "../../lib/dataset";
import { neuronGrid } from "../../lib/voxel";

test("the upstream layout (coords/<id>.npz, .npy split lists, label table) imports as is", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "upstream-"));
  const coords = path.join(root, "coords");
  fs.mkdirSync(coords);
  const ids = [864691135012345678n, 864691135012345679n, 864691135000000001n, 17n];
  ids.slice(0, 3).forEach((id, k) => {
    const pts = Float32Array.from({ length: 600 }, (_, i) => (Math.sin(i * (k + 1)) * 300 + 50 * k) / 1000);
    writeNpzFile(path.join(coords, `${id}.npz`), { data: { data: pts, shape: [200, 3], dtype: "float16" } }, { compress: true });
  });
  writeNpyFile(path.join(root, "train.npy"), BigInt64Array.from([ids[0]!, ids[1]!, ids[3]!]));
  writeNpyFile(path.join(root, "val.npy"), BigInt64Array.from([ids[2]!]));
  fs.writeFileSync(
    path.join(root, "labels.csv"),
    "segment_id,soma_x,soma_y,soma_z,layer,depth\n" + `${ids[0]},0.01,0.02,0.03,L2/3,210.5\n${ids[2]},0,0,0,L5,512\n`,
  );
  const res = await importUpstream({
    out: path.join(root, "ds"),
    coordsDir: coords,
    splits: { train: path.join(root, "train.npy"), val: path.join(root, "val.npy") },
    labels: path.join(root, "labels.csv"),
    idColumn: "segment_id",
    somaScale: 1000,
  });
  const ds = res.dataset;
  assert.deepEqual(res.missingClouds, ["17"]);
  assert.deepEqual(res.missingLabels, ["864691135012345679"]);
  assert.deepEqual(ds.ids("train"), ["864691135012345678", "864691135012345679"]);
  assert.deepEqual(ds.ids("val"), ["864691135000000001"]);
  assert.deepEqual(ds.row("864691135012345678").soma, [10, 20, 30]);
  assert.deepEqual(ds.row("864691135012345678").labels, { layer: "L2/3", depth: "210.5" });
  assert.equal(ds.row("864691135012345679").soma, null);
  // Some neurons lack a soma, so the dataset centres on the mean.
  assert.equal(ds.info.centre, "mean");
  const built = await buildCache(ds.dir, { sizes: [16] });
  assert.equal(built.built, 3);
  const cloud = loadPointCloud(ds.sourceFile("864691135000000001"));
  assert.deepEqual(ds.grid("864691135000000001", 16), neuronGrid(cloud, { size: 16, centre: "mean" }).data);
});
