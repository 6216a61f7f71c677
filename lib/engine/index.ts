export { BACKENDS, BACKEND_ENV, initEngine, engineInfo, isAvailable } from "./backend";
export type { BackendName, EngineInfo } from "./backend";
