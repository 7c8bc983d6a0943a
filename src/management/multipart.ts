/**
 * A minimal multipart/form-data reader for auth-file uploads: the file parts (those with a
 * `filename`) of a whole, already size-capped body. No streaming: uploads are a few KB of JSON.
 */

/** One uploaded file. */
export interface FilePart {
  readonly field: string;
  readonly filename: string;
  readonly data: Buffer;
}

/** The boundary of a multipart/form-data content type; undefined for any other type. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType.trim())) return undefined;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** The file parts of `body`; throws when the body is not well-formed multipart. */
export function fileParts(body: Buffer, boundary: string): FilePart[] {
  const delim = Buffer.from(`--${boundary}`);
  const out: FilePart[] = [];
  let at = body.indexOf(delim);
  if (at < 0) throw new Error("no multipart boundary in the body");
  for (;;) {
    at += delim.length;
    if (body.subarray(at, at + 2).toString() === "--") return out;
    const headEnd = body.indexOf("\r\n\r\n", at);
    const next = body.indexOf(delim, at);
    if (headEnd < 0 || next < 0 || headEnd > next) throw new Error("a multipart part is cut short");
    const head = body.subarray(at, headEnd).toString("utf8");
    const data = body.subarray(headEnd + 4, next - 2); // the CRLF before the next delimiter belongs to it
    const disposition = /content-disposition:[^\r\n]*/i.exec(head)?.[0] ?? "";
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    const field = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? "";
    if (filename !== undefined) out.push({ field, filename, data });
    at = next;
  }
}
