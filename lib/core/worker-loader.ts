/**
 * The module that lets a worker thread load `file`: tsx's CommonJS hook when
 * `file` is TypeScript (workers do not inherit the parent's loader), else none.
 */
export function workerLoader(file: string): string | undefined {
  return file.endsWith(".ts") ? require.resolve("tsx/cjs/api") : undefined;
}

/** Source for `new Worker(code, { eval: true })` that loads `file`, registering the loader first when it needs one. */
export function workerEntry(file: string): string {
  const loader = workerLoader(file);
  const register = loader === undefined ? "" : `require(${JSON.stringify(loader)}).register();`;
  return `${register}require(${JSON.stringify(file)});`;
}
