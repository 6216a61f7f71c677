import { test } from "node:test";
import * as path from "node:path";
import { checkWasmBuild } from "../helpers/wasm-build";

test("the committed kernels.wasm is what its C sources compile to", (t) => {
  checkWasmBuild(t, path.resolve(__dirname, "../../lib/engine/kernels/build.sh"));
});
