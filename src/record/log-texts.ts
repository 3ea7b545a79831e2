/**
 * The SPEC §7 lines of a record as text, straight from the record (issue #20): for each line its
 * written JSON and its RFC 8785 canonical form, the text the chain hashes (src/record/chain.ts).
 *
 * {@link interceptionLogLines} builds the lines as objects, and the chain then walks each object
 * for both texts (its key list, a type switch per member), the largest item of the JSON log's
 * cost. Here each line type is a pair of templates, one in the written key order and one in
 * code-unit key order, filled from the record's fields: the same bytes, and a record's chained
 * lines cost ~35–40 % less (docs/performance.md, ninth step).
 *
 * The same bytes, always: every value goes through the chain's own {@link canonicalValue}, which
 * refuses (BAIL) anything the general path must decide (a lone surrogate, NaN, a missing field,
 * `toJSON`). Then {@link interceptionLineTexts} returns undefined and the caller takes the
 * objects' way, so a record's lines are never partly one way and partly the other.
 * test/unit/record/log-texts.test.ts compares both ways over fixed and random records.
 */
import { BAIL, canonicalValue as cv, writtenValue, type ChainedLines } from './chain.js';
import { INTERCEPTION_LOG_MSG, interceptionLogLines, isoUtc } from './log-lines.js';
import { recordCost, type PriceLookup } from './cost.js';
import type { Interception } from './types.js';

/**
 * One line: the JSON text written (without `chain`), still open (its closing `}` left off, for the
 * chain to append its member: ChainedLines.openTexts), and its canonical form.
 */
export interface LineTexts {
  open: string;
  canonical: string;
}

const MSG = JSON.stringify(INTERCEPTION_LOG_MSG);

/** An object member (metadata, a tool's input): its canonical and written texts. */
function both(v: unknown): [canonical: string, written: string] {
  const c = cv(v);
  return [c, writtenValue(v, c)];
}

/**
 * A line's `time` (the timestamp as ISO UTC) given the timestamp's own text `at` = cv(ts): the
 * same text when the timestamp already is ISO UTC, as every one the gateway writes is.
 */
function timeOf(ts: string, at: string): string {
  const iso = isoUtc(ts);
  return iso === ts ? at : cv(iso);
}

/**
 * The lines {@link interceptionLogLines} makes for `rec`, in its order, as text; undefined when a
 * value needs the general path (then serialize those objects instead).
 */
export function interceptionLineTexts(rec: Interception, prices?: PriceLookup): LineTexts[] | undefined {
  try {
    return lineTexts(rec, prices);
  } catch (err) {
    if (err === BAIL) return undefined;
    throw err;
  }
}

function lineTexts(rec: Interception, prices: PriceLookup | undefined): LineTexts[] {
  const out: LineTexts[] = [];
  const id = cv(rec.id);

  {
    const initiatorId = cv(rec.initiator.id);
    const initiatorName = cv(rec.initiator.name);
    const provider = cv(rec.provider);
    const providerName = cv(rec.provider_name);
    const model = cv(rec.model);
    const api = cv(rec.api);
    const streaming = cv(rec.streaming);
    const client = cv(rec.client);
    const session = cv(rec.client_session_id ?? null);
    const agent = cv(rec.user_agent ?? null);
    const startedAt = cv(rec.started_at);
    const time = timeOf(rec.started_at, startedAt);
    const [meta, metaW] = both(rec.metadata ?? {});
    out.push({
      open: `{"level":"info","time":${time},"msg":${MSG},"record_type":"interception_start","interception_id":${id},"initiator_id":${initiatorId},"initiator_name":${initiatorName},"provider":${provider},"provider_name":${providerName},"model":${model},"api":${api},"streaming":${streaming},"client":${client},"client_session_id":${session},"user_agent":${agent},"started_at":${startedAt},"metadata":${metaW}`,
      canonical: `{"api":${api},"client":${client},"client_session_id":${session},"initiator_id":${initiatorId},"initiator_name":${initiatorName},"interception_id":${id},"level":"info","metadata":${meta},"model":${model},"msg":${MSG},"provider":${provider},"provider_name":${providerName},"record_type":"interception_start","started_at":${startedAt},"streaming":${streaming},"time":${time},"user_agent":${agent}}`,
    });
  }
  for (const p of rec.user_prompts) {
    const msgId = cv(p.provider_response_id);
    const prompt = cv(p.prompt);
    const createdAt = cv(p.created_at);
    const time = timeOf(p.created_at, createdAt);
    const [meta, metaW] = both(p.metadata ?? {});
    out.push({
      open: `{"level":"info","time":${time},"msg":${MSG},"record_type":"prompt_usage","interception_id":${id},"msg_id":${msgId},"prompt":${prompt},"created_at":${createdAt},"metadata":${metaW}`,
      canonical: `{"created_at":${createdAt},"interception_id":${id},"level":"info","metadata":${meta},"msg":${MSG},"msg_id":${msgId},"prompt":${prompt},"record_type":"prompt_usage","time":${time}}`,
    });
  }
  for (const t of rec.token_usages) {
    const msgId = cv(t.provider_response_id);
    const input = cv(t.input_tokens);
    const output = cv(t.output_tokens);
    const cacheRead = cv(t.cache_read_input_tokens);
    const cacheWrite = cv(t.cache_write_input_tokens);
    const createdAt = cv(t.created_at);
    const time = timeOf(t.created_at, createdAt);
    const [meta, metaW] = both(t.metadata ?? {});
    out.push({
      open: `{"level":"info","time":${time},"msg":${MSG},"record_type":"token_usage","interception_id":${id},"msg_id":${msgId},"input_tokens":${input},"output_tokens":${output},"cache_read_input_tokens":${cacheRead},"cache_write_input_tokens":${cacheWrite},"created_at":${createdAt},"metadata":${metaW}`,
      canonical: `{"cache_read_input_tokens":${cacheRead},"cache_write_input_tokens":${cacheWrite},"created_at":${createdAt},"input_tokens":${input},"interception_id":${id},"level":"info","metadata":${meta},"msg":${MSG},"msg_id":${msgId},"output_tokens":${output},"record_type":"token_usage","time":${time}}`,
    });
  }
  for (const t of rec.tool_usages) {
    const msgId = cv(t.provider_response_id);
    const callId = cv(t.tool_call_id);
    const tool = cv(t.tool);
    const [input, inputW] = both(t.input === undefined ? null : t.input);
    const serverUrl = cv(t.server_url ?? null);
    const injected = cv(t.injected);
    const invocationError = cv(t.invocation_error ?? null);
    const createdAt = cv(t.created_at);
    const time = timeOf(t.created_at, createdAt);
    const [meta, metaW] = both(t.metadata ?? {});
    out.push({
      open: `{"level":"info","time":${time},"msg":${MSG},"record_type":"tool_usage","interception_id":${id},"msg_id":${msgId},"tool_call_id":${callId},"tool":${tool},"input":${inputW},"server_url":${serverUrl},"injected":${injected},"invocation_error":${invocationError},"created_at":${createdAt},"metadata":${metaW}`,
      canonical: `{"created_at":${createdAt},"injected":${injected},"input":${input},"interception_id":${id},"invocation_error":${invocationError},"level":"info","metadata":${meta},"msg":${MSG},"msg_id":${msgId},"record_type":"tool_usage","server_url":${serverUrl},"time":${time},"tool":${tool},"tool_call_id":${callId}}`,
    });
  }
  for (const m of rec.model_thoughts) {
    const content = cv(m.content);
    const createdAt = cv(m.created_at);
    const time = timeOf(m.created_at, createdAt);
    const [meta, metaW] = both(m.metadata ?? {});
    out.push({
      open: `{"level":"info","time":${time},"msg":${MSG},"record_type":"model_thought","interception_id":${id},"content":${content},"created_at":${createdAt},"metadata":${metaW}`,
      canonical: `{"content":${content},"created_at":${createdAt},"interception_id":${id},"level":"info","metadata":${meta},"msg":${MSG},"record_type":"model_thought","time":${time}}`,
    });
  }
  if (rec.status !== 'in_flight') {
    const endedAt = rec.ended_at ?? rec.started_at;
    const ended = cv(endedAt);
    const time = timeOf(endedAt, ended);
    const status = cv(rec.status);
    const httpStatus = cv(rec.http_status ?? null);
    const error = cv(rec.error ?? null);
    const cost = cv(prices ? recordCost(rec, prices).usd : null);
    out.push({
      open: `{"level":"info","time":${time},"msg":${MSG},"record_type":"interception_end","interception_id":${id},"ended_at":${ended},"status":${status},"http_status":${httpStatus},"error":${error},"cost_usd":${cost}`,
      canonical: `{"cost_usd":${cost},"ended_at":${ended},"error":${error},"http_status":${httpStatus},"interception_id":${id},"level":"info","msg":${MSG},"record_type":"interception_end","status":${status},"time":${time}}`,
    });
  }
  return out;
}

/**
 * All lines of a record, chained, in one string: the templates when every value allows, else the
 * line objects' way (the same bytes either way).
 */
export function chainedInterceptionLines(rec: Interception, chain: ChainedLines, prices?: PriceLookup): string {
  let out = '';
  const texts = interceptionLineTexts(rec, prices);
  if (texts !== undefined) for (const t of texts) out += chain.openTexts(t.open, t.canonical);
  else for (const l of interceptionLogLines(rec, prices)) out += chain.line(l);
  return out;
}
