import assert from "node:assert/strict";
import { helpText } from "../../../src/config/help.ts";
import { GROUPS, SPECS } from "../../../src/config/options.ts";

Deno.test("help: every option a command takes is listed under its group with its default, durations as people write them", () => {
  const text = helpText("watch");
  for (const [flag, spec] of Object.entries(SPECS)) {
    if (!spec.commands.includes("watch")) {
      assert.doesNotMatch(text, new RegExp(`--${flag}\\b`), flag);
      continue;
    }
    assert.match(text, new RegExp(`^  --${flag}\\b`, "m"), flag);
  }
  for (const title of Object.values(GROUPS)) {
    assert.ok(text.split("\n").includes(`${title}:`), title);
  }
  assert.match(text, /--settle VALUE\n\s+.*\(default: 1s\)/);
  assert.match(text, /--poll-interval VALUE\n\s+.*\(default: 5s\)/);
  assert.match(text, /--refresh-before VALUE\n\s+.*\(default: 1h\)/);
  assert.match(text, /--compose-timeout VALUE\n\s+.*\(default: 2m\)/);
  assert.match(text, /--poll\n\s+.*\(default: off\)/);
  assert.doesNotMatch(text, /default: (\d+|true|false|undefined)\)/);
  assert.match(helpText("refresh"), /--interval VALUE\n\s+.*\(default: 6h\)/);
  assert.match(helpText("status"), /--json\n/);
  assert.doesNotMatch(helpText("status"), /--once\n/);
});
