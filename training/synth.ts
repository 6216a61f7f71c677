/**
 * Synthetic data for the shipped default and for tests:
 *   npm run synth -- neurons  --out <dir> --count N --seed S   (cortical neurons: SWC, point clouds, manifest)
 *   npm run synth -- synapses --out <dir> ...                  (EM synapse boxes)
 */
import { WorkbenchError } from "../lib/core";
import { synthNeuronsCli, synthSynapsesCli } from "../lib/synthetic";

const USAGE = "usage: npm run synth -- <neurons|synapses> --out <dir> [options]   (add --help after the kind for its options)";

async function main(argv: string[]): Promise<number> {
  const [kind, ...rest] = argv;
  if (kind === "neurons") return synthNeuronsCli(rest);
  if (kind === "synapses") return synthSynapsesCli(rest);
  console.error(kind === undefined || kind === "--help" ? USAGE : `synth: unknown kind ${JSON.stringify(kind)}\n${USAGE}`);
  return kind === "--help" ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof WorkbenchError ? `synth: ${e.message}` : e);
    process.exit(1);
  },
);
