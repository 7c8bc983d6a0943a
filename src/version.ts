/** The cliproxy version, shown by --version and GET /. Kept in step with package.json by a test. */
export const VERSION = "0.1.0";
