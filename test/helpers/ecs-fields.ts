/** The documented ECS field list (docs/logging.md) and a validator for documents against it. */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { ecsFieldNames, type EcsDocument } from '../../src/store/ecs.js';

/** Field name → documented type, read from the ECS table of docs/logging.md. */
export function documentedEcsFields(): Map<string, string> {
  const md = fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/logging.md'), 'utf8');
  const section = md.slice(md.indexOf('## ECS'), md.indexOf('## Retention'));
  const fields = new Map<string, string>();
  for (const m of section.matchAll(/^\| `([^`]+)` \| ([a-z[\]]+) \|/gm)) fields.set(m[1] ?? '', m[2] ?? '');
  return fields;
}

const documented = documentedEcsFields();
const leaves = new Set([...documented].filter(([, t]) => t === 'flattened').map(([k]) => k));

/** Every field of `doc` is documented and has the documented type. */
export function assertEcsDocument(doc: EcsDocument): void {
  for (const name of ecsFieldNames(doc, leaves)) {
    const type = documented.get(name);
    expect(type, `undocumented ECS field ${name}`).toBeDefined();
    let v: unknown = doc;
    for (const part of name === '@timestamp' ? ['@timestamp'] : name.split('.')) v = (v as Record<string, unknown>)[part];
    if (v === null) continue;
    if (type === 'date') expect(new Date(v as string).toISOString()).toBe(v);
    else if (type === 'long') expect(Number.isInteger(v), name).toBe(true);
    else if (type === 'double') expect(typeof v === 'number' && Number.isFinite(v), name).toBe(true);
    else if (type === 'boolean') expect(typeof v, name).toBe('boolean');
    else if (type === 'keyword[]') expect(Array.isArray(v), name).toBe(true);
    else if (type === 'flattened') expect(typeof v, name).toBe('object');
    else expect(typeof v, name).toBe('string');
  }
}
