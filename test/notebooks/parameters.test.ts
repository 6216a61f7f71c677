import { test } from "node:test";
import * as assert from "node:assert/strict";
import { cellSource, withParameters, clearOutputs, type Notebook } from "../../lib/notebook";

function nb(paramSource: string): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: "markdown", source: "# t", metadata: {} },
      {
        cell_type: "code",
        source: paramSource,
        metadata: { tags: ["parameters"] },
        outputs: [{ output_type: "stream", text: "x" }],
        execution_count: 3,
      },
      { cell_type: "code", source: "const DATA = 1;", metadata: {}, outputs: [], execution_count: 4 },
    ],
  };
}

test("parameters are replaced by JSON values, keeping types and comments", () => {
  const src = 'const DATA_DIR = "../data"; // where the neurons are\nlet COUNT: number = 10;\nconst TRAIN = false;\n// a note';
  const out = withParameters(nb(src), { DATA_DIR: "/tmp/x y", COUNT: 3, TRAIN: true });
  assert.equal(
    cellSource(out.cells[1]!),
    'const DATA_DIR = "/tmp/x y"; // where the neurons are\nlet COUNT: number = 3;\nconst TRAIN = true;\n// a note',
  );
  assert.equal(cellSource(out.cells[2]!), "const DATA = 1;", "only the parameters cell changes");
});

test("an unknown parameter is an error listing the known ones", () => {
  assert.throws(
    () => withParameters(nb('const A = 1;\nconst B = "x";'), { C: 2 }, "nb.ipynb"),
    /nb\.ipynb: unknown parameter\(s\) C; the parameters cell defines A, B/,
  );
});

test("a notebook without a parameters cell accepts no parameters", () => {
  const n = nb("const A = 1;");
  n.cells[1]!.metadata = {};
  assert.doesNotThrow(() => withParameters(n, {}));
  assert.throws(() => withParameters(n, { A: 2 }, "x.ipynb"), /x\.ipynb: no code cell is tagged "parameters"/);
});

test("clearOutputs removes outputs and execution counts", () => {
  const out = clearOutputs(nb("const A = 1;"));
  for (const c of out.cells.filter((c) => c.cell_type === "code")) {
    assert.deepEqual(c.outputs, []);
    assert.equal(c.execution_count, null);
  }
});
