import * as path from "node:path";
import { commandFile, type PlannedJob } from "./plan";
import { shellQuote } from "./script";

export interface EmbedJobsOptions {
  /** The start of the jobs' names (`<name>-embed`, `<name>-merge`, `<name>-maps`). */
  name: string;
  /** The workbench the jobs run in (for the command files). */
  workdir: string;
  /** embed --checkpoint: a run or checkpoint directory, or a .pth. */
  checkpoint: string;
  /** embed --model, when given. */
  model?: string;
  data: string;
  /** The merged table (embed --out). */
  out: string;
  split?: string;
  batch?: number;
  /** Tasks of the array: task i embeds shard i of N. */
  shards: number;
  /** After the merge, draw the maps into this directory. */
  maps?: string;
}

/** `--flag value` pairs of the given values, quoted for bash. */
function flags(pairs: Array<[string, string | number | undefined]>): string {
  return pairs
    .filter(([, v]) => v !== undefined)
    .map(([f, v]) => `--${f} ${shellQuote(String(v))}`)
    .join(" ");
}

/**
 * The jobs of an embedding on a cluster: an array of N tasks (task i embeds
 * shard i/N, resuming from its finished chunks when requeued), the merge once
 * every task succeeded, then optionally the maps once the merge did. Paths
 * are made absolute, so the scripts do not depend on where they are submitted from.
 */
export function embedJobs(o: EmbedJobsOptions): PlannedJob[] {
  const [checkpoint, data, out] = [o.checkpoint, o.data, o.out].map((p) => path.resolve(p));
  const embed = commandFile(o.workdir, "embed");
  const jobs: PlannedJob[] = [
    {
      role: "embed",
      job: {
        name: `${o.name}-embed`,
        description: [`Embeds shard i of ${o.shards} of ${data} into ${out}.shard-i-of-${o.shards}.* (task i = shard i).`],
        tasks: o.shards,
        body: [
          `workbench ${embed} ${flags([
            ["checkpoint", checkpoint],
            ["model", o.model],
            ["data", data],
            ["out", out],
            ["split", o.split],
            ["batch", o.batch],
          ])} --shard "$SLURM_ARRAY_TASK_ID/${o.shards}"`,
        ],
      },
    },
    {
      role: "merge",
      job: {
        name: `${o.name}-merge`,
        description: [`Joins the ${o.shards} shards of ${out}, checking that every neuron of ${data} is there once.`],
        light: true,
        body: [
          `workbench ${embed} merge ${flags([
            ["out", out],
            ["shards", o.shards],
            ["data", data],
            ["split", o.split],
          ])}`,
        ],
      },
      after: { role: "embed", when: "afterok" },
    },
  ];
  if (o.maps !== undefined) {
    const maps = path.resolve(o.maps);
    jobs.push({
      role: "maps",
      job: {
        name: `${o.name}-maps`,
        description: [`Draws the t-SNE and UMAP maps of ${out} into ${maps}.`],
        body: [
          `workbench ${commandFile(o.workdir, "maps")} ${flags([
            ["embeddings", out],
            ["out", maps],
            ["data", data],
          ])}`,
        ],
      },
      after: { role: "merge", when: "afterok" },
    });
  }
  return jobs;
}
