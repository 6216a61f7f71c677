import { MissingDependencyError } from "../../lib/core";
import { loadNativeKernels } from "../../lib/engine/native-kernels";

/** Throws a MissingDependencyError when the native kernels cannot be built here (for `requires`). */
export function nativeToolchain(): void {
  const native = loadNativeKernels();
  if (typeof native === "string")
    throw new MissingDependencyError(`${native}: the native kernels need a C compiler (apt-get install clang)`);
}
