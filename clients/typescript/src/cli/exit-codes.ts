import { CommanderError } from "commander";
import { EvergateConnectionError, EvergateError } from "../errors.ts";

/** What `evergate` exits with; scripts branch on these (README "For services" lists them). */
export const exitCodes = {
  ok: 0,
  /** Anything else: a server error (5xx), a bug, a file that cannot be read. */
  failure: 1,
  /** Wrong arguments or options, or input the server refused as invalid (400, 413, 415). */
  usage: 2,
  /** The link, file or product does not exist or is not the caller's (404), or is gone (410). */
  notFound: 3,
  /** No API key configured, or the key is unknown, expired, revoked (401) or lacks a scope (403). */
  auth: 4,
  /** A conflict or a limit: 409 (`conflict`, `link_limit_reached`), 422 (an Idempotency-Key reused with another body). */
  conflict: 5,
  /** Try again later: still rate limited (429) or unavailable (503) after the retries, or unreachable. */
  unavailable: 6,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** A failure the CLI itself detects (no key configured, a bad option value), with its exit code. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly code = exitCode === exitCodes.usage
      ? "usage"
      : exitCode === exitCodes.auth
        ? "unauthorized"
        : "failed",
  ) {
    super(message);
  }
}

export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof CommanderError) return exitCodes.usage;
  if (error instanceof EvergateConnectionError) return exitCodes.unavailable;
  if (error instanceof EvergateError) return exitCodeForStatus(error.status);
  return exitCodes.failure;
}

export function exitCodeForStatus(status: number): ExitCode {
  if (status === 400 || status === 413 || status === 415) return exitCodes.usage;
  if (status === 401 || status === 403) return exitCodes.auth;
  if (status === 404 || status === 410) return exitCodes.notFound;
  if (status === 409 || status === 422) return exitCodes.conflict;
  if (status === 429 || status === 503) return exitCodes.unavailable;
  return exitCodes.failure;
}
