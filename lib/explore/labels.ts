import type { Matrix } from "../analysis";
import { ConfigError } from "../core";
import { categoricalMap, continuousMap, type Figure } from "../viz";

/**
 * Label columns as the explorer colours by them: one string per point, ""
 * when missing. A column whose present values are all numbers is drawn
 * with a colour bar, any other with a legend (the rule `npm run maps`
 * follows, so a map looks the same in both).
 */
export type LabelColumns = Record<string, string[]>;

export type LabelKind = "categorical" | "continuous";

function labelKind(values: readonly string[]): LabelKind {
  const present = values.filter((v) => v !== "");
  return present.length > 0 && present.every((v) => Number.isFinite(Number(v))) ? "continuous" : "categorical";
}

/** What the page's colour menu lists: each column's name and kind. */
export function describeColumns(columns: LabelColumns): Array<{ name: string; kind: LabelKind }> {
  return Object.entries(columns).map(([name, values]) => ({ name, kind: labelKind(values) }));
}

/**
 * Adds the columns of `from` (rows found by id) that `into` lacks: the
 * first source of a column wins, so a map file's labels are not replaced
 * by an older manifest's.
 */
export function joinColumns(into: LabelColumns, ids: readonly string[], fromIds: readonly string[], from: LabelColumns): void {
  const at = new Map(fromIds.map((id, i) => [id, i]));
  for (const [name, values] of Object.entries(from)) {
    if (name in into) continue;
    into[name] = ids.map((id) => {
      const i = at.get(id);
      return i === undefined ? "" : (values[i] ?? "");
    });
  }
}

/** The column to colour by first: the cortical layer when there is one, else the first categorical column. */
export function defaultColour(columns: LabelColumns, preferred: readonly string[]): string | null {
  for (const p of preferred) if (p in columns) return p;
  const categorical = Object.entries(columns).find(([, values]) => labelKind(values) === "categorical");
  return categorical?.[0] ?? Object.keys(columns)[0] ?? null;
}

/** A map coloured by one label column, with the ids as each point's customdata (for clicks and selections). */
export function labelMap(points: Matrix, ids: readonly string[], columns: LabelColumns, colour: string, method: string): Figure {
  const values = columns[colour];
  if (!values)
    throw new ConfigError(
      `colour by "${colour}": no such column; the columns are ${Object.keys(columns)
        .map((c) => `"${c}"`)
        .join(", ")}`,
    );
  const common = { ids, colorName: colour, method };
  return labelKind(values) === "categorical"
    ? categoricalMap(points, values, common)
    : continuousMap(
        points,
        values.map((v) => (v === "" ? null : Number(v))),
        { ...common, reverseScale: colour === "depth" },
      );
}
