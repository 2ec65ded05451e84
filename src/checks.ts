// Argument checks the types cannot make: each refuses, before anything is sent, with an ArizeError
// naming the argument and the value.
import { invalid, shown } from "./errors.js";

/** Page sizes the spec allows (its Limit parameter): "an integer from 1 to 100". */
const MIN_LIMIT = 1;
export const MAX_LIMIT = 100;
/** The spec's maxLength of the `email` query filter (in code points, as JSON Schema counts). */
const MAX_EMAIL_FILTER = 255;

export const checkLimit = (limit: number | undefined) => {
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= MIN_LIMIT && limit <= MAX_LIMIT))
    throw invalid("limit", `${shown(limit)} (an integer from ${MIN_LIMIT} to ${MAX_LIMIT})`);
};

/**
 * A user id as its path segment, or an ArizeError naming `name`: "", "." and ".." would make
 * another endpoint of the path, and a blank id names no user. (A lone surrogate cannot be
 * percent-encoded: encodeURIComponent throws.)
 */
export const userIdSegment = (value: unknown, name: string) => {
  try {
    if (typeof value === "string" && value.trim() && !/^\.{1,2}$/.test(value)) return encodeURIComponent(value);
  } catch {}
  throw invalid(name, `${shown(value)} (a user id is a string that is not blank, "." or "..")`);
};

/** Whether `text` can be percent-encoded (a lone surrogate cannot: encodeURIComponent throws). */
const encodable = (text: string) => {
  try {
    return encodeURIComponent(text) !== undefined;
  } catch {
    return false;
  }
};

/** An email to look for: one no user can have, or the filter cannot carry, is refused. */
export const checkEmail = (value: unknown, name: string) => {
  const why =
    typeof value !== "string" || !value.trim()
      ? "an email address, not blank"
      : value.trim() !== value
        ? "white space around it: no email has any"
        : [...value].length > MAX_EMAIL_FILTER
          ? `over ${MAX_EMAIL_FILTER} characters, the limit of the email filter`
          : !encodable(value)
            ? "a lone surrogate: not text a URL can carry"
            : "";
  if (why) throw invalid(name, `${shown(value)} (${why})`);
};

/** `value` as an array whose every item passes `check` (named `name[i]`), or [] when absent. */
export const checkedList = (value: unknown, name: string, check: (item: unknown, name: string) => unknown) => {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(name, `${shown(value)} (an array)`);
  for (const [i, item] of value.entries()) check(item, `${name}[${i}]`);
  return value as string[];
};
