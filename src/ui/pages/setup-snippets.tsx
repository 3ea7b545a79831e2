import { useState } from 'preact/hooks';
import { CodeBlock } from '../components/copy-button';

export interface Endpoints {
  anthropic: string;
  openai: string;
  bedrock: string;
}

interface Snippet {
  id: string;
  label: string;
  intro: string;
  blocks: { label: string; code: string; lang: string }[];
  note?: string;
}

/** Copy-ready client setup (SPEC §4, CLIENTS.md). `token` is a just-created token or a placeholder. */
export function snippetsFor(ep: Endpoints, token = '<bridge token>'): Snippet[] {
  return [
    {
      id: 'claude-code',
      label: 'Claude Code',
      intro: 'One click: "Connect" above (or `aibridge connect claude-code`) writes this into ~/.claude/settings.json. By hand, set these in the shell you start Claude Code from. ANTHROPIC_AUTH_TOKEN, not ANTHROPIC_API_KEY: with an API key interactive claude asks whether to use it, and the preselected "No" leaves it logged out.',
      blocks: [{ label: 'Claude Code setup', lang: 'sh', code: `export ANTHROPIC_BASE_URL=${ep.anthropic}\nexport ANTHROPIC_AUTH_TOKEN=${token}\nclaude` }],
    },
    {
      id: 'codex',
      label: 'Codex',
      intro: 'Codex ignores OPENAI_BASE_URL; add a provider to ~/.codex/config.toml, then run it with the token in AIBRIDGE_TOKEN.',
      blocks: [
        {
          label: 'Codex config.toml',
          lang: 'toml',
          code: `model_provider = "bridge"\n\n[model_providers.bridge]\nname = "AI Bridge"\nbase_url = "${ep.openai}"\nenv_key = "AIBRIDGE_TOKEN"\nwire_api = "responses"`,
        },
        { label: 'Codex command', lang: 'sh', code: `AIBRIDGE_TOKEN=${token} codex` },
      ],
    },
    {
      id: 'openai-sdk',
      label: 'OpenAI SDK',
      intro: 'Any OpenAI SDK takes a base URL; the bridge token goes where the API key would.',
      blocks: [
        { label: 'OpenAI SDK for TypeScript', lang: 'ts', code: `import OpenAI from 'openai';\n\nconst client = new OpenAI({\n  baseURL: '${ep.openai}',\n  apiKey: process.env.AIBRIDGE_TOKEN, // ${token}\n});` },
        { label: 'OpenAI SDK for Python', lang: 'py', code: `from openai import OpenAI\n\nclient = OpenAI(base_url="${ep.openai}", api_key="${token}")` },
      ],
    },
    {
      id: 'anthropic-sdk',
      label: 'Anthropic SDK',
      intro: 'The Anthropic SDKs read ANTHROPIC_BASE_URL too, or take the base URL as an option.',
      blocks: [
        { label: 'Anthropic SDK for TypeScript', lang: 'ts', code: `import Anthropic from '@anthropic-ai/sdk';\n\nconst client = new Anthropic({\n  baseURL: '${ep.anthropic}',\n  apiKey: process.env.AIBRIDGE_TOKEN, // ${token}\n});` },
        { label: 'Anthropic SDK for Python', lang: 'py', code: `from anthropic import Anthropic\n\nclient = Anthropic(base_url="${ep.anthropic}", api_key="${token}")` },
      ],
    },
    {
      id: 'cursor-roo',
      label: 'Cursor / Roo',
      intro: 'Roo Code (and Cline, Kilo Code): API provider "Anthropic" with "Use custom base URL", or "OpenAI Compatible". Cursor: Settings → Models → API keys.',
      blocks: [
        { label: 'Roo Code Anthropic settings', lang: 'text', code: `API Provider:     Anthropic\nCustom base URL:  ${ep.anthropic}\nAPI key:          ${token}` },
        { label: 'Roo Code and Cursor OpenAI-compatible settings', lang: 'text', code: `Base URL:  ${ep.openai}\nAPI key:   ${token}` },
      ],
      note: 'Cursor sends requests with your own key through its servers, so it needs a bridge address those servers can reach; a 127.0.0.1 address only works for tools running on this machine.',
    },
  ];
}

/** Tabs of setup instructions, arrow keys move between tabs (WAI-ARIA tabs pattern). */
export function SetupSnippets({ endpoints, token }: { endpoints: Endpoints; token?: string }) {
  const snippets = snippetsFor(endpoints, token);
  const [active, setActive] = useState(snippets[0]?.id ?? '');
  const current = snippets.find((s) => s.id === active) ?? snippets[0];

  const onKeyDown = (e: KeyboardEvent) => {
    const i = snippets.findIndex((s) => s.id === active);
    let next = i;
    if (e.key === 'ArrowRight') next = (i + 1) % snippets.length;
    else if (e.key === 'ArrowLeft') next = (i - 1 + snippets.length) % snippets.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = snippets.length - 1;
    else return;
    e.preventDefault();
    const id = snippets[next]?.id;
    if (!id) return;
    setActive(id);
    document.getElementById(`tab-${id}`)?.focus();
  };

  if (!current) return null;
  return (
    <div class="setup">
      <div class="tabs" role="tablist" aria-label="Client" onKeyDown={onKeyDown}>
        {snippets.map((s) => (
          <button
            key={s.id}
            id={`tab-${s.id}`}
            type="button"
            role="tab"
            aria-selected={s.id === current.id}
            aria-controls={`panel-${s.id}`}
            tabIndex={s.id === current.id ? 0 : -1}
            class="tab"
            onClick={() => setActive(s.id)}
          >
            {s.label}
          </button>
        ))}
      </div>
      <div class="tab-panel" role="tabpanel" id={`panel-${current.id}`} aria-labelledby={`tab-${current.id}`}>
        <p class="muted">{current.intro}</p>
        {current.blocks.map((b) => <CodeBlock key={b.label} code={b.code} label={b.label} lang={b.lang} />)}
        {current.note && <p class="hint">{current.note}</p>}
      </div>
    </div>
  );
}
