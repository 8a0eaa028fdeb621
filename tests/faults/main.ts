/**
 * `deno task faults`: runs the hardening cases (crashes, a full disk, hostile
 * files, properties, permissions, load, secret hygiene) and prints a table of
 * case, result and figures, then the totals. Exits 1 when a case failed. An
 * argument keeps only the cases whose name contains it.
 */
import { messageOf } from "../../src/lib/errors.ts";
import { crashCases } from "./crash.ts";
import { diskCases } from "./disk.ts";
import { hostileFileCases } from "./hostile_files.ts";
import { hostileTokenCases } from "./hostile_tokens.ts";
import { permissionCases } from "./permissions.ts";
import { loadCases } from "./load.ts";
import { type FaultCase, killLeftAgents } from "./harness.ts";
import { hygieneCases } from "./hygiene.ts";
import { PROPERTIES } from "./properties.ts";

/** Random inputs per property here (the unit test runs 1,000). */
const PROPERTY_RUNS = 5_000;

/** Every case, in order; the hygiene sweep last, as it scans what the others printed. */
const ALL: FaultCase[] = [
  ...crashCases,
  ...diskCases,
  ...hostileFileCases,
  ...hostileTokenCases,
  ...permissionCases,
  ...loadCases,
  ...PROPERTIES.map((p) => ({
    name: `property: ${p.name}`,
    run: () => {
      p.check(PROPERTY_RUNS);
      return Promise.resolve(`${PROPERTY_RUNS} random cases, none failed`);
    },
  })),
  ...hygieneCases,
];

/** The case's figures, or a rejection when it throws or outlives its time limit. */
async function runWithin(c: FaultCase): Promise<string> {
  const limit = c.timeoutMs ?? 60_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`did not finish within ${limit / 1000} s`)),
      limit,
    );
  });
  try {
    return await Promise.race([c.run(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A markdown table row; pipes in cells are escaped. */
function row(cells: string[]): string {
  return `| ${cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`;
}

const filter = Deno.args[0];
const cases = ALL.filter((c) => !filter || c.name.includes(filter));
const started = performance.now();
const lines = [
  row(["case", "result", "figures", "time"]),
  row(["---", "---", "---", "---:"]),
];
let held = 0;
for (const c of cases) {
  const t0 = performance.now();
  let result = "held";
  let figures: string;
  try {
    figures = await runWithin(c);
    held++;
  } catch (err) {
    result = "FAILED";
    figures = messageOf(err).replace(/\s+/g, " ").slice(0, 400);
  }
  const left = await killLeftAgents();
  if (left > 0) figures += ` (${left} agent(s) killed after the case)`;
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  lines.push(row([c.name, result, figures, `${seconds} s`]));
  console.error(`${result.padEnd(6)} ${c.name} (${seconds} s)`);
}
const total = ((performance.now() - started) / 1000).toFixed(0);
console.log(lines.join("\n"));
console.log(
  `\nfaults: ${cases.length} tried, ${held} held, ${
    cases.length - held
  } failed in ${total} s`,
);
Deno.exit(held === cases.length ? 0 : 1);
