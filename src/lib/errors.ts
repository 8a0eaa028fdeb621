/** Exit codes of the command line, as documented in the README. */
export const ExitCode = {
  ok: 0,
  /** A delivery to a sink, OpenClaw or the gateway failed, or a location is out of step (status). */
  deliveryFailed: 1,
  /** A usage or configuration error: nothing to deliver to, an unknown option, a missing permission. */
  usage: 2,
  /** The login ended: someone must log in again with `claude`. */
  loginEnded: 3,
  /** The credentials file is missing or invalid. */
  sourceInvalid: 4,
  /** The token delivered has expired: Claude Code's next use, or `refresh`, renews it. */
  tokenExpired: 5,
} as const;

/** An error that ends a command with a documented exit code. */
export class SyncError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
    this.name = "SyncError";
  }
}

/** A usage or configuration error (exit code 2). */
export function usageError(message: string): SyncError {
  return new SyncError(message, ExitCode.usage);
}

/** The Claude Code login ended: a person must log in again (exit code 3). */
export function loginEnded(detail: string): SyncError {
  return new SyncError(
    `${detail}: the login ended, log in again with \`claude\``,
    ExitCode.loginEnded,
  );
}

/** The credentials file is missing or invalid (exit code 4). */
export function sourceInvalid(message: string): SyncError {
  return new SyncError(message, ExitCode.sourceInvalid);
}

/** A delivery to a sink or the gateway failed (exit code 1). */
export function deliveryFailed(message: string): SyncError {
  return new SyncError(message, ExitCode.deliveryFailed);
}

/**
 * A missing Deno permission (Deno.errors.NotCapable) as a usage error whose
 * message names the flag; undefined for anything else, including the OS
 * refusing access (Deno.errors.PermissionDenied), which stays the caller's error.
 */
export function notPermitted(err: unknown): SyncError | undefined {
  return err instanceof Deno.errors.NotCapable
    ? usageError(`not permitted: ${err.message}`)
    : undefined;
}

/** The exit code of a pass that met these errors (undefined: none): usage, where retrying cannot help, before a failed delivery. */
export function passExitCode(errors: (SyncError | undefined)[]): number {
  const met = errors.filter((e) => e !== undefined);
  if (met.some((e) => e.exitCode === ExitCode.usage)) return ExitCode.usage;
  return met.length > 0 ? ExitCode.deliveryFailed : ExitCode.ok;
}

/** The message of any thrown value. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
