import { test } from "node:test";
import * as path from "node:path";
import { checkWasmBuild } from "../helpers/wasm-build";

test("the committed distances.wasm is what distances.c compiles to", (t) => {
  checkWasmBuild(t, path.resolve(__dirname, "../../lib/analysis/kernels/build.sh"));
});
