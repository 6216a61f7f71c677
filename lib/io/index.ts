export { readTiff, readTiffFile, writeTiff, writeTiffFile } from "./tiff";
export type { TiffImage, TiffPixels, TiffSampleFormat, TiffCompression, WriteTiffOptions } from "./tiff";
