/**
 * Validates OCSF events against test/fixtures/ocsf/api-activity-1.3.0.schema.json with ajv, and
 * checks every leaf field is documented in docs/ocsf.md (the field table).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { expect } from 'vitest';

const schema = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/ocsf/api-activity-1.3.0.schema.json'), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false }) // `anyOf: [{required: [x]}]` is how at_least_one reads;
const validate = ajv.compile(schema);

/** Schema errors of one event, as readable lines (empty when valid). */
export function ocsfErrors(event: unknown): string[] {
  if (validate(event)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** Field paths documented in docs/ocsf.md (first column of the field table, `unmapped.x.*` kept as prefixes). */
export function documentedOcsfFields(): string[] {
  const md = fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/ocsf.md'), 'utf8');
  return [...md.matchAll(/^\| `([a-z_.*[\]]+)` \|/gm)].map((m) => m[1] ?? '');
}

/** Leaf paths of an event (arrays as `name[]`). */
export function leafPaths(v: unknown, prefix = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => leafPaths(x, prefix + '[]')); // an empty list has no leaves
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leafPaths(x, prefix ? `${prefix}.${k}` : k));
  return [prefix];
}

/** The event validates and every leaf is documented (a `path.*` row covers everything below). */
export function assertOcsfEvent(event: unknown): void {
  expect(ocsfErrors(event)).toEqual([]);
  const documented = documentedOcsfFields();
  const missing = leafPaths(event).filter((p) => {
    const bare = p.replace(/\[\]/g, '');
    return !documented.some((d) => {
      const dd = d.replace(/\[\]/g, '');
      return dd.endsWith('.*') ? bare.startsWith(dd.slice(0, -1)) : bare === dd;
    });
  });
  expect(missing).toEqual([]);
}
