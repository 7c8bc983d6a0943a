/** What counts as a JSON object, in one place: every parser of client bodies, token files and YAML asks this. */

/** True for a plain JSON object (a YAML mapping once parsed): not null, not an array. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
