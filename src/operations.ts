import type { operations } from "../generated/users.js";

/** What repeating an operation could do; the retry wrapper decides by it. */
export interface RetryPolicy {
  /** A repeat after the server acted changes nothing more. */
  idempotent: boolean;
  /** Each success emails the user, so a repeat sends another email. */
  sendsEmail: boolean;
}

/** What the client knows of an operation: its route, and what repeating it could do. */
export interface Operation {
  /** The key under the path in openapi/users.yaml (lower case). */
  method: "get" | "post" | "patch" | "delete";
  /** The path template, as in openapi/users.yaml. */
  path: string;
  policy: RetryPolicy;
}

/** Safe to repeat after any transient failure. */
const IDEMPOTENT: RetryPolicy = { idempotent: true, sendsEmail: false };
/** A repeat would email the user again. */
const SENDS_EMAIL: RetryPolicy = { idempotent: false, sendsEmail: true };

const USERS = "/v2/users";
const USER = `${USERS}/{user_id}`;

/**
 * Every operation of openapi/users.yaml, declared rather than guessed from URLs: `users.*` take
 * their route from here and the retry wrapper its policy (`raw` calls are matched by method and
 * path template). `satisfies` makes an operation added to the spec without an entry a compile
 * error; test/unit/operations.test.ts also compares the keys and routes with the spec's.
 */
export const OPERATIONS = {
  listUsers: { method: "get", path: USERS, policy: IDEMPOTENT },
  // The email is the idempotency key: a repeat finds the user invited, answers 200 and resends
  // nothing (the spec's createUser), so the invitation goes once.
  createUser: { method: "post", path: USERS, policy: IDEMPOTENT },
  getUser: { method: "get", path: USER, policy: IDEMPOTENT },
  updateUser: { method: "patch", path: USER, policy: IDEMPOTENT },
  // Deleting a deleted user answers 204 again.
  deleteUser: { method: "delete", path: USER, policy: IDEMPOTENT },
  resendInvitation: { method: "post", path: `${USER}/resend-invitation`, policy: SENDS_EMAIL },
  resetPassword: { method: "post", path: `${USER}/reset-password`, policy: SENDS_EMAIL },
} as const satisfies Record<keyof operations, Operation>;

export type OperationId = keyof typeof OPERATIONS;

// Each path template as a pattern on the end of the URL's path: a base URL may carry a prefix
// (https://proxy.example/arize/v2/users). Ids are percent-encoded, so never contain "/".
const ROUTES = Object.values(OPERATIONS).map((op: Operation) => ({
  method: op.method.toUpperCase(),
  pattern: new RegExp(`${op.path.replace(/\{\w+\}/g, "[^/]+")}$`),
  policy: op.policy,
}));

/**
 * The policy of a request's operation, by method and path template. A route the spec does not
 * have (a newer server's, called through `raw`) gets the cautious one: it might send an email.
 */
export const policyOf = (method: string, url: string): RetryPolicy =>
  ROUTES.find((r) => r.method === method && r.pattern.test(new URL(url).pathname))?.policy ?? SENDS_EMAIL;

/**
 * Whether any transient failure (lost connection, timeout, 408, 5xx) may be retried: only when a
 * repeat can do no harm. Otherwise only where the server surely did not act (429, 503).
 */
export const retriesBlindly = (policy: RetryPolicy) => policy.idempotent && !policy.sendsEmail;
