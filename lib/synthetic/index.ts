export { synthSynapseBox, SYNTHETIC_SYNAPSE_TYPES, SYNTHETIC_BOX_LABELS } from "./synapses";
export type { SynapseType, SynthSynapseBoxOptions, SyntheticSynapse, SyntheticBox } from "./synapses";
export { writeSyntheticSynapses, synthSynapsesCli, TRUE_TYPE_COLUMN } from "./synapses-write";
export type { WriteSyntheticSynapsesOptions } from "./synapses-write";
