#!/usr/bin/env node
// The workbench's commands as one program: `npx neuro-workbench train …`. The
// commands are TypeScript; tsx (a dependency) compiles them on load, as the npm
// scripts do.
require("tsx/cjs/api").register();
require("./workbench.ts");
