import assert from "node:assert/strict";
import {
  anthropicView,
  orderWithManualFirst,
  verify,
  verifyGateway,
} from "../../../src/openclaw/models_status.ts";
import { MANUAL_PROFILE } from "../../../src/sinks/auth_store.ts";
import { testLogin } from "../../helpers/fixture.ts";
import { statusJson } from "../../helpers/openclaw.ts";

Deno.test("openclaw models status: the effective profile is verified by its token's last characters and expiry; an OAuth profile in front is named", () => {
  const login = testLogin();
  const manual = {
    id: MANUAL_PROFILE,
    type: "token",
    expiresAt: login.expiresAt + 20_000,
    token: login.accessToken,
  };
  const oauth = { id: "anthropic:default", type: "oauth", expiresAt: 1 };
  assert.deepEqual(verify(anthropicView(statusJson([manual, oauth])), login), {
    ok: true,
  });
  const behind = anthropicView(statusJson([oauth, manual]));
  assert.deepEqual(verify(behind, login), {
    ok: false,
    manualHeld: true,
    instead: "anthropic:default (oauth)",
  });
  assert.deepEqual(orderWithManualFirst(behind), [
    MANUAL_PROFILE,
    "anthropic:default",
  ]);
  const other = testLogin();
  const stale = verify(
    anthropicView(statusJson([{ ...manual, token: other.accessToken }])),
    login,
  );
  assert.equal(stale.ok, false);
  assert.match(
    (stale as { instead: string }).instead,
    new RegExp(`holding another token \\(…${other.accessToken.slice(-8)}\\)`),
  );
  const late = verify(
    anthropicView(
      statusJson([{ ...manual, expiresAt: login.expiresAt + 3600e3 }]),
    ),
    login,
  );
  assert.equal(late.ok, false, "an expiry far from ours is not our token");
  assert.throws(() => anthropicView('{"auth": 3}'), /unexpected shape/);
});

Deno.test("openclaw gateway authStatus: in effect only when anthropic:manual and the provider carry our expiry", () => {
  const login = testLogin();
  const payload = (manualAt: number, providerAt: number) => ({
    providers: [{
      provider: "anthropic",
      expiry: { at: providerAt },
      profiles: [
        { profileId: "anthropic:default", type: "oauth", expiry: { at: 1 } },
        { profileId: MANUAL_PROFILE, type: "token", expiry: { at: manualAt } },
      ],
    }],
  });
  const at = login.expiresAt;
  assert.equal(verifyGateway(payload(at, at), login).ok, true);
  assert.equal(verifyGateway(payload(at - 3600e3, at), login).ok, false);
  assert.equal(verifyGateway(payload(at, 1), login).ok, false);
  assert.equal(verifyGateway({ providers: "x" }, login).ok, false);
});
