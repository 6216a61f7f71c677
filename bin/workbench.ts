/**
 * Every command of the workbench under one program. A command added to the
 * workbench is added here, which also puts it under the test that checks
 * --help, --version and usage errors for every command.
 */
import { commandGroup, main, PROGRAM } from "../lib/cli";
import { slurmCommand } from "../cluster/slurm";
import { trainCommand } from "../training/train";

export const workbench = commandGroup({
  name: PROGRAM,
  summary: "learn the 3-D shape of neurons and synapses: datasets, autoencoders, embeddings, maps, synapse clusters",
  commands: [trainCommand, slurmCommand],
});

if (require.main === module || process.argv[1]?.endsWith("neuro-workbench.js")) main(workbench, "");
