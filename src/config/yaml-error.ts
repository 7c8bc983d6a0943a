/** The YAML reader's error and positions: a leaf, so the scanner, parser and composer share them without a cycle. */

/** A YAML syntax error with 1-based line and column. */
export class YamlError extends SyntaxError {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    const where = ` at line ${line}, column ${column}`;
    // Callers may pass the bare reason or a message already ending with its position.
    super(message.endsWith(where) ? message : message + where);
    this.name = "YamlError";
  }
}

/** A 1-based line and column in the source text. */
export interface Position {
  readonly line: number;
  readonly column: number;
}
