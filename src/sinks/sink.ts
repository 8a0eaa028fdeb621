/** What every file sink is: how to read what it holds and how to write the login into it. */
import type { Login } from "../login/credentials.ts";

/** What a sink holds now, as far as its file tells. */
export interface Held {
  accessToken?: string;
  expiresAt?: number;
}

/** A new text for a sink, with anything the user should hear about it. */
export interface Rendered {
  text: string;
  warnings: string[];
}

/** A file that receives the login: how to read what it holds and how to write the login into it. */
export interface FileSink {
  /** Short name used in logs and status ("env file", "oauth.json"). */
  name: string;
  path: string;
  /** Whether a change of this file needs the gateway recreated to take effect. */
  recreatesGateway: boolean;
  /** The login as this file holds it now; undefined text means the file is absent. */
  held(text: string | undefined): Held;
  /** The new text holding the login, or undefined when it already holds it. Throws a SyncError when it must not be written. */
  render(text: string | undefined, login: Login): Rendered | undefined;
  /** Checks against the world made before every write (may throw a SyncError). */
  preflight?(): Promise<void>;
  /** The owner's lock directory to hold while reading and writing (mkdir lock), and when it counts as stale. */
  lock?: { path: string; staleMs: number };
}
