import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { MODEL_NOTEBOOK_VARIANTS, modelNotebook, modelNotebookFile, notebookText } from "../../scripts/model-notebooks";

const root = path.resolve(__dirname, "../..");

test("the four model notebooks are the generator's output, one per variant", () => {
  assert.deepEqual([...MODEL_NOTEBOOK_VARIANTS].sort(), ["dense128", "dense64", "nlat128", "nlat64"]);
  for (const variant of MODEL_NOTEBOOK_VARIANTS) {
    const committed = modelNotebookFile(root, variant);
    assert.equal(
      fs.readFileSync(committed, "utf8"),
      notebookText(modelNotebook(variant)),
      `${path.relative(root, committed)} differs from the template: edit scripts/model-notebooks.ts and run \`npx tsx scripts/model-notebooks.ts\``,
    );
  }
});

test("the notebook text is what Python's json.dump(indent=1) writes: escapes outside ASCII, no final newline", () => {
  const nb = {
    cells: [{ cell_type: "markdown" as const, metadata: {}, source: 'a → b³ \u007f "q"\n', id: "c00" }],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
  assert.equal(
    notebookText(nb),
    '{\n "cells": [\n  {\n   "cell_type": "markdown",\n   "metadata": {},\n   "source": "a \\u2192 b\\u00b3 \\u007f \\"q\\"\\n",\n   "id": "c00"\n  }\n ],\n "metadata": {},\n "nbformat": 4,\n "nbformat_minor": 5\n}',
  );
});
