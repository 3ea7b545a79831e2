/**
 * Asserts OCSF events agree with the published OCSF 1.3.0 schema (test/helpers/ocsf-validate.ts,
 * over the subset vendored in test/fixtures/ocsf/) and that every leaf field is documented in
 * docs/ocsf.md (the field table).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { ocsfSchemaFindings } from './ocsf-validate.js';

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

/** The event agrees with the published schema and every leaf is documented (a `path.*` row covers everything below). */
export function assertOcsfEvent(event: unknown): void {
  expect(ocsfSchemaFindings(event)).toEqual([]);
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
