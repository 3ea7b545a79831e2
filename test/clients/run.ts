/**
 * `npm run test:clients` — drives the real Claude Code (`claude -p`) and Codex (`codex exec`)
 * CLIs through the built gateway against the scripted mock upstream (issue #3 "done when"), as
 * ../shared/CLIENTS.md describes, and checks every request left the right interception: prompt,
 * exact tokens, tool calls, thoughts, client name and session id. Opt-in (not part of `npm test`):
 * it installs both CLIs into `.tmp/clients` the first time (network to the npm registry).
 *
 * Scenarios: for each client a plain text turn and a tool round trip (the mock answers a tool call
 * first — Claude Code `Bash`, Codex `exec_command` — and text once the tool's output comes back).
 * Also a multi-turn conversation: a second prompt that continues the text turn's session
 * (`claude -p -c`, `codex exec resume --last`). After `aibridge connect`: plain `claude -p` /
 * `codex exec` with only HOME, and interactive `claude` in a pseudo-terminal (test/clients/pty.ts)
 * with no "use this API key" question, plus the ANTHROPIC_API_KEY control that must show it.
 * Prints one line per check and a summary; exits 1 when any check fails.
 *
 * `AIBRIDGE_CAPTURE_DIR=DIR`: the clients talk to the gateway through a recording proxy and every
 * intercepted exchange is saved as a fixture folder in DIR (test/clients/capture.ts; the format in
 * test/fixtures/captured/README.md); `AIBRIDGE_CAPTURE_TRIM=N` cuts long system prompts and tool
 * descriptions in the saved request bodies.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { VERSION as OPENAI_SDK_VERSION } from 'openai/version';
import { startMockUpstream } from '../helpers/mock-upstream.js';
import type { Interception } from '../../src/record/types.js';
import { scriptedReply, TOOL_ECHO, TOOL_MARKER, type Script, type Served } from './scripted.js';
import { cleanEnv, ensureClients, readLog, run, startBuiltGateway, type ProcResult } from './setup.js';
import { startCaptureProxy, writeCaptures, type CaptureProxy, type CaptureSegment } from './capture.js';
import { startPty, type PtyProgram } from './pty.js';

const KEYS = { anthropic: 'sk-ant-api03-clients-run-SECRET-9f8e7d', openai: 'sk-proj-clients-run-SECRET-1a2b3c' };
const TEXT_PROMPT = 'Say hi to the bridge.';
const FOLLOW_UP_PROMPT = 'And once more, shorter.';
const TOOL_PROMPT = `Run echo with the Bash tool, then tell me what it printed. ${TOOL_MARKER}`;
const CODEX_TOOL_PROMPT = `Run echo in the shell, then tell me what it printed. ${TOOL_MARKER}`;

// ---------- checks and the summary ----------
const results: Array<{ name: string; ok: boolean; detail?: string }> = [];
function check(name: string, ok: boolean, detail?: unknown): boolean {
  results.push({ name, ok, detail: ok ? undefined : typeof detail === 'string' ? detail : JSON.stringify(detail) });
  process.stdout.write(`  ${ok ? 'ok  ' : 'FAIL'} ${name}${ok || detail === undefined ? '' : `\n       ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}\n`);
  return ok;
}
const eq = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const log = (m: string) => process.stdout.write(`${m}\n`);

// ---------- the scripted model ----------
type Json = Record<string, unknown>;
const served: Served[] = [];
/** Temp folders of this run: removed when it passes, kept (and printed) when it fails. */
const temps: string[] = [];
const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
};
let n = 0;
/** Bridge tokens `connect` made for the interactive runs (read from the written settings.json). */
const ptySecrets: string[] = [];
/** A screen with the token, and the 20-character tail Claude Code shows of a key, masked. */
const redactToken = (screen: string, token: string) => (token ? screen.split(token).join('<token>').split(token.slice(-20)).join('<token tail>') : screen);

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((b: Json) => (typeof b['text'] === 'string' ? b['text'] : textOf(b['content']))).join('\n');
}

/** Anthropic: tool_use for the marker prompt, text after the tool_result, text otherwise. */
function decideMessages(body: unknown): Script {
  const k = ++n;
  const usage = { input: 100 + k, output: 20 + k, cacheRead: 1000 * k, cacheWrite: 50 + k };
  const users = ((body as Json)['messages'] as Json[] | undefined)?.filter((m) => m['role'] === 'user') ?? [];
  const last = users[users.length - 1]?.['content'];
  const toolResult = Array.isArray(last) ? (last as Json[]).find((b) => b['type'] === 'tool_result') : undefined;
  if (toolResult) return { kind: 'text', id: `msg_script_${k}`, text: `The tool printed: ${textOf(toolResult['content']).trim()}`, usage };
  if (textOf(last).includes(TOOL_MARKER)) {
    return {
      kind: 'tool', id: `msg_script_${k}`, callId: `toolu_script_${k}`, name: 'Bash',
      input: { command: `echo ${TOOL_ECHO}`, description: 'Print the bridge marker' },
      thought: 'The user wants me to run echo; I will call Bash.', usage,
    };
  }
  return { kind: 'text', id: `msg_script_${k}`, text: `Hello from the scripted upstream (#${k}).`, usage };
}

/** Responses: function_call for the marker prompt, text after the function_call_output. */
function decideResponses(body: unknown): Script {
  const k = ++n;
  const usage = { input: 200 + k, output: 30 + k, cacheRead: 512 * k, cacheWrite: 0, reasoning: 5 + k };
  const input = (body as Json)['input'];
  const items = Array.isArray(input) ? (input as Json[]) : [{ role: 'user', content: input }];
  const output = items.find((i) => i['type'] === 'function_call_output');
  if (output) {
    const o = output['output'];
    return { kind: 'text', id: `resp_script_${k}`, text: `The tool printed: ${typeof o === 'string' ? o : JSON.stringify(o)}`, usage };
  }
  const users = items.filter((i) => i['role'] === 'user');
  if (textOf(users[users.length - 1]?.['content']).includes(TOOL_MARKER)) {
    return {
      kind: 'tool', id: `resp_script_${k}`, callId: `call_script_${k}`, name: 'exec_command',
      input: { cmd: `echo ${TOOL_ECHO}` }, thought: '**Running echo**\n\nThe user asked for a shell echo.', usage,
    };
  }
  return { kind: 'text', id: `resp_script_${k}`, text: `Hello from the scripted upstream (#${k}).`, usage };
}

/** Chat Completions (the official openai SDK): a tool call for the marker prompt, else text. */
function decideChat(body: unknown): Script {
  const k = ++n;
  const usage = { input: 300 + k, output: 40 + k, cacheRead: 256 * k, cacheWrite: 0 };
  const msgs = ((body as Json)['messages'] as Json[] | undefined) ?? [];
  if (textOf(msgs.at(-1)?.['content']).includes(TOOL_MARKER)) {
    return { kind: 'tool', id: `chatcmpl-script-${k}`, callId: `call_chat_${k}`, name: 'get_weather', input: { city: 'Zürich', unit: 'c' }, usage };
  }
  return { kind: 'text', id: `chatcmpl-script-${k}`, text: `Hello from the scripted upstream (#${k}).`, usage };
}

// ---------- record checks ----------
/** The record a scripted answer produced, found by the upstream response id. */
function recordFor(records: Interception[], s: Script): Interception | undefined {
  return records.find((r) => r.token_usages.some((u) => u.provider_response_id === s.id));
}

function checkRecord(label: string, rec: Interception | undefined, s: Script, want: { client: string; initiator: string; api: 'messages' | 'responses'; sessionId?: string }): void {
  if (!check(`${label}: recorded (${s.id})`, rec !== undefined, 'no interception carries this response id')) return;
  const r = rec!;
  check(`${label}: client "${want.client}", initiator "${want.initiator}", ${want.api}, streaming, completed 200`, r.client === want.client && r.initiator.name === want.initiator && r.api === want.api && r.streaming && r.status === 'completed' && r.http_status === 200, { client: r.client, initiator: r.initiator, api: r.api, streaming: r.streaming, status: r.status, http_status: r.http_status, error: r.error });
  if (want.sessionId !== undefined) check(`${label}: client_session_id = ${want.sessionId}`, r.client_session_id === want.sessionId, r.client_session_id);
  const u = s.usage;
  const wantUsage = { input_tokens: u.input, output_tokens: u.output, cache_read_input_tokens: u.cacheRead, cache_write_input_tokens: u.cacheWrite, metadata: want.api === 'responses' ? { reasoning_tokens: u.reasoning ?? 0 } : {} };
  const got = r.token_usages.map((t) => ({ input_tokens: t.input_tokens, output_tokens: t.output_tokens, cache_read_input_tokens: t.cache_read_input_tokens, cache_write_input_tokens: t.cache_write_input_tokens, metadata: t.metadata }));
  check(`${label}: exact tokens ${JSON.stringify(wantUsage)}`, eq(got, [wantUsage]), got);
  const tools = r.tool_usages.map((t) => ({ id: t.tool_call_id, tool: t.tool, input: t.input }));
  check(`${label}: tool calls`, eq(tools, s.kind === 'tool' ? [{ id: s.callId, tool: s.name, input: s.input }] : []), tools);
  const thoughts = r.model_thoughts.map((t) => t.content);
  check(`${label}: thoughts`, eq(thoughts, s.kind === 'tool' && s.thought ? [s.thought] : []), thoughts);
}

const prompts = (r: Interception | undefined) => r?.user_prompts.map((p) => p.prompt) ?? [];

function reportProc(label: string, p: ProcResult): void {
  check(`${label}: exits 0`, p.code === 0 && !p.timedOut, { code: p.code, signal: p.signal, timedOut: p.timedOut, stderr: p.stderr.slice(-1500), stdout: p.stdout.slice(-800) });
}

// ---------- scenarios ----------
async function main(): Promise<number> {
  log('AI Bridge real-client run');
  const bins = ensureClients(log);
  const versions: Record<string, string> = {};
  for (const [name, bin] of Object.entries(bins)) {
    const v = await run(bin, ['--version'], { timeoutMs: 30_000 });
    // `2.1.197 (Claude Code)`, `codex-cli 0.171.0`: the version number.
    versions[name] = /\d+\.\d+\.\d+\S*/.exec(v.stdout + v.stderr)?.[0] ?? '?';
    log(`  ${name}: ${(v.stdout.trim() || v.stderr.trim()).split('\n')[0]}`);
  }
  const up = await startMockUpstream();
  up.setReply('messages', scriptedReply('messages', decideMessages, served));
  up.setReply('responses', scriptedReply('responses', decideResponses, served));
  up.setReply('chat', scriptedReply('chat', decideChat, served));
  const gw = await startBuiltGateway(up.url, KEYS);
  temps.push(gw.dataDir);
  log(`  gateway ${gw.url} (data ${gw.dataDir}), mock upstream ${up.url}`);
  const captureDir = process.env['AIBRIDGE_CAPTURE_DIR'];
  const proxy: CaptureProxy | undefined = captureDir ? await startCaptureProxy(gw.url) : undefined;
  if (proxy) log(`  capture: clients go through the recording proxy ${proxy.url}, fixtures to ${captureDir}`);
  /** Where the clients send their calls: the gateway, or the recording proxy in front of it. */
  const clientUrl = proxy?.url ?? gw.url;
  const segments: CaptureSegment[] = [];
  const segment = (label: string, scenario: string, capturedFrom: string, client: string) => {
    const seg: CaptureSegment = { label, scenario, capturedFrom, client, sessionId: null, from: proxy?.exchanges.length ?? 0, to: 0 };
    segments.push(seg);
    return (sessionId: string | undefined) => {
      seg.sessionId = sessionId ?? null;
      seg.to = proxy?.exchanges.length ?? 0;
    };
  };
  try {
    const ccToken = await gw.createToken('claude-code');
    const cxToken = await gw.createToken('codex');

    // Claude Code ------------------------------------------------------------------------
    const ccHome = tempDir('abr-cc-home-');
    const ccWork = tempDir('abr-cc-work-');
    const ccEnv = cleanEnv({ HOME: ccHome, ANTHROPIC_BASE_URL: `${clientUrl}/anthropic`, ANTHROPIC_API_KEY: ccToken, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' });
    const claude = async (label: string, args: string[]) => {
      const from = served.length;
      const p = await run(bins.claude, args, { env: ccEnv, cwd: ccWork });
      reportProc(label, p);
      let out: Json = {};
      try {
        out = JSON.parse(p.stdout) as Json;
      } catch {
        check(`${label}: --output-format json parses`, false, p.stdout.slice(0, 500));
      }
      return { p, out, scripts: served.slice(from).filter((x) => x.api === 'messages') };
    };

    const sessionOf = (out: Json) => (typeof out['session_id'] === 'string' ? out['session_id'] : undefined);
    log('\nClaude Code: claude -p (text)');
    let done = segment('claude-code-text', 'claude -p, plain text', `claude-code ${versions['claude']}`, 'Claude Code');
    const cc1 = await claude('claude -p text', ['-p', TEXT_PROMPT, '--output-format', 'json']);
    done(sessionOf(cc1.out));
    const cc1Text = cc1.scripts.find((x) => x.script.kind === 'text')?.script;
    check('claude -p text: result is the scripted text, no error', cc1.out['is_error'] === false && cc1Text?.kind === 'text' && cc1.out['result'] === cc1Text.text, { result: cc1.out['result'], is_error: cc1.out['is_error'] });

    log('\nClaude Code: claude -p -c (a second turn of the same conversation)');
    done = segment('claude-code-multiturn', 'claude -p -c, the second turn of the text conversation', `claude-code ${versions['claude']}`, 'Claude Code');
    const cc3 = await claude('claude -p -c', ['-p', '-c', FOLLOW_UP_PROMPT, '--output-format', 'json']);
    done(sessionOf(cc3.out));
    const cc3Text = cc3.scripts.find((x) => x.script.kind === 'text')?.script;
    const cc3Body = cc3.scripts.find((x) => x.script === cc3Text)?.request as Json | undefined;
    const cc3History = JSON.stringify(cc3Body?.['messages'] ?? []);
    check('claude -p -c: result is the scripted text, and the request carries the first turn', cc3.out['is_error'] === false && cc3Text?.kind === 'text' && cc3.out['result'] === cc3Text.text && cc1Text?.kind === 'text' && cc3History.includes(cc1Text.text) && cc3History.includes(TEXT_PROMPT), { result: cc3.out['result'], history: cc3History.slice(-400) });

    log('\nClaude Code: claude -p with a Bash tool round trip');
    done = segment('claude-code-tool', 'claude -p with a Bash tool round trip', `claude-code ${versions['claude']}`, 'Claude Code');
    const cc2 = await claude('claude -p tool', ['-p', TOOL_PROMPT, '--allowedTools', 'Bash(echo:*)', '--max-turns', '3', '--output-format', 'json']);
    done(sessionOf(cc2.out));
    const ccTool = cc2.scripts.find((x) => x.script.kind === 'tool');
    const ccAfter = cc2.scripts.find((x) => x.script.kind === 'text' && x.script.text.startsWith('The tool printed'));
    check('claude -p tool: the mock answered tool_use, then text after a tool_result', ccTool !== undefined && ccAfter !== undefined, cc2.scripts.map((x) => x.script.kind));
    check(`claude -p tool: the tool ran and its output came back ("${TOOL_ECHO}")`, ccAfter?.script.kind === 'text' && ccAfter.script.text.includes(TOOL_ECHO), ccAfter?.script);
    check('claude -p tool: final result quotes the tool output', typeof cc2.out['result'] === 'string' && cc2.out['result'].includes(TOOL_ECHO), cc2.out['result']);

    // Codex --------------------------------------------------------------------------------
    const cxHome = tempDir('abr-codex-home-');
    const cxWork = tempDir('abr-codex-work-');
    writeFileSync(
      join(cxHome, 'config.toml'),
      [
        'model = "gpt-5"', 'model_provider = "bridge"', 'approval_policy = "never"', 'sandbox_mode = "read-only"',
        '[analytics]', 'enabled = false', '[features]', 'plugins = false',
        '[model_providers.bridge]', 'name = "AI Bridge"', `base_url = "${clientUrl}/openai/v1"`, 'env_key = "AIBRIDGE_TOKEN"', 'wire_api = "responses"', '',
      ].join('\n'),
    );
    const cxEnv = cleanEnv({ HOME: cxHome, CODEX_HOME: cxHome, AIBRIDGE_TOKEN: cxToken });
    const codex = async (label: string, prompt: string, resume = false) => {
      const from = served.length;
      const p = await run(bins.codex, ['exec', ...(resume ? ['resume', '--last'] : []), '--skip-git-repo-check', prompt], { env: cxEnv, cwd: cxWork });
      reportProc(label, p);
      const session = /session id: (\S+)/.exec(p.stderr + p.stdout)?.[1];
      return { p, session, scripts: served.slice(from).filter((x) => x.api === 'responses') };
    };

    const codexVersion = `codex-cli ${versions['codex']}`;
    log('\nCodex: codex exec (text)');
    done = segment('codex-text', 'codex exec, plain text', codexVersion, 'Codex');
    const cx1 = await codex('codex exec text', TEXT_PROMPT);
    done(cx1.session);
    const cx1Text = cx1.scripts.find((x) => x.script.kind === 'text')?.script;
    check('codex exec text: prints the scripted text', cx1Text?.kind === 'text' && cx1.p.stdout.includes(cx1Text.text), cx1.p.stdout.slice(-500));

    log('\nCodex: codex exec resume --last (a second turn of the same conversation)');
    done = segment('codex-multiturn', 'codex exec resume --last, the second turn of the text conversation', codexVersion, 'Codex');
    const cx3 = await codex('codex exec resume', FOLLOW_UP_PROMPT, true);
    done(cx3.session);
    const cx3Text = cx3.scripts.find((x) => x.script.kind === 'text')?.script;
    const cx3History = JSON.stringify((cx3.scripts.find((x) => x.script === cx3Text)?.request as Json | undefined)?.['input'] ?? []);
    check('codex exec resume: prints the scripted text, same session, and the request carries the first turn', cx3Text?.kind === 'text' && cx3.p.stdout.includes(cx3Text.text) && cx3.session === cx1.session && cx1Text?.kind === 'text' && cx3History.includes(cx1Text.text), { out: cx3.p.stdout.slice(-300), session: [cx1.session, cx3.session], history: cx3History.slice(-300) });

    log('\nCodex: codex exec with a function-call round trip');
    done = segment('codex-tool', 'codex exec with a function-call round trip', codexVersion, 'Codex');
    const cx2 = await codex('codex exec tool', CODEX_TOOL_PROMPT);
    done(cx2.session);
    const cxTool = cx2.scripts.find((x) => x.script.kind === 'tool');
    const cxAfter = cx2.scripts.find((x) => x.script.kind === 'text' && x.script.text.startsWith('The tool printed'));
    check('codex exec tool: the mock answered function_call, then text after function_call_output', cxTool !== undefined && cxAfter !== undefined, cx2.scripts.map((x) => x.script.kind));
    check(`codex exec tool: the command ran and its output came back ("${TOOL_ECHO}")`, cxAfter?.script.kind === 'text' && cxAfter.script.text.includes(TOOL_ECHO), cxAfter?.script);
    check('codex exec tool: final answer printed', cxAfter?.script.kind === 'text' && cx2.p.stdout.includes('The tool printed'), cx2.p.stdout.slice(-500));

    // The official openai SDK on Chat Completions (no CLI here speaks it): a stream without
    // stream_options (the gateway asks upstream for usage, inject_stream_usage) and one with it.
    log('\nopenai SDK: chat.completions streams (text without stream_options, a tool call with include_usage)');
    const sdkToken = await gw.createToken('openai-sdk');
    const sdk = new OpenAI({ apiKey: sdkToken, baseURL: `${clientUrl}/openai/v1`, maxRetries: 0 });
    const sdkFrom = served.length;
    done = segment('openai-sdk-chat', 'openai SDK chat.completions stream', `openai SDK ${OPENAI_SDK_VERSION}`, 'Unknown');
    let sdkText = '';
    const s1 = await sdk.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: TEXT_PROMPT }] });
    for await (const c of s1) sdkText += c.choices[0]?.delta.content ?? '';
    let sdkArgs = '';
    let sdkUsage: unknown;
    const s2 = await sdk.chat.completions.create({
      model: 'gpt-4o', stream: true, stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } } } } }],
      messages: [{ role: 'user', content: `What is the weather in Zürich? ${TOOL_MARKER}` }],
    });
    for await (const c of s2) {
      sdkArgs += c.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
      if (c.usage) sdkUsage = c.usage;
    }
    done(undefined);
    const sdkServed = served.slice(sdkFrom);
    const sdk1 = sdkServed[0]?.script;
    check('openai SDK: the stream without stream_options reads the scripted text (the extra usage chunk has no choices)', sdk1?.kind === 'text' && sdkText === sdk1.text, sdkText);
    check('openai SDK: the tool-call stream gives the scripted arguments and the usage chunk', sdkArgs === JSON.stringify({ city: 'Zürich', unit: 'c' }) && sdkUsage !== undefined, { sdkArgs, sdkUsage });

    // aibridge connect (SPEC §16, issue #19): the clients' own config files, then a plain start
    // with only HOME set — no ANTHROPIC_*/OPENAI_*/CODEX_* variables at all.
    log('\naibridge connect claude-code / codex, then plain claude -p / codex exec with only HOME');
    const port = new URL(gw.url).port;
    const connectHome = tempDir('abr-connect-home-');
    const ccSettings = join(connectHome, '.claude', 'settings.json');
    const cxConfig = join(connectHome, '.codex', 'config.toml');
    mkdirSync(join(connectHome, '.claude'));
    mkdirSync(join(connectHome, '.codex'));
    const ccBefore = '{\n  "theme": "dark",\n  "env": { "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1" }\n}\n';
    const cxBefore = '# mine\napproval_policy = "never"\nsandbox_mode = "read-only"\n\n[analytics]\nenabled = false\n\n[features]\nplugins = false\n';
    writeFileSync(ccSettings, ccBefore);
    writeFileSync(cxConfig, cxBefore);
    for (const [client, name] of [['claude-code', 'cc-connect'], ['codex', 'cx-connect']] as const) {
      const c = await gw.cli(['connect', client, '--home', connectHome, '--token-name', name], { AIBRIDGE_PORT: port });
      check(`connect ${client}: exits 0 and names the bridge URL`, c.code === 0 && c.stdout.includes(gw.url), { code: c.code, out: c.stdout, err: c.stderr });
    }
    const status = await gw.cli(['connect', '--status', '--home', connectHome], { AIBRIDGE_PORT: port });
    check('connect --status: both clients point at this bridge', (status.stdout.match(/connected to /g) ?? []).length === 2, status.stdout);
    const onlyHome = cleanEnv({ HOME: connectHome });
    const ccPlain = await run(bins.claude, ['-p', 'Connected hello.', '--output-format', 'json'], { env: onlyHome, cwd: ccWork });
    reportProc('plain claude -p after connect', ccPlain);
    const cxPlain = await run(bins.codex, ['exec', '--skip-git-repo-check', 'Connected hello.'], { env: onlyHome, cwd: cxWork });
    reportProc('plain codex exec after connect', cxPlain);
    const connectedRecords = async () => {
      const deadline2 = Date.now() + 10_000;
      let rs = await gw.interceptions();
      while (!(rs.some((r) => r.initiator.name === 'cc-connect') && rs.some((r) => r.initiator.name === 'cx-connect')) && Date.now() < deadline2) {
        await new Promise((r) => setTimeout(r, 100));
        rs = await gw.interceptions();
      }
      return rs;
    };
    const afterConnect = await connectedRecords();
    check('plain claude -p is recorded under the connect token (Claude Code, completed)', afterConnect.some((r) => r.initiator.name === 'cc-connect' && r.client === 'Claude Code' && r.status === 'completed'), afterConnect.map((r) => [r.initiator.name, r.client, r.status]));
    check('plain codex exec is recorded under the connect token (Codex, completed)', afterConnect.some((r) => r.initiator.name === 'cx-connect' && r.client === 'Codex' && r.status === 'completed'), afterConnect.map((r) => [r.initiator.name, r.client, r.status]));
    for (const client of ['claude-code', 'codex']) {
      const u = await gw.cli(['connect', client, '--undo', '--home', connectHome], { AIBRIDGE_PORT: port });
      check(`connect ${client} --undo: exits 0`, u.code === 0, u.stderr);
    }
    check('--undo restored both files byte for byte', readFileSync(ccSettings, 'utf8') === ccBefore && readFileSync(cxConfig, 'utf8') === cxBefore);

    // Interactive `claude` (not -p) after connect, in a pseudo-terminal (issue #19): it must start
    // with no "Do you want to use this API key?" question and reach the bridge under the connect
    // token. The same start with ANTHROPIC_API_KEY in place of ANTHROPIC_AUTH_TOKEN (the old
    // snippet) must show that question: the check that proves this one can fail.
    const interactiveConnect = async (tokenName: string, apiKeyInstead = false) => {
      const home = tempDir('abr-pty-home-');
      const c = await gw.cli(['connect', 'claude-code', '--home', home, '--token-name', tokenName], { AIBRIDGE_PORT: port });
      check(`connect claude-code --token-name ${tokenName}: exits 0`, c.code === 0, c.stderr);
      const file = join(home, '.claude', 'settings.json');
      const settings = JSON.parse(readFileSync(file, 'utf8')) as { env: Record<string, string> };
      const token = settings.env['ANTHROPIC_AUTH_TOKEN'] ?? '';
      ptySecrets.push(token);
      if (apiKeyInstead) {
        settings.env = { ANTHROPIC_BASE_URL: settings.env['ANTHROPIC_BASE_URL']!, ANTHROPIC_API_KEY: token };
        writeFileSync(file, JSON.stringify(settings, null, 2));
      }
      return { home, token };
    };
    /**
     * What a person has in ~/.claude.json once they have used Claude Code before: the first-run
     * onboarding finished (theme picker, security notes — and, when the key is not an approved
     * ANTHROPIC_API_KEY, a connectivity preflight to api.anthropic.com that cannot pass on a machine
     * with no network but the bridge) and this folder trusted ("Do you trust the files in this
     * folder?", asked once per folder). Nothing about keys: customApiKeyResponses stays absent, so
     * an ANTHROPIC_API_KEY is never pre-approved.
     */
    const returningUser = (home: string, work: string) => writeFileSync(join(home, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true, projects: { [work]: { hasTrustDialogAccepted: true } } }, null, 2));
    const API_KEY_QUESTION = /use this API key/i;
    const PTY_PROMPT = 'Say hi to the bridge from a terminal.';
    const ptyEnv = (home: string) => ({ HOME: home, PATH: process.env['PATH'] ?? '/usr/bin:/bin', TERM: 'xterm-256color' });
    const shown = (p: PtyProgram, token: string) => redactToken(p.screen().split('\n').filter((l) => l.trim()).slice(-14).join('\n'), token);
    /** Answers the first-run screens as a new user would (Enter on each default) until the input box shows. */
    const reachInput = async (p: PtyProgram): Promise<boolean> => {
      const firstRun = [/Choose the text style/, /Press Enter to continue/, /Yes, I trust this folder/];
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline && !p.ended()) {
        const s = p.screen();
        if (API_KEY_QUESTION.test(s)) return false;
        if (/\? for shortcuts/.test(s)) return true;
        const step = firstRun.find((re) => re.test(s));
        if (step) {
          p.type('\r');
          const gone = Date.now() + 10_000;
          while (step.test(p.screen()) && Date.now() < gone) await new Promise((r) => setTimeout(r, 100));
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
    };
    /** Types a prompt as a person does: the text, then Enter once the input box shows it. */
    const ask = async (p: PtyProgram, prompt: string) => {
      p.type(prompt);
      await p.waitFor(new RegExp(prompt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 10_000);
      p.type('\r');
    };
    /** /exit, as a person quits; Ctrl-C twice if that did not end it. The exit code, or 'killed'. */
    const quit = async (p: PtyProgram): Promise<number | null | 'killed'> => {
      const within = (ms: number) => Promise.race([p.exited, new Promise<'late'>((r) => setTimeout(() => r('late'), ms))]);
      p.type('/exit');
      await p.waitFor(/\/exit/, 5_000);
      p.type('\r');
      let code = await within(20_000);
      if (code === 'late') {
        p.type('\x03');
        await new Promise((r) => setTimeout(r, 500));
        p.type('\x03');
        code = await within(10_000);
      }
      if (code === 'late') {
        p.kill();
        return 'killed';
      }
      return code;
    };
    const interactive = async (label: string, tokenName: string, returning: boolean) => {
      log(`\nClaude Code: interactive claude in a pty after connect, ${label}`);
      const { home, token } = await interactiveConnect(tokenName);
      const work = tempDir('abr-pty-work-');
      if (returning) returningUser(home, work);
      const from = served.length;
      const p = startPty(bins.claude, [], { env: ptyEnv(home), cwd: work });
      try {
        const ready = await reachInput(p);
        check(`interactive ${label}: reaches the input box with no "use this API key" question`, ready && !p.saw(API_KEY_QUESTION), shown(p, token));
        if (!ready) return;
        await ask(p, PTY_PROMPT);
        const ANSWER = /Hello from the scripted upstream \(#\d+\)\./;
        const answered = await p.waitFor(ANSWER, 90_000);
        const text = ANSWER.exec(p.screen())?.[0];
        const answer = served.slice(from).find((x) => x.script.kind === 'text' && x.script.text === text);
        check(`interactive ${label}: the screen shows the mock upstream's answer to the typed prompt`, answered && answer !== undefined && JSON.stringify(answer.request).includes(PTY_PROMPT), shown(p, token));
        const code = await quit(p);
        check(`interactive ${label}: /exit quits with code 0`, code === 0, { code, screen: shown(p, token) });
        check(`interactive ${label}: no screen ever showed "use this API key"`, !p.saw(API_KEY_QUESTION));
        const deadline2 = Date.now() + 10_000;
        let rs = await gw.interceptions();
        while (!(answer && recordFor(rs, answer.script)) && Date.now() < deadline2) {
          await new Promise((r) => setTimeout(r, 100));
          rs = await gw.interceptions();
        }
        const rec = answer && recordFor(rs, answer.script);
        check(`interactive ${label}: recorded under the connect token "${tokenName}" (Claude Code, completed, the typed prompt)`, rec !== undefined && rec.initiator.name === tokenName && rec.client === 'Claude Code' && rec.status === 'completed' && prompts(rec).some((x) => x.endsWith(PTY_PROMPT)), rec && { initiator: rec.initiator.name, client: rec.client, status: rec.status, prompts: prompts(rec) });
      } finally {
        p.kill();
      }
    };
    await interactive('first run (a new user: theme, security notes, trust this folder)', 'cc-pty-first', false);
    await interactive('returning user (onboarding done, folder trusted)', 'cc-pty', true);

    log('\nClaude Code: the same with ANTHROPIC_API_KEY instead of ANTHROPIC_AUTH_TOKEN (the old snippet): the question must show');
    {
      const { home, token } = await interactiveConnect('cc-pty-api-key', true);
      const work = tempDir('abr-pty-work-');
      returningUser(home, work);
      const from = served.length;
      const p = startPty(bins.claude, [], { env: ptyEnv(home), cwd: work });
      try {
        const asked = await p.waitFor(API_KEY_QUESTION, 60_000);
        check('ANTHROPIC_API_KEY: interactive claude asks "Do you want to use this API key?" with "No (recommended)" preselected (and saw() catches it)', asked && /❯\s*2\. No \(recommended\)/.test(p.screen()) && p.saw(API_KEY_QUESTION), shown(p, token));
        // Enter takes the preselected "No", as a person pressing Enter through it would.
        p.type('\r');
        const input = await p.waitFor(/\? for shortcuts/, 30_000);
        if (input) {
          await ask(p, PTY_PROMPT);
          check('ANTHROPIC_API_KEY, after Enter: "Not logged in", nothing reaches the bridge', await p.waitFor(/Not logged in/, 30_000), shown(p, token));
        } else check('ANTHROPIC_API_KEY, after Enter: reaches the input box', false, shown(p, token));
        const code = await quit(p);
        check('ANTHROPIC_API_KEY: /exit quits with code 0', code === 0, { code, screen: shown(p, token) });
        const rs = await gw.interceptions();
        check('ANTHROPIC_API_KEY: no call reached the upstream and nothing is recorded under "cc-pty-api-key"', served.length === from && !rs.some((r) => r.initiator.name === 'cc-pty-api-key'), { served: served.length - from, records: rs.filter((r) => r.initiator.name === 'cc-pty-api-key').length });
      } finally {
        p.kill();
      }
    }

    // Records --------------------------------------------------------------------------------
    log('\nInterceptions');
    const deadline = Date.now() + 10_000;
    let records = await gw.interceptions();
    while (served.some((s) => !recordFor(records, s.script)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      records = await gw.interceptions();
    }
    check(`one record per upstream call (${served.length} calls, ${records.length} records)`, records.length === served.length, records.map((r) => [r.client, r.status, r.error]));
    check('no record failed or cancelled', records.every((r) => r.status === 'completed'), records.filter((r) => r.status !== 'completed').map((r) => [r.id, r.status, r.error]));

    const ccSession = typeof cc1.out['session_id'] === 'string' ? cc1.out['session_id'] : undefined;
    const ccWant = { client: 'Claude Code', initiator: 'claude-code', api: 'messages' as const };
    for (const s of cc1.scripts) checkRecord('claude text', recordFor(records, s.script), s.script, { ...ccWant, sessionId: ccSession });
    const cc1Rec = cc1Text && recordFor(records, cc1Text);
    check(`claude text: prompt ends with "${TEXT_PROMPT}"`, prompts(cc1Rec).length === 1 && prompts(cc1Rec)[0]!.endsWith(TEXT_PROMPT), prompts(cc1Rec));
    for (const s of cc3.scripts) checkRecord('claude -c', recordFor(records, s.script), s.script, { ...ccWant, sessionId: sessionOf(cc3.out) });
    const cc3Rec = cc3Text && recordFor(records, cc3Text);
    check(`claude -c: prompt ends with "${FOLLOW_UP_PROMPT}"`, prompts(cc3Rec).length === 1 && prompts(cc3Rec)[0]!.endsWith(FOLLOW_UP_PROMPT), prompts(cc3Rec));
    const cc2Session = typeof cc2.out['session_id'] === 'string' ? cc2.out['session_id'] : undefined;
    for (const s of cc2.scripts) checkRecord(`claude tool (${s.script.kind})`, recordFor(records, s.script), s.script, { ...ccWant, sessionId: cc2Session });
    const ccToolRec = ccTool && recordFor(records, ccTool.script);
    check('claude tool: first call records the prompt', prompts(ccToolRec).length === 1 && prompts(ccToolRec)[0]!.endsWith(TOOL_PROMPT), prompts(ccToolRec));
    const ccAfterRec = ccAfter && recordFor(records, ccAfter.script);
    check('claude tool: the tool_result turn records no prompt (SPEC §6)', ccAfterRec !== undefined && prompts(ccAfterRec).length === 0, prompts(ccAfterRec));

    const cxWant = { client: 'Codex', initiator: 'codex', api: 'responses' as const };
    for (const s of cx1.scripts) checkRecord('codex text', recordFor(records, s.script), s.script, { ...cxWant, sessionId: cx1.session });
    const cx1Rec = cx1Text && recordFor(records, cx1Text);
    check(`codex text: prompt = "${TEXT_PROMPT}"`, eq(prompts(cx1Rec), [TEXT_PROMPT]), prompts(cx1Rec));
    for (const x of sdkServed) {
      const r = recordFor(records, x.script);
      const u = x.script.usage;
      check(`openai SDK (${x.script.kind}): recorded chat_completions, Unknown, exact tokens`, r !== undefined && r.api === 'chat_completions' && r.client === 'Unknown' && r.status === 'completed' && eq(r.token_usages.map((t) => [t.input_tokens, t.output_tokens, t.cache_read_input_tokens]), [[u.input, u.output, u.cacheRead]]), r && { api: r.api, client: r.client, status: r.status, tokens: r.token_usages });
    }
    for (const s of cx3.scripts) checkRecord('codex resume', recordFor(records, s.script), s.script, { ...cxWant, sessionId: cx3.session });
    const cx3Rec = cx3Text && recordFor(records, cx3Text);
    check(`codex resume: prompt = "${FOLLOW_UP_PROMPT}"`, eq(prompts(cx3Rec), [FOLLOW_UP_PROMPT]), prompts(cx3Rec));
    for (const s of cx2.scripts) checkRecord(`codex tool (${s.script.kind})`, recordFor(records, s.script), s.script, { ...cxWant, sessionId: cx2.session });
    const cxToolRec = cxTool && recordFor(records, cxTool.script);
    check(`codex tool: prompt = "${CODEX_TOOL_PROMPT}"`, eq(prompts(cxToolRec), [CODEX_TOOL_PROMPT]), prompts(cxToolRec));

    // What reached the upstream, and what the clients looked like (printed for CLIENTS.md notes).
    const ccUp = up.requests.filter((r) => r.route === 'messages');
    const cxUp = up.requests.filter((r) => r.route === 'responses');
    check('claude: upstream got ?beta=true, anthropic-version, anthropic-beta and the provider key (x-api-key) only', ccUp.length > 0 && ccUp.every((r) => r.search === '?beta=true' && Boolean(r.headers['anthropic-version']) && Boolean(r.headers['anthropic-beta']) && r.headers['x-api-key'] === KEYS.anthropic && r.headers['authorization'] === undefined && !JSON.stringify(r.headers).includes(ccToken)), ccUp.map((r) => [r.search, Object.keys(r.headers)]));
    check('codex: upstream got Authorization: Bearer <provider key> only', cxUp.length > 0 && cxUp.every((r) => r.headers['authorization'] === `Bearer ${KEYS.openai}` && !JSON.stringify(r.headers).includes(cxToken)), cxUp.map((r) => Object.keys(r.headers)));
    const other = up.requests.filter((r) => r.route !== 'messages' && r.route !== 'responses');
    log(`  seen: Claude Code ${ccUp.length} POST /v1/messages${ccUp[0]?.search ?? ''} (UA ${String(ccUp[0]?.headers['user-agent'])}, last message roles ${JSON.stringify(ccUp.map((r) => ((r.json as Json)['messages'] as Json[]).at(-1)?.['role']))}); Codex ${cxUp.length} POST /v1/responses (UA ${String(cxUp[0]?.headers['user-agent'])}); other upstream calls: ${other.length ? other.map((r) => `${r.method} ${r.path}`).join(', ') : 'none'}`);

    const logText = readLog(gw.logFile);
    const everything = logText + JSON.stringify(records);
    check('no provider key or bridge token in the records or the JSON log', [KEYS.anthropic, KEYS.openai, ccToken, cxToken, sdkToken, ...ptySecrets].every((s) => !everything.includes(s)));
    check('structured log has an interception_end line per record', (logText.match(/"record_type":"interception_end"/g) ?? []).length === records.length);

    if (captureDir && proxy) {
      log(`\nCapture to ${captureDir}`);
      const trim = process.env['AIBRIDGE_CAPTURE_TRIM'];
      const cap = writeCaptures({
        dir: captureDir, segments, proxy: proxy.exchanges, served, upstream: up.requests, records,
        secrets: [KEYS.anthropic, KEYS.openai, ccToken, cxToken, sdkToken], trimOver: trim ? Number(trim) : undefined,
      });
      log(`  ${cap.written.length} fixture folders: ${cap.written.map((w) => w.split('/').pop()).join(', ')}`);
      check('capture: every exchange saved faithfully (client bytes reached the upstream, upstream bytes reached the client, a record each), no secret in any file', cap.problems.length === 0 && cap.written.length > 0, cap.problems);
    }
  } finally {
    await proxy?.close();
    await gw.stop();
    await up.close();
  }

  // Claude Code over Bedrock (issue #4): its test file runs when it is given a claude binary.
  log('\nClaude Code through the bridge to a mock Bedrock runtime (test/integration/bedrock-claude-code.test.ts)');
  const bedrock = await run(process.execPath, [join('node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/integration/bedrock-claude-code.test.ts'], {
    env: { ...process.env, AIBRIDGE_TEST_CLAUDE: bins.claude },
    timeoutMs: 300_000,
  });
  check('claude over Bedrock (Anthropic route and Bedrock-native route) streams and is recorded as bedrock', bedrock.code === 0 && /2 passed/.test(bedrock.stdout), bedrock.stdout.slice(-1500));
  const failed = results.filter((r) => !r.ok);
  log(`\n${failed.length === 0 ? 'PASS' : 'FAIL'}: ${results.length - failed.length}/${results.length} checks passed`);
  for (const f of failed) log(`  ✗ ${f.name}${f.detail ? `: ${f.detail.slice(0, 300)}` : ''}`);
  if (failed.length === 0) for (const d of temps) rmSync(d, { recursive: true, force: true });
  else log(`  kept for inspection: ${temps.join(' ')}`);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`\nFAIL: the run broke: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
