export { createUsersClient, type ClientOptions, type UsersClient } from "./client.js";
export {
  ArizeAbortError,
  ArizeApiError,
  ArizeConnectionError,
  ArizeError,
  ArizeTimeoutError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
} from "./errors.js";
export type { Fetch, LogEntry, RequestOptions } from "./retry.js";
export type { DeleteManyOptions, DeleteManyTargets, DeleteOutcome, DeleteResult } from "./bulk.js";
export type { CreateResult, ListUsersQuery, UsersResource } from "./users.js";
export type { components, operations, paths } from "../generated/users.js";
import type { components } from "../generated/users.js";

type S = components["schemas"];
export type User = S["User"];
export type UserStatus = S["UserStatus"];
export type UserRoleAssignment = S["UserRoleAssignment"];
export type CreateUserRequest = S["CreateUserRequest"];
export type UpdateUserRequest = S["UpdateUserRequest"];
export type UserList = S["UserList"];
export type Problem = S["Problem"];
export type CreatedUser = S["CreatedUser"];
