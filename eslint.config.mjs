// typescript-eslint's strict, type-checked rules, less the few that fight
// this codebase's deliberate choices (noted at each).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "results/**", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Numbers and booleans in template strings are the normal way to build messages here.
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
      // Typed-array and Map lookups are checked by the surrounding logic; `!` marks where.
      "@typescript-eslint/no-non-null-assertion": "off",
      // node:test's test() and describe() return promises the runner itself awaits.
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          allowForKnownSafeCalls: [
            {
              from: "package",
              package: "node:test",
              name: ["test", "it", "describe", "suite", "before", "after", "beforeEach", "afterEach"],
            },
          ],
        },
      ],
      // `(x) => void f(x)` arrows (event handlers, callbacks) read better without braces.
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
      // These packages load on first use through require: optional or heavy ones (the tfjs backends, esbuild, tslab), and ESM-only or untyped ones typed where they are used.
      "@typescript-eslint/no-require-imports": [
        "error",
        {
          allow: [
            "^@tensorflow/tfjs-(node|node-gpu|backend-wasm)$",
            "^esbuild$",
            "^tslab$",
            "^ml-kmeans$",
            "^read-excel-file/node$",
            "^tsne-js$",
            "^gifenc$",
          ],
        },
      ],
      // Callbacks and commands may return nothing or a value (`void | boolean`, `number | void`), so handlers can be plain statements.
      "@typescript-eslint/no-invalid-void-type": "off",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
    },
  },
  {
    files: ["test/**"],
    rules: {
      // Tests match printed text as it is printed, its indentation and column alignment included.
      "no-regex-spaces": "off",
    },
  },
);
