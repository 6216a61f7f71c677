/**
 * A Plotly figure as plain data. Every plot in the workbench is a function
 * that returns one of these; display (notebook), export (PNG/SVG) and the
 * HTML reports all take the same object.
 */
export interface Figure {
  data: Array<Record<string, unknown>>;
  layout: Record<string, unknown>;
  config?: Record<string, unknown>;
}
