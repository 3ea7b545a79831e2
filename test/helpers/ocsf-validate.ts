/**
 * Checks an OCSF event against the published OCSF 1.3.0 schema: the subset of the OCSF schema
 * server's compiled export vendored in test/fixtures/ocsf/ocsf-1.3.0-export-subset.json (the
 * README there says where it comes from and how it was cut).
 *
 * Walks the event from its class: every member must be an attribute of the class or object at that
 * place, of the attribute's type (`*_t` resolved through `types` to string, integer (32-bit), long,
 * float, boolean or JSON, with the types' `max_len` (counted in UTF-8 bytes, the stricter reading),
 * `regex`, `range` and `values`; `is_array` honoured; `object_t` walked into its `object_type`),
 * enum values among the listed ones, a sibling (`status` of `status_id`, …) equal to the caption
 * of its id unless the id is 99 Other, every `required` attribute present, `at_least_one` /
 * `just_one` constraints met, no deprecated attribute, profile attributes only with their profile
 * in `metadata.profiles`, and `class_uid` / `category_uid` / `type_uid` those of the class. The
 * generic `object` (what `unmapped` is) takes any members. Something the event uses that the
 * subset lacks is a finding too, so the subset grows with the export.
 */
import fs from 'node:fs';
import path from 'node:path';

interface OcsfAttribute {
  type: string;
  object_type?: string;
  is_array?: boolean;
  enum?: Record<string, { caption: string }>;
  requirement?: string;
  profile?: string | null;
  sibling?: string;
  '@deprecated'?: { message: string; since: string };
}
interface OcsfEntity {
  name: string;
  uid?: number;
  category_uid?: number;
  attributes: Record<string, OcsfAttribute>;
  constraints?: { at_least_one?: string[]; just_one?: string[] };
}
interface OcsfType {
  type?: string;
  max_len?: number;
  regex?: string;
  range?: [number, number];
  values?: unknown[];
}
interface OcsfSubset {
  classes: Record<string, OcsfEntity>;
  objects: Record<string, OcsfEntity>;
  types: Record<string, OcsfType>;
  version: string;
}

const subset = JSON.parse(
  fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/ocsf/ocsf-1.3.0-export-subset.json'), 'utf8'),
) as OcsfSubset;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const present = (o: Obj, k: string): boolean => o[k] !== undefined && o[k] !== null;
const INT32 = 2 ** 31;

/** What is wrong with `v` as a value of type `t` (undefined when nothing is). */
function typeProblem(t: string, v: unknown): string | undefined {
  const chain: OcsfType[] = [];
  let base = t;
  for (;;) {
    const def = subset.types[base];
    if (!def) return `type ${base} is not in the vendored subset`;
    chain.push(def);
    if (!def.type) break;
    base = def.type;
  }
  const got = Array.isArray(v) ? 'array' : typeof v;
  switch (base) {
    case 'string_t':
      if (typeof v !== 'string') return `${t} is a string, got ${got}`;
      break;
    case 'integer_t':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < -INT32 || v >= INT32) return `${t} is a 32-bit integer, got ${JSON.stringify(v)}`;
      break;
    case 'long_t':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) return `${t} is a long integer, got ${JSON.stringify(v)}`;
      break;
    case 'float_t':
      if (typeof v !== 'number' || !Number.isFinite(v)) return `${t} is a number, got ${got}`;
      break;
    case 'boolean_t':
      if (typeof v !== 'boolean') return `${t} is a boolean, got ${got}`;
      break;
    case 'json_t':
      break;
    default:
      return `type ${t} rests on ${base}, which this validator does not know`;
  }
  for (const def of chain) {
    if (typeof v === 'string' && def.max_len !== undefined && Buffer.byteLength(v) > def.max_len) {
      return `${Buffer.byteLength(v)} UTF-8 bytes, over ${t}'s max_len ${def.max_len}`;
    }
    if (typeof v === 'string' && def.regex !== undefined && !new RegExp(def.regex).test(v)) return `${JSON.stringify(v)} does not match ${t}'s pattern`;
    if (typeof v === 'number' && def.range && (v < def.range[0] || v > def.range[1])) return `${v} is outside ${t}'s range ${def.range.join('–')}`;
    if (def.values && !def.values.includes(v)) return `${JSON.stringify(v)} is not one of ${t}'s values`;
  }
  return undefined;
}

function checkOne(a: OcsfAttribute, v: unknown, at: string, out: string[], profiles: string[]): void {
  if (a.type === 'object_t') {
    const obj = a.object_type === undefined ? undefined : subset.objects[a.object_type];
    if (!obj) return void out.push(`${at}: object ${a.object_type ?? '?'} is not in the vendored subset`);
    if (!isObj(v)) return void out.push(`${at}: ${a.object_type} is an object, got ${Array.isArray(v) ? 'array' : typeof v}`);
    checkEntity(obj, v, at, out, profiles);
    return;
  }
  const problem = typeProblem(a.type, v);
  if (problem) return void out.push(`${at}: ${problem}`);
  if (a.enum && !Object.hasOwn(a.enum, String(v))) out.push(`${at}: ${JSON.stringify(v)} is not a listed value (${Object.keys(a.enum).join(', ')})`);
}

function checkEntity(ent: OcsfEntity, value: Obj, at: string, out: string[], profiles: string[]): void {
  // The generic `object` (OCSF's "unordered collection of attributes", the type of `unmapped`).
  if (ent.name === 'object' && Object.keys(ent.attributes).length === 0) return;
  const where = (k: string): string => (at ? `${at}.${k}` : k);
  for (const [k, v] of Object.entries(value)) {
    const a = ent.attributes[k];
    if (!a) {
      out.push(`${where(k)}: not an attribute of ${ent.name}`);
      continue;
    }
    if (a.profile && !profiles.includes(a.profile)) out.push(`${where(k)}: belongs to the ${a.profile} profile, which metadata.profiles does not declare`);
    if (a['@deprecated']) out.push(`${where(k)}: deprecated since ${a['@deprecated'].since}`);
    if (v === null) {
      out.push(`${where(k)}: null (leave the attribute out instead)`);
    } else if (a.is_array) {
      if (!Array.isArray(v)) out.push(`${where(k)}: an array of ${a.object_type ?? a.type}, got ${typeof v}`);
      else v.forEach((x, i) => checkOne(a, x, `${where(k)}[${i}]`, out, profiles));
    } else if (Array.isArray(v)) {
      out.push(`${where(k)}: one ${a.object_type ?? a.type}, got an array`);
    } else {
      checkOne(a, v, where(k), out, profiles);
    }
  }
  for (const [k, a] of Object.entries(ent.attributes)) {
    const applies = !a.profile || profiles.includes(a.profile);
    if (a.requirement === 'required' && applies && !present(value, k)) out.push(`${where(k)}: required by ${ent.name}, missing`);
    // A sibling names its id's caption; 99 (Other) is where the source's own word goes.
    if (a.enum && a.sibling && present(value, k) && present(value, a.sibling) && String(value[k]) !== '99') {
      const caption = a.enum[String(value[k])]?.caption;
      if (caption !== undefined && value[a.sibling] !== caption) {
        out.push(`${where(a.sibling)}: ${JSON.stringify(value[a.sibling])} is not the caption of ${k} ${String(value[k])} (${JSON.stringify(caption)})`);
      }
    }
  }
  const atLeastOne = ent.constraints?.at_least_one;
  if (atLeastOne && !atLeastOne.some((k) => present(value, k))) out.push(`${at || '/'}: ${ent.name} needs at least one of ${atLeastOne.join(', ')}`);
  const justOne = ent.constraints?.just_one;
  if (justOne && justOne.filter((k) => present(value, k)).length !== 1) out.push(`${at || '/'}: ${ent.name} needs exactly one of ${justOne.join(', ')}`);
}

/**
 * Findings for one event of `className` (default the API Activity class), as `path: problem`
 * lines; empty when the event agrees with the published schema.
 */
export function ocsfSchemaFindings(event: unknown, className = 'api_activity'): string[] {
  const cls = subset.classes[className];
  if (!cls) return [`/: class ${className} is not in the vendored subset`];
  if (!isObj(event)) return ['/: an event is a JSON object'];
  const meta = event['metadata'];
  const declared = isObj(meta) && Array.isArray(meta['profiles']) ? meta['profiles'] : [];
  const profiles = declared.filter((p): p is string => typeof p === 'string');
  const out: string[] = [];
  checkEntity(cls, event, '', out, profiles);
  if (event['class_uid'] !== cls.uid) out.push(`class_uid: ${JSON.stringify(event['class_uid'])}, the class is ${cls.uid}`);
  if (event['category_uid'] !== cls.category_uid) out.push(`category_uid: ${JSON.stringify(event['category_uid'])}, the class's category is ${cls.category_uid}`);
  const activity = event['activity_id'];
  if (typeof activity === 'number' && cls.uid !== undefined && event['type_uid'] !== cls.uid * 100 + activity) {
    out.push(`type_uid: ${JSON.stringify(event['type_uid'])}, class_uid × 100 + activity_id is ${cls.uid * 100 + activity}`);
  }
  return out;
}

/** The OCSF version the vendored subset is of. */
export const OCSF_SUBSET_VERSION = subset.version;
