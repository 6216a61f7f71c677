/**
 * A data-quality problem met while loading or cropping: returned, not thrown,
 * so one bad synapse or box never stops the others.
 */
export interface Finding {
  /** "error": the box or synapse was skipped; "warning": used, but look at it. */
  level: "error" | "warning";
  box: string;
  synapse?: string;
  field?: string;
  message: string;
}

/** `bbox2 synapse "s7" central_coord_1: ...` — how findings read in logs and reports. */
export function formatFinding(f: Finding): string {
  const where = [f.box, f.synapse !== undefined ? `synapse ${JSON.stringify(f.synapse)}` : "", f.field ?? ""].filter(Boolean).join(" ");
  return `${f.level}: ${where}: ${f.message}`;
}
