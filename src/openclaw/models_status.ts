/** What OpenClaw says it uses: `models status --json` from its CLI, `models.authStatus` from its gateway. */
import * as z from "../lib/zod/zod.js";
import type { Login } from "../login/credentials.ts";
import { MANUAL_PROFILE, sameExpiry } from "../sinks/auth_store.ts";

/** A list that may be absent: absent means empty. */
const list = <T extends z.Schema>(item: T) => z._default(z.array(item), []);

const Profile = z.object({
  profileId: z.string(),
  provider: z.string(),
  type: z.string(),
  expiresAt: z.optional(z.number()),
});

const ModelsStatus = z.object({
  auth: z.object({
    providers: list(z.object({
      provider: z.string(),
      profiles: z.optional(z.object({ labels: list(z.string()) })),
    })),
    oauth: z.optional(z.object({
      providers: list(z.object({
        provider: z.string(),
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
  const parsed = ModelsStatus.safeParse(
    JSON.parse(start < 0 ? stdout : stdout.slice(start)),
  );
  if (!parsed.success) {
    throw new Error("`models status --json` printed an unexpected shape");
  }
  const { auth } = parsed.data;
  const labels = auth.providers.find((p) => p.provider === "anthropic")
    ?.profiles?.labels ?? [];
  const tokenEnd = (id: string) =>
    labels.map((l) => /^(.+?)=token:.*\.\.\.(\S+)$/.exec(l))
      .find((m) => m?.[1] === id)?.[2];
  const view = (p: z.infer<typeof Profile>): ProfileView => ({
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

const Expiry = z.optional(z.object({ at: z.number() }));

const AuthStatus = z.object({
  providers: list(z.object({
    provider: z.string(),
    expiry: Expiry,
    profiles: list(z.object({
      profileId: z.string(),
      type: z.string(),
      expiry: Expiry,
    })),
  })),
});

/** Anthropic's entry of the gateway's `models.authStatus`, when it has one. */
function anthropicStatus(payload: unknown) {
  return AuthStatus.safeParse(payload).data?.providers.find((p) =>
    p.provider === "anthropic"
  );
}

/**
 * The verdict of the gateway's `models.authStatus` (which names no token,
 * only profiles and expiries): in use when anthropic:manual holds the
 * login's expiry and so does the provider (the expiry of the profile in
 * effect); held but not first when only the profile does.
 */
export function verifyGateway(payload: unknown, login: Login): Verdict {
  const anthropic = anthropicStatus(payload);
  const manual = anthropic?.profiles.find((p) =>
    p.profileId === MANUAL_PROFILE
  );
  const held = manual?.type === "token" && sameExpiry(manual.expiry?.at, login);
  if (held && sameExpiry(anthropic?.expiry?.at, login)) return { ok: true };
  const other = anthropic?.profiles.find((p) =>
    p.profileId !== MANUAL_PROFILE && p.expiry?.at === anthropic.expiry?.at
  );
  const instead = !anthropic
    ? "no Anthropic profile"
    : other
    ? `${other.profileId} (${other.type})`
    : manual
    ? `${MANUAL_PROFILE} holding another token`
    : "no anthropic:manual";
  return { ok: false, manualHeld: held, instead };
}

/** The stored Anthropic profiles as the gateway lists them, for an order with anthropic:manual first. */
export function gatewayView(payload: unknown): AnthropicView {
  const anthropic = anthropicStatus(payload);
  return {
    profiles: (anthropic?.profiles ?? []).map((p) => ({
      profileId: p.profileId,
      type: p.type,
      expiresAt: p.expiry?.at,
    })),
  };
}
