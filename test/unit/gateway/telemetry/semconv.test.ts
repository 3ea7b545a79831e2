/** The export's copied GenAI names (src/gateway/telemetry/semconv.ts) are the pinned package's own. */
import { expect, it } from 'vitest';
import * as pkg from '@opentelemetry/semantic-conventions/incubating';
import * as ours from '../../../../src/gateway/telemetry/semconv.js';

it('every name in semconv.ts equals the @opentelemetry/semantic-conventions constant of the same name', () => {
  const names = Object.keys(ours);
  expect(names.length).toBe(26);
  for (const name of names) expect([name, (ours as Record<string, string>)[name]]).toEqual([name, (pkg as Record<string, unknown>)[name]]);
});
