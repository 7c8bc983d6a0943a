/** Errors of the PostgreSQL client: what the server said (its fields kept), or why the connection failed. */

/** An ErrorResponse from the server: SQLSTATE `code`, `message`, and the optional detail, hint and position. */
export class PgError extends Error {
  readonly code: string;
  readonly severity: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly fields: Readonly<Record<string, string>>;

  constructor(fields: Record<string, string>, context?: string) {
    const where = context ? `${context}: ` : "";
    const extra = [fields.detail && `detail: ${fields.detail}`, fields.hint && `hint: ${fields.hint}`]
      .filter(Boolean)
      .join("; ");
    super(
      `${where}PostgreSQL ${fields.severity ?? "ERROR"} ${fields.code ?? "?????"}: ${fields.message ?? "unknown error"}${extra ? ` (${extra})` : ""}`,
    );
    this.name = "PgError";
    this.code = fields.code ?? "";
    this.severity = fields.severity ?? "ERROR";
    this.detail = fields.detail;
    this.hint = fields.hint;
    this.fields = fields;
  }
}

/** The connection could not be made or was lost: names the server and the cause. */
export class PgConnectionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PgConnectionError";
  }
}
