/**
 * The readers under fuzz: for each format, the valid fixture files its
 * mutants start from and how a mutant is read.
 *
 * Archives check a CRC over each member, so a byte flipped inside a member
 * only ever tests the CRC check. The formats marked "inside" therefore mutate
 * one member (the pickle of a .pth, an .npy of an .npz, an XML part of an
 * .xlsx, the .nii in a .nii.gz) and pack it again with valid checksums, so
 * the damage reaches the parser behind the archive.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { readNifti, readNpy, readNpz, readPly, readSwc, openTiff, readTableFile, readTiff, readZip, writeZip } from "../../lib/io";
import { readTorch } from "../../lib/interop";
import { decodeGrid, parseManifest, readInfo } from "../../lib/dataset";

export const FIXTURES = path.resolve(__dirname, "../fixtures");

/** One starting point: bytes to mutate and how a mutated copy becomes the file to read. */
export interface Seed {
  /** The fixture, relative to test/fixtures (plus the member, for "inside" formats). */
  name: string;
  bytes: Uint8Array;
  /** Turns mutated bytes into the file's bytes (re-packing an archive); identity by default. */
  pack?: (mutated: Uint8Array) => Uint8Array;
}

export interface FuzzFormat {
  name: string;
  summary: string;
  seeds(): Seed[];
  /** File name the mutant is read under (its extension matters to some readers). */
  fileName(seed: Seed): string;
  /** Reads the mutant from `file` (already written there) or from `bytes`; throws on bad input. */
  read(file: string, bytes: Uint8Array, seed: Seed): unknown;
  /**
   * How much memory a mutant may take beyond the process's baseline, as a
   * multiple of the file's size (on top of 64 MiB): compressed formats may
   * legitimately decode to about 1000 times their size, raw ones may not.
   */
  expansion: number;
}

function files(dir: string, pattern: RegExp, maxBytes = 300_000): string[] {
  const root = path.join(FIXTURES, dir);
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (pattern.test(entry.name) && fs.statSync(p).size <= maxBytes) out.push(p);
    }
  };
  walk(root);
  return out;
}

function wholeFiles(dir: string, pattern: RegExp, maxBytes?: number): Seed[] {
  return files(dir, pattern, maxBytes).map((f) => ({ name: path.relative(FIXTURES, f), bytes: new Uint8Array(fs.readFileSync(f)) }));
}

/** Seeds for one member of each archive; the rest of the archive is kept as it was. */
function members(dir: string, pattern: RegExp, pick: (name: string) => boolean, compress: boolean, maxBytes?: number): Seed[] {
  const seeds: Seed[] = [];
  for (const f of files(dir, pattern, maxBytes)) {
    let zip: ReturnType<typeof readZip>;
    try {
      zip = readZip(fs.readFileSync(f), f);
    } catch {
      continue; // A fixture that is not an archive (legacy_format.pth) has no members.
    }
    const all = zip.entries.map((e) => ({ name: e.name, data: zip.read(e.name).slice() }));
    for (const m of all.filter((e) => pick(e.name))) {
      seeds.push({
        name: `${path.relative(FIXTURES, f)}:${m.name}`,
        bytes: m.data,
        pack: (mutated) =>
          writeZip(
            all.map((e) => (e === m ? { name: e.name, data: mutated } : e)),
            { compress },
          ),
      });
    }
  }
  return seeds;
}

const base = (seed: Seed): string => path.basename(seed.name.split(":")[0]!);

/** Decodes every member: an archive whose index reads can still hold members that do not. */
function readEveryNpzMember(file: string, bytes: Uint8Array): unknown[] {
  const npz = readNpz(bytes, file);
  return npz.keys.map((k) => npz.get(k));
}

export const FORMATS: FuzzFormat[] = [
  {
    name: "swc",
    summary: "SWC morphologies (lib/io/swc.ts)",
    seeds: () => wholeFiles("swc", /\.swc$/i, 60_000),
    fileName: base,
    read: (file, bytes) => readSwc(new TextDecoder().decode(bytes), file),
    expansion: 64,
  },
  {
    name: "ply",
    summary: "PLY, ASCII and binary of either byte order (lib/io/ply.ts)",
    seeds: () => wholeFiles("io", /\.ply$/i),
    fileName: base,
    read: (file, bytes) => readPly(bytes, file),
    expansion: 64,
  },
  {
    name: "npy",
    summary: "NumPy .npy arrays (lib/io/npy.ts)",
    seeds: () => wholeFiles("io", /\.npy$/i),
    fileName: base,
    read: (file, bytes) => readNpy(bytes, file),
    expansion: 64,
  },
  {
    name: "npz",
    summary: "NumPy .npz archives, every member decoded (lib/io/npz.ts, zip.ts)",
    seeds: () => [...wholeFiles("io", /\.npz$/i), ...wholeFiles("zip", /\.npz$/i)],
    fileName: base,
    read: readEveryNpzMember,
    expansion: 1100,
  },
  {
    name: "npz-inside",
    summary: "the .npy members of .npz archives, re-packed (lib/io/npy.ts behind zip.ts)",
    seeds: () => members("io", /\.npz$/i, (n) => n.endsWith(".npy"), false),
    fileName: base,
    read: readEveryNpzMember,
    expansion: 64,
  },
  {
    name: "zip",
    summary: "the zip layer: stored, deflated and zip64 archives, every member read (lib/io/zip.ts)",
    seeds: () => wholeFiles("zip", /\.zip$/i),
    fileName: base,
    read: (file, bytes) => {
      const zip = readZip(bytes, file);
      return zip.entries.map((e) => zip.read(e.name));
    },
    expansion: 1100,
  },
  {
    name: "tiff",
    summary: "TIFF in memory: strips and tiles, none/PackBits/LZW/Deflate, predictors, BigTIFF (lib/io/tiff.ts)",
    seeds: () => wholeFiles("tiff", /\.tiff?$/i),
    fileName: base,
    read: (file, bytes) => readTiff(bytes, file),
    expansion: 1100,
  },
  {
    name: "tiff-file",
    summary: "TIFF stacks opened from disk through a file handle: layout, voxel size, whole and windowed reads (lib/io/tiff.ts)",
    seeds: () => wholeFiles("tiff", /\.tiff?$/i),
    fileName: base,
    read: (file) => {
      const stack = openTiff(file);
      try {
        return [
          stack.read(),
          stack.read({ z: [stack.slices - 1, stack.slices], y: [0, 1 + (stack.height >> 1)], x: [stack.width >> 1, stack.width] }),
        ];
      } finally {
        stack.close();
      }
    },
    expansion: 1100,
  },
  {
    name: "nifti",
    summary: "NIfTI-1 .nii, and the .nii inside .nii.gz re-compressed (lib/io/nifti.ts)",
    seeds: () => [
      ...wholeFiles("nifti", /\.nii$/i),
      ...wholeFiles("nifti", /\.nii\.gz$/i).map((s) => ({
        ...s,
        name: `${s.name}:inflated`,
        bytes: new Uint8Array(zlib.gunzipSync(s.bytes)),
        pack: (m: Uint8Array) => new Uint8Array(zlib.gzipSync(m)),
      })),
      ...wholeFiles("nifti", /\.nii\.gz$/i),
    ],
    fileName: base,
    read: (file, bytes) => readNifti(bytes, file),
    expansion: 1100,
  },
  {
    name: "torch",
    summary: "PyTorch .pth archives as files (lib/interop/torch-file.ts)",
    seeds: () => wholeFiles("torch", /\.pth$/i),
    fileName: base,
    read: (file, bytes) => readTorch(bytes, file),
    expansion: 64,
  },
  {
    name: "torch-pickle",
    summary: "the pickle inside .pth archives, re-packed (lib/interop/unpickle.ts)",
    seeds: () => members("torch", /\.pth$/i, (n) => n.endsWith("data.pkl"), false),
    fileName: base,
    read: (file, bytes) => readTorch(bytes, file),
    expansion: 64,
  },
  {
    name: "csv",
    summary: "CSV tables through readTableFile (lib/io/table.ts)",
    seeds: () => [...wholeFiles("io", /\.csv$/i), ...wholeFiles("swc/real-sample", /\.csv$/i), ...wholeFiles("embeddings", /\.csv$/i)],
    fileName: base,
    read: (file) => readTableFile(file),
    expansion: 64,
  },
  {
    name: "excel",
    summary: "Excel workbooks through readTableFile, every sheet (lib/io/table.ts)",
    seeds: () => wholeFiles("excel", /\.xlsx$/i),
    fileName: base,
    read: (file) => readAllSheets(file),
    expansion: 1100,
  },
  {
    name: "excel-inside",
    summary: "the XML parts of .xlsx workbooks, re-packed (lib/io/table.ts)",
    seeds: () => members("excel", /\.xlsx$/i, (n) => n.endsWith(".xml"), true),
    fileName: base,
    read: (file) => readAllSheets(file),
    expansion: 1100,
  },
  {
    name: "manifest",
    summary: "dataset manifest.csv (lib/dataset/manifest.ts)",
    seeds: () => wholeFiles("dataset", /^manifest\.csv$/),
    fileName: base,
    read: (file, bytes) => parseManifest(new TextDecoder().decode(bytes), file),
    expansion: 64,
  },
  {
    name: "dataset-info",
    summary: "dataset.json (lib/dataset/manifest.ts)",
    seeds: () => wholeFiles("dataset", /^dataset\.json$/),
    fileName: base,
    read: (file) => readInfo(path.dirname(file)),
    expansion: 64,
  },
  {
    name: "cache",
    summary: "voxel cache grids (lib/dataset/cache-file.ts)",
    seeds: () => wholeFiles("dataset", /\.nvx$/),
    fileName: base,
    read: (file, bytes, seed) => decodeGrid(bytes, Number(path.basename(path.dirname(seed.name))), file),
    expansion: 1100,
  },
];

async function readAllSheets(file: string): Promise<unknown[]> {
  const first = await readTableFile(file);
  const out: unknown[] = [first];
  for (let sheet = 1; sheet < 3; sheet++) {
    try {
      out.push(await readTableFile(file, { sheet }));
    } catch (e) {
      // A workbook with fewer sheets says so; any other failure is the mutant's.
      if (!/no sheet/.test((e as Error).message)) throw e;
    }
  }
  return out;
}

export function formatNamed(name: string): FuzzFormat {
  const f = FORMATS.find((x) => x.name === name);
  if (!f) throw new Error(`no fuzz format "${name}"; the formats are ${FORMATS.map((x) => x.name).join(", ")}`);
  return f;
}

/** A scratch directory for the mutants of one run. */
export function scratchDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "workbench-fuzz-"));
}
