/**
 * The workbench's error hierarchy. Every error a user can meet is a
 * WorkbenchError, so notebooks and CLIs can tell "your input is wrong" from a bug.
 */
export class WorkbenchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A file could not be read as the format it claims to be. The message starts
 * with `file:line:` (or `file@byte:` for binary formats) like a compiler's.
 */
export class ParseError extends WorkbenchError {
  readonly file: string;
  readonly line?: number;
  readonly byteOffset?: number;

  constructor(file: string, where: { line?: number; byteOffset?: number }, what: string, options?: { cause?: unknown }) {
    const loc = where.line !== undefined ? `${file}:${where.line}` : where.byteOffset !== undefined ? `${file}@${where.byteOffset}` : file;
    super(`${loc}: ${what}`, options);
    this.file = file;
    this.line = where.line;
    this.byteOffset = where.byteOffset;
  }
}

/** An option, preset or configuration value is not acceptable. */
export class ConfigError extends WorkbenchError {}

/** Something the workbench needs (a package, a program) is not installed. */
export class MissingDependencyError extends WorkbenchError {}
