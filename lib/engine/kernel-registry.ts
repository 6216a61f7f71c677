import * as tf from "@tensorflow/tfjs";

// tfjs declares getKernel and getGradient as always returning a config, but
// they return undefined for a name nothing is registered under.

/** The kernel registered as `name` for `backend`, if any. */
export function registeredKernel(name: string, backend: string): tf.KernelConfig | undefined {
  return tf.getKernel(name, backend);
}

/** The gradient registered for the kernel `name`, if any. */
export function registeredGradient(name: string): tf.GradConfig | undefined {
  return tf.getGradient(name);
}
