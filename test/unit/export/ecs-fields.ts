/** Reads the documented ECS field list (name → type) from docs/logging.md. */
import fs from 'node:fs';
import path from 'node:path';

export function documentedEcsFields(): Map<string, string> {
  const md = fs.readFileSync(path.resolve(import.meta.dirname, '../../../docs/logging.md'), 'utf8');
  const section = md.slice(md.indexOf('## ECS'), md.indexOf('## Retention'));
  const fields = new Map<string, string>();
  for (const m of section.matchAll(/^\| `([^`]+)` \| ([a-z[\]]+) \|/gm)) fields.set(m[1] ?? '', m[2] ?? '');
  return fields;
}
