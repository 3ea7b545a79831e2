/**
 * The OCSF validator (test/helpers/ocsf-validate.ts) against events built by hand: a valid one
 * passes, and each kind of break is found and named, so a clean result on the export means
 * something.
 */
import { describe, expect, it } from 'vitest';
import { OCSF_SUBSET_VERSION, ocsfSchemaFindings } from '../../helpers/ocsf-validate.js';

const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);
type Ev = Record<string, any>;
/** A minimal API Activity event that OCSF 1.3.0 accepts. */
const valid = (): Ev => ({
  activity_id: 1, activity_name: 'Create', category_uid: 6, category_name: 'Application Activity',
  class_uid: 6003, class_name: 'API Activity', type_uid: 600301, type_name: 'API Activity: Create',
  severity_id: 1, severity: 'Informational', time: T0, status_id: 1, status: 'Success',
  metadata: { version: '1.3.0', product: { name: 'AI Bridge Desktop', vendor_name: 'AI Bridge Desktop' } },
  actor: { user: { uid: 'tok_1', name: 'alice', type_id: 99, type: 'Bridge token' }, app_name: 'Claude Code' },
  api: { operation: 'messages', request: { uid: 'r1' }, response: { code: 200 } },
  src_endpoint: { name: 'Claude Code' },
  http_request: { http_method: 'POST' },
  resources: [{ name: 'claude-sonnet-4-5' }],
  unmapped: { anything: { goes: [1, null, 'x'] } },
});
const findings = (mutate: (e: Ev) => void): string[] => {
  const e = valid();
  mutate(e);
  return ocsfSchemaFindings(e);
};

describe('ocsfSchemaFindings', () => {
  it('is of OCSF 1.3.0 and passes a valid event (unmapped takes anything)', () => {
    expect(OCSF_SUBSET_VERSION).toBe('1.3.0');
    expect(ocsfSchemaFindings(valid())).toEqual([]);
  });

  it('finds a broken event: wrong type, unknown attribute, missing required', () => {
    expect(findings((e) => {
      e['time'] = '2026-12-01T10:00:00Z';
      e['tokens'] = 1;
      delete e['metadata'].product.vendor_name;
    })).toEqual([
      'time: timestamp_t is a long integer, got "2026-12-01T10:00:00Z"',
      'metadata.product.vendor_name: required by product, missing',
      'tokens: not an attribute of api_activity',
    ]);
  });

  it('types: integers, strings, objects, arrays, null, max_len', () => {
    expect(findings((e) => (e['severity_id'] = '1'))).toEqual(['severity_id: integer_t is a 32-bit integer, got "1"']);
    expect(findings((e) => (e['timezone_offset'] = 1.5))).toEqual(['timezone_offset: integer_t is a 32-bit integer, got 1.5']);
    expect(findings((e) => (e['duration'] = 2 ** 60))).toEqual([`duration: long_t is a long integer, got ${2 ** 60}`]);
    expect(findings((e) => (e['api'].operation = 7))).toEqual(['api.operation: string_t is a string, got number']);
    expect(findings((e) => (e['actor'].user = 'alice'))).toEqual(['actor.user: user is an object, got string']);
    expect(findings((e) => (e['resources'] = { name: 'm' }))).toEqual(['resources: an array of resource_details, got object']);
    expect(findings((e) => (e['src_endpoint'] = [{ name: 'x' }]))).toEqual(['src_endpoint: one network_endpoint, got an array']);
    expect(findings((e) => (e['message'] = null))).toEqual(['message: null (leave the attribute out instead)']);
    expect(findings((e) => (e['status_detail'] = 'é'.repeat(40_000)))).toEqual(["status_detail: 80000 UTF-8 bytes, over string_t's max_len 65535"]);
    expect(findings((e) => (e['src_endpoint'].port = 70_000))).toEqual(["src_endpoint.port: 70000 is outside port_t's range 0–65535"]);
    expect(findings((e) => (e['src_endpoint'].hostname = 'not a host!'))).toEqual(['src_endpoint.hostname: "not a host!" does not match hostname_t\'s pattern']);
  });

  it('unknown attributes at every depth', () => {
    expect(findings((e) => (e['http_response'] = { code: 200 }))).toEqual(['http_response: not an attribute of api_activity']);
    expect(findings((e) => (e['api'].response.uid = 'msg_1'))).toEqual(['api.response.uid: not an attribute of response']);
    expect(findings((e) => (e['resources'][0].model = 'x'))).toEqual(['resources[0].model: not an attribute of resource_details']);
  });

  it('required attributes and constraints, of the class and of each object', () => {
    expect(findings((e) => delete e['metadata'])).toEqual(['metadata: required by api_activity, missing']);
    expect(findings((e) => delete e['src_endpoint'])).toEqual(['src_endpoint: required by api_activity, missing']);
    expect(findings((e) => (e['api'] = { request: { uid: 'r1' } }))).toEqual(['api.operation: required by api, missing']);
    expect(findings((e) => (e['api'].request = {}))).toEqual(['api.request.uid: required by request, missing']);
    expect(findings((e) => (e['src_endpoint'] = {}))).toEqual(['src_endpoint: network_endpoint needs at least one of hostname, instance_uid, interface_name, interface_uid, ip, name, svc_name, uid']);
    expect(findings((e) => (e['actor'] = {}))).toEqual(['actor: actor needs at least one of app_name, app_uid, invoked_by, process, session, user']);
    expect(findings((e) => (e['actor'].user = { type_id: 1 }))).toEqual(['actor.user: user needs at least one of account, name, uid']);
  });

  it('enums, siblings, class identity', () => {
    expect(findings((e) => { e['activity_id'] = 7; e['type_uid'] = 600307; })).toEqual([
      'activity_id: 7 is not a listed value (0, 1, 2, 3, 4, 99)',
      'type_uid: 600307 is not a listed value (600300, 600301, 600302, 600303, 600304, 600399)',
    ]);
    expect(findings((e) => (e['http_request'].http_method = 'FETCH'))).toEqual(['http_request.http_method: "FETCH" is not a listed value (CONNECT, DELETE, GET, HEAD, OPTIONS, POST, PUT, TRACE)']);
    expect(findings((e) => (e['actor'].user.type_id = 5))).toEqual(['actor.user.type_id: 5 is not a listed value (0, 1, 2, 3, 99)']);
    expect(findings((e) => (e['status'] = 'Ok'))).toEqual(['status: "Ok" is not the caption of status_id 1 ("Success")']);
    expect(findings((e) => { e['status_id'] = 99; e['status'] = 'Cancelled'; })).toEqual([]);
    expect(findings((e) => (e['type_uid'] = 600302))).toEqual([
      'type_name: "API Activity: Create" is not the caption of type_uid 600302 ("API Activity: Read")',
      'type_uid: 600302, class_uid × 100 + activity_id is 600301',
    ]);
    expect(findings((e) => { e['class_uid'] = 6002; delete e['class_name']; })).toEqual([
      'class_uid: 6002 is not a listed value (6003)',
      'class_uid: 6002, the class is 6003',
    ]);
  });

  it('profiles and deprecations', () => {
    expect(findings((e) => (e['cloud'] = { provider: 'AWS' }))).toEqual([
      'cloud: belongs to the cloud profile, which metadata.profiles does not declare',
      'cloud: object cloud is not in the vendored subset',
    ]);
    expect(findings((e) => (e['actor'].invoked_by = 'cli'))).toEqual(['actor.invoked_by: deprecated since 1.2.0']);
    expect(ocsfSchemaFindings([valid()])).toEqual(['/: an event is a JSON object']);
  });
});
