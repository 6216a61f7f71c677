// Copies the files lib/ loads at run time (WebAssembly kernels and the C
// sources of their native build, helper
// scripts, the explorer page's browser module) into dist/, so the compiled
// library that notebooks import finds them beside its code exactly as the
// TypeScript sources do.
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const ASSETS = new Set([".wasm", ".c", ".h", ".py", ".json", ".js"]);
let copied = 0;
function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const src = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(src);
    else if (ASSETS.has(path.extname(entry.name))) {
      const dest = path.join(root, "dist", path.relative(path.join(root, "lib"), src));
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(src, dest);
      copied++;
    }
  }
}
walk(path.join(root, "lib"));
console.log(`copied ${copied} run-time asset(s) from lib/ to dist/`);
