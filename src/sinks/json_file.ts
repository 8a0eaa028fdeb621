/** A sink file that holds one JSON object, read without trusting it. */
import { deliveryFailed } from "../lib/errors.ts";

/** A JSON object as the sinks handle it. */
export type Json = Record<string, unknown>;

/** The parsed object of a JSON sink text (empty when absent); throws when it is not a JSON object, so it is never overwritten. */
export function parseObject(text: string | undefined, path: string): Json {
  if (text === undefined || text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw deliveryFailed(`${path}: not valid JSON, left as it is`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw deliveryFailed(`${path}: not a JSON object, left as it is`);
  }
  return value as Json;
}
