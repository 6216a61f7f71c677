export { readTiff, readTiffFile, writeTiff, writeTiffFile } from "./tiff";
export type { TiffImage, TiffPixels, TiffSampleFormat, TiffCompression, WriteTiffOptions } from "./tiff";
export { readZip, writeZip, crc32 } from "./zip";
export type { ZipArchive, ZipEntry, ZipInput, ZipMethod, WriteZipOptions } from "./zip";
export { readNifti, readNiftiFile } from "./nifti";
export type { NiftiVolume } from "./nifti";
export { readSwc, readSwcFile, formatSwc, writeSwcFile } from "./swc";
