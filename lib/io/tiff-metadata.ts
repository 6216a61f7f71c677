/**
 * What microscope software says about a TIFF stack beyond its pixels: how
 * the pages divide into channels, z-slices and time frames, and the voxel
 * size. OME-XML (Bio-Formats, OME-TIFF writers) is read first, then ImageJ's
 * description ("ImageJ=1.54f\nimages=60\nchannels=2\nslices=30\n…"), then the
 * XResolution/YResolution tags with their unit.
 */

/** Physical size of one voxel. `z` is absent when the file does not say. */
export interface TiffSpacing {
  x: number;
  y: number;
  z?: number;
  /** "µm", "nm", … as the file gives it ("micron" and "um" are written "µm"). */
  unit: string;
  /** Where it was read from. */
  source: "ome" | "imagej" | "resolution";
}

/** How the full-resolution pages divide into channels × slices × frames. */
export interface TiffLayout {
  channels: number;
  slices: number;
  frames: number;
  /** The page holding channel c of slice z in frame t. */
  pageOf(c: number, z: number, t: number): number;
}

/** Something about the file that the reader worked around, for the caller to show. */
export interface TiffFinding {
  kind: "reduced-resolution" | "layout";
  message: string;
}

/** The resolution tags of the first page: pixels per unit, and ResolutionUnit (1 none, 2 inch, 3 cm). */
export interface TiffResolution {
  x?: number;
  y?: number;
  unit?: number;
}

function normaliseUnit(unit: string): string {
  const u = unit.trim();
  return /^(micron|microns|um|µm|μm|\\u00B5m)$/i.test(u) ? "µm" : u;
}

function positive(v: number | undefined): number | undefined {
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : undefined;
}

/** ImageJ's description: one `key=value` per line. */
function imagejFields(description: string): Map<string, string> | null {
  if (!description.startsWith("ImageJ=")) return null;
  const fields = new Map<string, string>();
  for (const line of description.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) fields.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return fields;
}

function omePixels(description: string): Map<string, string> | null {
  if (!/<OME[\s>]/.test(description)) return null;
  const tag = /<(?:\w+:)?Pixels\b([^>]*)>/.exec(description);
  if (!tag) return null;
  const attrs = new Map<string, string>();
  for (const m of tag[1]!.matchAll(/(\w+)\s*=\s*"([^"]*)"/g)) attrs.set(m[1]!, m[2]!);
  return attrs;
}

/** Page order for dimensions listed fastest first, e.g. "CZT" (ImageJ's, and OME's XYCZT). */
function layout(order: string, sizes: { C: number; Z: number; T: number }): TiffLayout {
  const dims = order.split("") as Array<"C" | "Z" | "T">;
  return {
    channels: sizes.C,
    slices: sizes.Z,
    frames: sizes.T,
    pageOf(c, z, t) {
      const at = { C: c, Z: z, T: t };
      let index = 0;
      for (let k = dims.length - 1; k >= 0; k--) index = index * sizes[dims[k]!] + at[dims[k]!];
      return index;
    },
  };
}

/** Integer ≥ 1 from metadata text, else the fallback. */
function count(text: string | undefined, fallback: number): number {
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= 1 ? n : fallback;
}

/** The number of images ImageJ says the file holds (it may write only the first directory). */
export function imagejImages(description: string | undefined): number | undefined {
  const fields = description ? imagejFields(description) : null;
  const n = Number(fields?.get("images"));
  return Number.isSafeInteger(n) && n >= 1 ? n : undefined;
}

/**
 * Layout, spacing and findings for a stack of `pages` full-resolution pages
 * whose first page has `description` and `resolution`.
 */
export function stackMetadata(
  description: string | undefined,
  resolution: TiffResolution,
  pages: number,
): { layout: TiffLayout; spacing?: TiffSpacing; findings: TiffFinding[] } {
  const findings: TiffFinding[] = [];
  const flat = layout("ZCT", { C: 1, Z: pages, T: 1 });
  const ome = description ? omePixels(description) : null;
  const imagej = description ? imagejFields(description) : null;
  let found: TiffLayout = flat;
  let spacing: TiffSpacing | undefined;
  const check = (l: TiffLayout, who: string): TiffLayout => {
    if (l.channels * l.slices * l.frames === pages) return l;
    findings.push({
      kind: "layout",
      message: `${who} describes ${l.channels} channels × ${l.slices} slices × ${l.frames} frames, but the file has ${pages} full-resolution pages; they are read as ${pages} slices`,
    });
    return flat;
  };
  if (ome) {
    const order = /^XY([CZT]{3})$/.exec(ome.get("DimensionOrder") ?? "XYZCT")?.[1] ?? "ZCT";
    found = check(
      layout(order, { C: count(ome.get("SizeC"), 1), Z: count(ome.get("SizeZ"), 1), T: count(ome.get("SizeT"), 1) }),
      "the OME-XML metadata",
    );
    const x = positive(Number(ome.get("PhysicalSizeX")));
    const y = positive(Number(ome.get("PhysicalSizeY")));
    if (x !== undefined && y !== undefined) {
      spacing = {
        x,
        y,
        z: positive(Number(ome.get("PhysicalSizeZ"))),
        unit: normaliseUnit(ome.get("PhysicalSizeXUnit") ?? "µm"),
        source: "ome",
      };
    }
  } else if (imagej) {
    const channels = count(imagej.get("channels"), 1);
    const frames = count(imagej.get("frames"), 1);
    const slices = count(imagej.get("slices"), Math.max(1, Math.floor(pages / (channels * frames))));
    found = check(layout("CZT", { C: channels, Z: slices, T: frames }), "the ImageJ description");
    const x = positive(resolution.x);
    const y = positive(resolution.y);
    if (x !== undefined && y !== undefined) {
      spacing = {
        x: 1 / x,
        y: 1 / y,
        z: positive(Number(imagej.get("spacing"))),
        unit: normaliseUnit(imagej.get("unit") ?? "pixel"),
        source: "imagej",
      };
    }
  }
  if (!spacing && (resolution.unit === 2 || resolution.unit === 3)) {
    const x = positive(resolution.x);
    const y = positive(resolution.y);
    const perUnit = resolution.unit === 2 ? 25400 : 10000;
    if (x !== undefined && y !== undefined) spacing = { x: perUnit / x, y: perUnit / y, unit: "µm", source: "resolution" };
  }
  return { layout: found, spacing, findings };
}
