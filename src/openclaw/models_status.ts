import type { Login } from "../credentials.ts";
import {
  array,
  type Infer,
  number,
  object,
  optional,
  type Schema,
  string,
  withDefault,
} from "../schema.ts";
import { MANUAL_PROFILE, sameExpiry } from "./profiles.ts";

/** A list that may be absent: absent means empty. */
const list = <T>(item: Schema<T>) => withDefault(array(item), []);

const Profile = object({
  profileId: string(),
  provider: string(),
  type: string(),
  expiresAt: optional(number()),
});

const ModelsStatus = object({
  auth: object({
    providers: list(object({
      provider: string(),
      profiles: optional(object({ labels: list(string()) })),
    })),
    oauth: optional(object({
      providers: list(object({
        provider: string(),
        profiles: list(Profile),
        effectiveProfiles: list(Profile),
      })),
    })),
  }),
});

/** One stored Anthropic profile as `models status` shows it. */
export interface ProfileView {
  profileId: string;
  type: string;
  expiresAt?: number;
  /** The last characters of a token profile's token (OpenClaw shows 8). */
  tokenEnd?: string;
}

/** What OpenClaw uses for Anthropic: the profile in effect and every profile it has. */
export interface AnthropicView {
  effective?: ProfileView;
  profiles: ProfileView[];
}

/** Reads the Anthropic part of `openclaw models status --json`; throws when the output is not that. */
export function anthropicView(stdout: string): AnthropicView {
  const start = stdout.indexOf("{");
  const parsed = ModelsStatus.check(
    JSON.parse(start < 0 ? stdout : stdout.slice(start)),
  );
  if (!parsed.ok) {
    throw new Error("`models status --json` printed an unexpected shape");
  }
  const { auth } = parsed.value;
  const labels = auth.providers.find((p) => p.provider === "anthropic")
    ?.profiles?.labels ?? [];
  const tokenEnd = (id: string) =>
    labels.map((l) => /^(.+?)=token:.*\.\.\.(\S+)$/.exec(l))
      .find((m) => m?.[1] === id)?.[2];
  const view = (p: Infer<typeof Profile>): ProfileView => ({
    profileId: p.profileId,
    type: p.type,
    expiresAt: p.expiresAt,
    tokenEnd: tokenEnd(p.profileId),
  });
  const provider = auth.oauth?.providers.find((p) =>
    p.provider === "anthropic"
  );
  const first = provider?.effectiveProfiles[0];
  return {
    effective: first && view(first),
    profiles: (provider?.profiles ?? []).map(view),
  };
}

/** Whether a profile holds this login's access token with its expiry. */
export function holdsLogin(profile: ProfileView, login: Login): boolean {
  return profile.type === "token" && profile.tokenEnd !== undefined &&
    login.accessToken.endsWith(profile.tokenEnd) &&
    sameExpiry(profile.expiresAt, login);
}

/** The verdict of a verification: in use, or what OpenClaw uses instead. */
export type Verdict =
  | { ok: true }
  | { ok: false; manualHeld: boolean; instead: string };

/** Compares what OpenClaw uses with the login we delivered. */
export function verify(view: AnthropicView, login: Login): Verdict {
  const e = view.effective;
  if (e?.profileId === MANUAL_PROFILE && holdsLogin(e, login)) {
    return { ok: true };
  }
  const manual = view.profiles.find((p) => p.profileId === MANUAL_PROFILE);
  const manualHeld = manual !== undefined && holdsLogin(manual, login);
  const instead = !e
    ? "no Anthropic profile"
    : e.profileId === MANUAL_PROFILE
    ? `${e.profileId} holding another token (…${e.tokenEnd ?? "?"})`
    : `${e.profileId} (${e.type})`;
  return { ok: false, manualHeld, instead };
}

/** The profile order that puts the delivered token first, keeping the others after it. */
export function orderWithManualFirst(view: AnthropicView): string[] {
  return [
    MANUAL_PROFILE,
    ...view.profiles.map((p) => p.profileId).filter((id) =>
      id !== MANUAL_PROFILE
    ),
  ];
}

const Expiry = optional(object({ at: number() }));

const AuthStatus = object({
  providers: list(object({
    provider: string(),
    expiry: Expiry,
    profiles: list(object({
      profileId: string(),
      type: string(),
      expiry: Expiry,
    })),
  })),
});

/** Whether the gateway's `models.authStatus` shows anthropic:manual with the login's expiry as the one in effect. */
export function gatewayUsesLogin(payload: unknown, login: Login): boolean {
  const parsed = AuthStatus.check(payload);
  const anthropic = parsed.ok
    ? parsed.value.providers.find((p) => p.provider === "anthropic")
    : undefined;
  const manual = anthropic?.profiles.find((p) =>
    p.profileId === MANUAL_PROFILE
  );
  return manual?.type === "token" && sameExpiry(manual.expiry?.at, login) &&
    sameExpiry(anthropic?.expiry?.at, login);
}
