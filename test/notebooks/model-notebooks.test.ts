import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeNotebook } from "../../lib/notebook";
import { MODEL_NOTEBOOK_VARIANTS, modelNotebook, modelNotebookFile } from "../../scripts/model-notebooks";

const root = path.resolve(__dirname, "../..");

test("the four model notebooks are the generator's output, one per variant", () => {
  assert.deepEqual([...MODEL_NOTEBOOK_VARIANTS].sort(), ["dense128", "dense64", "nlat128", "nlat64"]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "model-notebooks-"));
  for (const variant of MODEL_NOTEBOOK_VARIANTS) {
    const fresh = path.join(dir, `${variant}.ipynb`);
    writeNotebook(fresh, modelNotebook(variant));
    const committed = modelNotebookFile(root, variant);
    assert.equal(fs.readFileSync(committed, "utf8"), fs.readFileSync(fresh, "utf8"), `${path.relative(root, committed)} differs from the template: edit scripts/model-notebooks.ts and run \`npx tsx scripts/model-notebooks.ts\``);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
