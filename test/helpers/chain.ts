/**
 * Helpers for lines that carry the SPEC §13 `chain` (the writer appends it as the last member).
 */

const CHAIN_MEMBER = /,?"chain":\{"seq":\d+,"prev":"[0-9a-f]{64}","hash":"[0-9a-f]{64}"\}\}$/;

/** The line's text without its `chain` member (as the line was before chaining). */
export function stripChain(line: string): string {
  const nl = line.endsWith('\n') ? '\n' : '';
  const body = nl ? line.slice(0, -1) : line;
  if (!CHAIN_MEMBER.test(body)) throw new Error(`line carries no chain: ${body.slice(0, 200)}`);
  const out = body.replace(CHAIN_MEMBER, '}');
  return (out === '}' ? '{}' : out) + nl;
}

/** Every line of a text, chain stripped. */
export function stripChains(text: string): string {
  return text.split('\n').filter(Boolean).map((l) => stripChain(l) + '\n').join('');
}
