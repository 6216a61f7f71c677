export { BACKENDS, initEngine, packageInstalled } from "./backend";
export type { BackendName, EngineInfo } from "./backend";
export { installFastKernels, uninstallFastKernels, fastKernelsInstalled, fastKernelStats, FAST_KERNELS_ENV } from "./fast-kernels";
export { kernelMemoryBytes } from "./threads";
export { backendHeapBytes } from "./tensor-memory";
export { batchNormTraining, channelAffine, BATCHNORM_KERNEL_NAMES } from "./batchnorm";
