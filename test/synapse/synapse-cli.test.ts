import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { featureFileName, readFeatureCsv } from "../../lib/synapse";
import { SYNTHETIC_SYNAPSE_TYPES, writeSyntheticSynapses } from "../../lib/synthetic";
import { runCommandProcess } from "../helpers/command-process";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "synapse-cli-"));
let data = "";

before(() => {
  data = tmp();
  // Two boxes of two synapses: the fewest the analysis takes. The real VGG3D needs seconds per 80³ crop.
  writeSyntheticSynapses(data, {
    seed: 5,
    boxes: 2,
    synapses: 2,
    width: 80,
    height: 80,
    depth: 40,
    cells: 6,
    types: [SYNTHETIC_SYNAPSE_TYPES[0]!, SYNTHETIC_SYNAPSE_TYPES[2]!],
  });
});

const synapse = (out: string, ...more: string[]) => ["--data", data, "--out", out, "--k", "2", "--no-gifs", "--no-tsne", ...more];
const FEATURES = featureFileName(10, 1);

test("Ctrl-C (SIGINT) keeps the finished synapses' features and exits 3; the same command continues to the uninterrupted run's features", async () => {
  const whole = tmp();
  const straight = await runCommandProcess("embeddings/synapse.ts", synapse(whole));
  assert.equal(straight.code, 0, straight.stderr);
  assert.match(straight.stdout, /^report: .*report_seg10_alpha1\.0\.html$/m);
  assert.equal(straight.stderr.split("\n").filter((l) => l.includes("RANDOM weights")).length, 1, "the random weights are announced once");

  const out = tmp();
  const first = await runCommandProcess("embeddings/synapse.ts", synapse(out), { stopAt: /^VGG3D features .*\] 1\/4 /, signal: "SIGINT" });
  assert.ok(first.stopSent, first.stderr);
  assert.equal(first.code, 3, first.stderr);
  assert.match(
    first.stderr,
    /synapse: SIGINT received; stopping after this synapse \(the features so far are kept\)\. Run the same command again to continue\. Ctrl-C again to kill\./,
  );
  const kept = readFeatureCsv(path.join(out, FEATURES)).rows.length;
  assert.ok(kept >= 1 && kept < 4, `${kept} synapses kept`);
  assert.match(first.stdout, new RegExp(`^Stopped: ${kept} synapses' features saved in .*${FEATURES} \\(${kept} computed now\\)\\.\\n$`));
  assert.ok(!fs.readdirSync(out).some((f) => f.startsWith("report_") || f.startsWith("clusters_")), "nothing after the features ran");

  const second = await runCommandProcess("embeddings/synapse.ts", synapse(out));
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, new RegExp(`features: 4 synapses \\(${4 - kept} computed now\\)`));
  assert.ok(
    fs.readFileSync(path.join(out, FEATURES)).equals(fs.readFileSync(path.join(whole, FEATURES))),
    "the same features, byte for byte",
  );
});

test("a value no crop can take is a usage error before any synapse is cropped", async () => {
  const out = tmp();
  const r = await runCommandProcess("embeddings/synapse.ts", synapse(out, "--alpha", "1.5"));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^synapse: alpha: expected a number in \[0, 1\], found 1\.5\n$/m);
  assert.ok(!fs.existsSync(path.join(out, featureFileName(10, 1.5))));
});
