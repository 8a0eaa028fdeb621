/** Hostile tokens: characters aimed at injecting lines into `.env`, from the credentials file or the token endpoint. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseDotenv } from "../../src/lib/dotenv.ts";
import { tokenBody } from "../helpers/fixture.ts";
import { TokenServer } from "../helpers/token_server.ts";
import {
  dispose,
  type FaultCase,
  faultLogin,
  runTool,
  snapshot,
  touched,
  transcript,
  workspace,
} from "./harness.ts";

const ENV = '# gateway\nA=1\nANTHROPIC_OAUTH_TOKEN="old" # quoted\nB=2\n';
const KEY = "ANTHROPIC_OAUTH_TOKEN";

/** Payloads set inside an access token; `deliver` when the token is valid and must land verbatim. */
const PAYLOADS: { what: string; text: string; deliver: boolean }[] = [
  { what: "\\n", text: "\nEVIL=1", deliver: false },
  { what: "\\r", text: "\rEVIL=1", deliver: false },
  { what: "\\r\\n", text: "\r\nEVIL=1", deliver: false },
  { what: "=", text: "=EVIL=1", deliver: true },
  { what: "#", text: "#EVIL", deliver: true },
  { what: "double quote", text: '"EVIL', deliver: false },
  { what: "single quote", text: "'EVIL", deliver: false },
  { what: "$(...)", text: "$(touch PWNED)", deliver: false },
  { what: "backticks", text: "`touch PWNED`", deliver: false },
  { what: "${...}", text: "${HOME}", deliver: false },
  { what: "backslash", text: "\\nEVIL=1", deliver: false },
  { what: "space #", text: " #EVIL", deliver: false },
  { what: "non-ASCII", text: "ünïcödé", deliver: false },
  { what: "U+2028", text: "\u2028EVIL=1", deliver: false },
  { what: "NUL", text: "\u0000EVIL", deliver: false },
];

/** A token of the real shape with the payload in its middle, registered for the hygiene sweep. */
function hostileToken(prefix: string, payload: string): string {
  const token = `${prefix}${tokenBody(30)}${payload}${tokenBody(30)}`;
  transcript.tokens.add(token);
  return token;
}

/** Checks the env file: same lines, every other byte kept, the key holding exactly the expected value. */
function assertNoInjection(text: string, expected: string, what: string): void {
  const lines = text.split("\n");
  const before = ENV.split("\n");
  assert.equal(lines.length, before.length, `${what}: line count`);
  lines.forEach((line, i) => {
    if (!line.startsWith(`${KEY}=`)) assert.equal(line, before[i], what);
  });
  assert.deepEqual(
    parseDotenv(text),
    { ...parseDotenv(ENV), [KEY]: expected },
    what,
  );
}

/** One payload in a fresh workspace: refused with exit 4, or delivered verbatim; nothing outside the sink touched. */
async function tryPayload(
  payload: (typeof PAYLOADS)[number],
): Promise<void> {
  const ws = await workspace(ENV);
  try {
    const login = faultLogin();
    const accessToken = hostileToken("sk-ant-oat01-", payload.text);
    await ws.writeLogin({ ...login, accessToken });
    const before = await snapshot(ws.root);
    const out = await runTool(ws, ws.flags("--once"), `token ${payload.what}`);
    const after = await snapshot(ws.root);
    const text = await Deno.readTextFile(ws.envFile);
    if (payload.deliver) {
      assert.equal(out.code, 0, `${payload.what}: ${out.stderr}`);
      assertNoInjection(text, accessToken, payload.what);
    } else {
      assert.equal(out.code, 4, `${payload.what}: ${out.stderr}`);
      assert.match(out.stderr, /claudeAiOauth\.accessToken: must start with/);
      assert.equal(text, ENV, payload.what);
    }
    const allowed = [ws.envFile, ws.dockerLog, join(ws.root, "container.env")];
    assert.deepEqual(touched(before, after, allowed), [], payload.what);
  } finally {
    await dispose(ws);
  }
}

export const hostileTokenCases: FaultCase[] = [
  {
    name: `hostile tokens: ${PAYLOADS.length} payloads in the credentials file`,
    async run() {
      for (let i = 0; i < PAYLOADS.length; i += 3) {
        await Promise.all(PAYLOADS.slice(i, i + 3).map(tryPayload));
      }
      const kept = PAYLOADS.filter((p) => p.deliver).map((p) => p.what);
      return `${
        PAYLOADS.length - kept.length
      } refused with exit 4 (\\n \\r quotes $() backticks \${} backslash space non-ASCII U+2028 NUL); ${
        kept.join(" and ")
      } are valid token characters and landed verbatim in one line; no line injected, nothing else written`;
    },
  },
  {
    name: "hostile token endpoint: a refreshed token carrying a line break",
    async run() {
      const ws = await workspace(ENV);
      const server = new TokenServer();
      try {
        const login = faultLogin(60_000);
        await ws.writeLogin(login);
        const credentials = await Deno.readTextFile(ws.credentials);
        server.script({
          json: {
            access_token: hostileToken("sk-ant-oat01-", "\nEVIL=1"),
            refresh_token: hostileToken("sk-ant-ort01-", ""),
            expires_in: 28800,
          },
        });
        const before = await snapshot(ws.root);
        const out = await runTool(
          ws,
          ws.flags("refresh", "--once", "--force", "--token-url", server.url()),
          "hostile token endpoint",
        );
        assert.equal(out.code, 1, out.stderr);
        assert.match(out.stderr, /unreadable body/);
        assert.equal(server.requests.length, 1);
        assert.deepEqual(touched(before, await snapshot(ws.root), []), []);
        assert.equal(await Deno.readTextFile(ws.credentials), credentials);
        return "exit 1 (answer unreadable, transient): credentials and .env unchanged";
      } finally {
        await server.close();
        await dispose(ws);
      }
    },
  },
];
