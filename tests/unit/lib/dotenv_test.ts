import assert from "node:assert/strict";
import { envValue, parseDotenv, setEnvValue } from "../../../src/lib/dotenv.ts";

const T = "sk-ant-oat01-NEWTOKEN";

Deno.test("env edit: updates the key in place and keeps comments, blank lines, order, CRLF and a missing final newline", () => {
  const text =
    "# gateway\r\n\r\nA=1\r\nexport ANTHROPIC_OAUTH_TOKEN=old\r\nB='two'\r\nC=\"3\"";
  const { text: out } = setEnvValue(text, "ANTHROPIC_OAUTH_TOKEN", T);
  assert.equal(
    out,
    `# gateway\r\n\r\nA=1\r\nexport ANTHROPIC_OAUTH_TOKEN=${T}\r\nB='two'\r\nC="3"`,
  );
});

Deno.test("env edit: keeps the quoting and the trailing comment of the line it rewrites", () => {
  assert.equal(
    setEnvValue('K="old" # note\n', "K", T).text,
    `K="${T}" # note\n`,
  );
  assert.equal(setEnvValue("K='old'\n", "K", T).text, `K='${T}'\n`);
  assert.equal(setEnvValue("K=old # note\n", "K", T).text, `K=${T} # note\n`);
});

Deno.test("env edit: with the key twice, updates the last one (compose's) and counts both", () => {
  const edit = setEnvValue("K=a\nX=1\nK=b\n", "K", T);
  assert.equal(edit.text, `K=a\nX=1\nK=${T}\n`);
  assert.equal(edit.assignments, 2);
});

Deno.test("env edit: appends an absent key in the file's own line ending", () => {
  assert.equal(setEnvValue("A=1\r\n", "K", T).text, `A=1\r\nK=${T}\r\n`);
  assert.equal(setEnvValue("A=1", "K", T).text, `A=1\nK=${T}\n`);
  assert.equal(setEnvValue("", "K", T).text, `K=${T}\n`);
  assert.equal(setEnvValue("A=1", "K", T).assignments, 0);
});

Deno.test("env edit: a commented-out assignment and a longer key are not the key", () => {
  const text = "#K=commented\nKK=other\n";
  assert.equal(setEnvValue(text, "K", T).text, `${text}K=${T}\n`);
});

Deno.test("env read: the value compose uses is the last assignment, unquoted", () => {
  assert.equal(envValue('K=a\nK="b"\n', "K"), "b");
  assert.equal(envValue("export K='x y' # c", "K"), "x y");
  assert.equal(envValue("A=1", "K"), undefined);
  assert.deepEqual(parseDotenv('A="q\\"x"\n# B=2\nC=3 # c'), {
    A: 'q"x',
    C: "3",
  });
});
