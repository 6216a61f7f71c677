export { KERNEL_NAME, writeKernelspec, installKernelspec } from "./kernelspec";
export type { InstallKernelOptions } from "./kernelspec";
export { readNotebook, writeNotebook, withParameters, clearOutputs, cellsTagged, cellSource } from "./notebook";
export type { Notebook, NotebookCell, NotebookOutput } from "./notebook";
export { runNotebook, findNotebookPython, outputsTagged, mimeTypes, outputText } from "./run";
export type { RunNotebookOptions, NotebookRun } from "./run";
