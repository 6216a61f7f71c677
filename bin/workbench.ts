/**
 * Every command of the workbench under one program. A command added to the
 * workbench is added here, which also puts it under the test that checks
 * --help, --version and usage errors for every command.
 */
import { commandGroup, main, PROGRAM } from "../lib/cli";
import { slurmCommand } from "../cluster/slurm";
import { datasetCommand } from "../datasets/dataset";
import { synthCommand } from "../datasets/synth";
import { voxelizeCommand } from "../datasets/voxelize";
import { demoCommand } from "../demo/demo";
import { embedCommand } from "../embeddings/embed";
import { evaluateCommand } from "../embeddings/evaluate";
import { exploreCommand } from "../embeddings/explore";
import { mapsCommand } from "../embeddings/maps";
import { synapseCommand } from "../embeddings/synapse";
import { exportCommand } from "../training/export";
import { inferCommand } from "../training/infer";
import { trainCommand } from "../training/train";

export const workbench = commandGroup({
  name: PROGRAM,
  summary: "learn the 3-D shape of neurons and synapses: datasets, autoencoders, embeddings, maps, synapse clusters",
  // In the order of the work: data, models, embeddings and maps, synapses, the cluster.
  commands: [
    demoCommand,
    datasetCommand,
    synthCommand,
    voxelizeCommand,
    trainCommand,
    inferCommand,
    exportCommand,
    embedCommand,
    mapsCommand,
    evaluateCommand,
    synapseCommand,
    exploreCommand,
    slurmCommand,
  ],
});

if (require.main === module || process.argv[1]?.endsWith("neuro-workbench.js")) main(workbench, "");
