export { command, commandGroup, commandHelp, EXIT, EXIT_CODES_HELP, main, PROGRAM, reportError, runCommand } from "./command";
export type { AnyCommand, Command, CommandGroup, Invocation, RunResult } from "./command";
export { flagName, parseOptions, UsageError } from "./options";
export type { OptionSpec, OptionSpecs, OptionType, OptionValues, ParsedArguments, PositionalSpec } from "./options";
export { listenForStop, STOP_SIGNALS } from "./stop";
export type { StopRequest } from "./stop";
export { projectVersion } from "./version";
