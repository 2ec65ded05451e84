// Argument checks the types cannot make: each refuses, before anything is sent, with an ArizeError
// naming the argument and the value.
import { invalid, shown } from "./errors.js";

/** Page sizes the spec allows (its Limit parameter): "an integer from 1 to 100". */
const MIN_LIMIT = 1;
const MAX_LIMIT = 100;

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
