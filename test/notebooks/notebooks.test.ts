import { after, test } from "node:test";
import { requires } from "../helpers/requires";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findNotebookPython, mimeTypes, outputText, outputsTagged, runNotebook } from "../../lib/notebook";
import { NOTEBOOKS } from "./expectations";

const root = path.resolve(__dirname, "../..");
const notebookDir = path.join(root, "notebooks");
const shared = fs.mkdtempSync(path.join(os.tmpdir(), "nbtest-shared-"));
after(() => fs.rmSync(shared, { recursive: true, force: true }));
const found = fs
  .readdirSync(notebookDir)
  .filter((f) => f.endsWith(".ipynb") && !f.startsWith("."))
  .sort();

test("every notebook under notebooks/ has small test parameters and expected outputs", () => {
  const missing = found.filter((f) => !(f in NOTEBOOKS));
  assert.deepEqual(missing, [], `add these to test/notebooks/expectations.ts: ${missing.join(", ")}`);
  const stale = Object.keys(NOTEBOOKS).filter((f) => !found.includes(f));
  assert.deepEqual(stale, [], "expectations for notebooks that no longer exist");
});

test("committed notebooks carry no stale outputs", () => {
  for (const f of found) {
    const nb = JSON.parse(fs.readFileSync(path.join(notebookDir, f), "utf8")) as {
      cells: Array<{ cell_type: string; outputs?: unknown[]; execution_count?: number | null }>;
    };
    for (const [i, c] of nb.cells.entries()) {
      if (c.cell_type !== "code") continue;
      assert.equal((c.outputs ?? []).length, 0, `${f} cell ${i} has saved outputs`);
      assert.equal(c.execution_count ?? null, null, `${f} cell ${i} has an execution count`);
    }
  }
});

for (const file of found) {
  const spec = NOTEBOOKS[file];
  if (!spec) continue;
  test(`notebook ${file} runs top to bottom in a tslab kernel`, { timeout: 30 * 60 * 1000 }, (t) => {
    if (!requires(t, findNotebookPython)) return;
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `nbtest-${path.basename(file, ".ipynb")}-`));
    const run = runNotebook(path.join(notebookDir, file), { parameters: spec.parameters(scratch, shared) });
    assert.ok(run.ok, `${file} failed:\n${run.error?.message}\n(executed notebook kept at ${run.outFile})`);
    for (const [tag, want] of Object.entries(spec.outputs)) {
      const outputs = outputsTagged(run.notebook, tag);
      assert.ok(outputs.length > 0, `${file}: cell tagged "${tag}" produced no output`);
      const mimes = mimeTypes(outputs);
      for (const m of want.mimes ?? [])
        assert.ok(mimes.has(m), `${file}: cell "${tag}" has no ${m} output (found ${[...mimes].join(", ")})`);
      if (want.text) assert.match(outputText(outputs), want.text, `${file}: cell "${tag}" text`);
    }
    for (const f of spec.files ?? []) {
      const full = path.join(scratch, f);
      assert.ok(fs.existsSync(full) && fs.statSync(full).size > 0, `${file}: expected ${f} to be written`);
    }
    fs.rmSync(scratch, { recursive: true, force: true });
  });
}
