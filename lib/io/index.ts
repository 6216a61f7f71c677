export { readTiff, readTiffFile, openTiff, readTiffWindow, writeTiff, writeTiffFile } from "./tiff";
export type {
  TiffImage,
  TiffPixels,
  TiffSampleFormat,
  TiffCompression,
  WriteTiffOptions,
  TiffStack,
  TiffVolume,
  TiffWindow,
  TiffSpacing,
  TiffFinding,
} from "./tiff";
export { readZip, writeZip, crc32 } from "./zip";
export type { ZipArchive, ZipEntry, ZipInput, ZipMethod, WriteZipOptions } from "./zip";
export { readNifti, readNiftiFile } from "./nifti";
export type { NiftiVolume } from "./nifti";
export { readSwc, readSwcFile, formatSwc, writeSwcFile } from "./swc";
export { readNpy, readNpyFile, writeNpy, writeNpyFile, npyToFloat64, npyToStrings } from "./npy";
export type { NpyArray, NpyData, NpyDtype } from "./npy";
export { gatherStrided } from "./strided";
export { floatToHalf, halfToFloat } from "./float16";
export { readNpz, readNpzFile, writeNpz, writeNpzFile, readNeuronNpz, readNeuronNpzFile, readIdListFile } from "./npz";
export type { NpzArchive, NpzInput, NeuronNpzOptions } from "./npz";
export { readPly, readPlyFile, writePly, writePlyFile } from "./ply";
export type { PlyData, PlyFormat, WritePlyOptions } from "./ply";
export { readExcel, readExcelFile, writeXlsx } from "./excel";
export type { ExcelCell, ExcelSheet } from "./excel";
export { readTableFile, tableToDataFrame, tableColumn, parseCsv, formatCsv } from "./table";
export type { Table, Cell, ReadTableOptions, TableFormat } from "./table";
