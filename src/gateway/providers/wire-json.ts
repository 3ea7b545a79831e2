/**
 * Small, total readers for untrusted JSON from any provider's wire: they never throw and never
 * trust a shape. Shared by every codec.
 */

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses JSON text; undefined when it is not valid JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The value when it is a string, else undefined. */
export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The value when it is a finite number, else undefined. */
export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The value when it is an array, else an empty array. */
export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * Tool arguments as recorded (SPEC §6): the parsed JSON, or the raw text when it is not valid
 * JSON (an empty string stays an empty string).
 */
export function toolInput(raw: string): unknown {
  if (raw === '') return raw;
  const parsed = parseJson(raw);
  return parsed === undefined ? raw : parsed;
}

/**
 * Tool input from streamed fragments: as {@link toolInput}, except that with no fragments at all
 * `fallback` (e.g. an Anthropic block's initial `input`) is kept.
 */
export function toolInputFromFragments(fragments: readonly string[], fallback: unknown): unknown {
  const raw = fragments.join('');
  return raw === '' ? fallback : toolInput(raw);
}
