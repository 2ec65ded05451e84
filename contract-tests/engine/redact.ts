// Secrets out of text: bearer tokens and temporary passwords never reach an error, a log or a report.

/** Hides the value of every JSON `temporary_password` member (the one-time password is a secret). */
export const hideTemporaryPasswords = (text: string): string =>
  text.replace(/("temporary_password"\s*:\s*")(?:[^"\\]|\\.)*"/g, '$1[REDACTED]"');

/** Redacts bearer tokens and temporary passwords, so no secret reaches an error or report. */
export const redact = (text: string): string =>
  hideTemporaryPasswords(text.replace(/(Bearer\s+)[^\s"',;]+/gi, "$1[REDACTED]"));
