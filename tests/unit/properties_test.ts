import { PROPERTIES } from "../faults/properties.ts";

for (const p of PROPERTIES) {
  Deno.test(`property: ${p.name}`, () => p.check(1_000));
}
