export { synthSynapseBox, SYNTHETIC_SYNAPSE_TYPES } from "./synapses";
export type { SynapseType, SynthSynapseBoxOptions, SyntheticSynapse, SyntheticBox } from "./synapses";
export { writeSyntheticSynapses, TRUE_TYPE_COLUMN } from "./synapses-write";
export type { WriteSyntheticSynapsesOptions } from "./synapses-write";
export { synthNeurons, synthNeuron } from "./neurons";
export type { SynthNeuronsOptions, SynthNeuronsResult } from "./neurons";
export { NEURON_CLASSES, layerAt, growNeuron, somaDepthFor } from "./neuron-classes";
export type { NeuronClass } from "./neuron-classes";
