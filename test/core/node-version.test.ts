import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { isSupportedNode, MINIMUM_NODE, requireSupportedNode } from "../../lib/core";

test("Node older than 20.19 is refused with the fix; this Node and newer ones pass", () => {
  assert.equal(MINIMUM_NODE, "20.19.0");
  for (const v of ["20.19.0", "v20.20.2", "22.3.0", "24.0.0", process.versions.node]) assert.equal(isSupportedNode(v), true, v);
  for (const v of ["20.18.1", "v18.20.4", "20.0.0", "16.20.2"]) assert.equal(isSupportedNode(v), false, v);
  assert.throws(
    () => requireSupportedNode("20.18.1"),
    /the workbench needs Node\.js >= 20\.19\.0 .*this is Node\.js 20\.18\.1\. Install a newer Node/,
  );
  const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../package.json"), "utf8")) as { engines: { node: string } };
  assert.equal(pkg.engines.node, `>=${MINIMUM_NODE}`);
});

test("a command started on an old Node fails at load with the message", () => {
  // Pretend to be Node 20.18 before anything of the workbench loads.
  const pretend = "Object.defineProperty(process.versions, 'node', { value: '20.18.1' });";
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", "-e", `${pretend} require(${JSON.stringify(path.resolve(__dirname, "../../scripts/kernel.ts"))})`],
    { encoding: "utf8" },
  );
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /needs Node\.js >= 20\.19\.0/);
});
