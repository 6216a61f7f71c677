/**
 * `--name value` arguments of a subcommand, checked against the names it
 * knows; `--out` is required. Prints the usage for --help (exit code 0) and a message naming the
 * problem for anything else it cannot take (exit code 2); the caller returns
 * that code.
 */
export function parseFlags(command: string, argv: readonly string[], known: readonly string[], usage: string): Map<string, string> | number {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--help" || a === "-h") {
      console.log(usage);
      return 0;
    }
    if (!a.startsWith("--") || i + 1 >= argv.length) {
      console.error(`${command}: unexpected argument ${JSON.stringify(a)}\n${usage}`);
      return 2;
    }
    args.set(a.slice(2), argv[++i]!);
  }
  const unknown = [...args.keys()].filter((k) => !known.includes(k));
  if (unknown.length > 0 || !args.has("out")) {
    console.error(`${command}: ${unknown.length > 0 ? `unknown option --${unknown[0]}` : "--out <dir> is required"}\n${usage}`);
    return 2;
  }
  return args;
}
