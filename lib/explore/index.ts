export { startExplorer } from "./server";
export type { ExploreOptions, Explorer } from "./server";
export { readCatalogue } from "./catalogue";
export type { Catalogue, RunEntry, MapFileEntry } from "./catalogue";
