import { api } from '../api/client';
import type { SettingsResponse, Status } from '../api/types';
import { ErrorNotice, Loading, Notice, PageHeader } from '../components/ui';
import { useAsync } from '../lib/use-async';
import { ProviderForm, type ProviderDef } from './provider-form';

const PROVIDERS: ProviderDef[] = [
  {
    name: 'anthropic',
    label: 'Anthropic',
    blurb: 'For Claude Code and the Anthropic SDKs (/anthropic).',
    fields: [
      { key: 'anthropic_key', label: 'API key' },
      { key: 'anthropic_base_url', label: 'Base URL', placeholder: 'https://api.anthropic.com/', hint: 'Leave empty for the public API.' },
    ],
  },
  {
    name: 'openai',
    label: 'OpenAI',
    blurb: 'For Codex, Cursor and the OpenAI SDKs (/openai/v1).',
    fields: [
      { key: 'openai_key', label: 'API key' },
      { key: 'openai_base_url', label: 'Base URL', placeholder: 'https://api.openai.com/v1/', hint: 'Leave empty for the public API.' },
    ],
  },
  {
    name: 'bedrock',
    label: 'Amazon Bedrock',
    blurb: 'Serves /bedrock, and /anthropic too when no Anthropic key is set.',
    fields: [
      { key: 'bedrock_region', label: 'Region', placeholder: 'us-east-1' },
      { key: 'bedrock_access_key', label: 'Access key ID' },
      { key: 'bedrock_access_key_secret', label: 'Secret access key' },
      { key: 'bedrock_model', label: 'Model', placeholder: 'anthropic.claude-…', hint: 'Used for Claude models requested through /anthropic.' },
      { key: 'bedrock_small_fast_model', label: 'Small, fast model', placeholder: 'anthropic.claude-…-haiku', hint: 'Used for Haiku-class requests.' },
      { key: 'bedrock_base_url', label: 'Base URL', placeholder: 'https://bedrock-runtime.REGION.amazonaws.com', hint: 'Optional: a proxy or VPC endpoint.' },
    ],
  },
];

export function ProvidersPage() {
  const settings = useAsync((signal) => api.get<SettingsResponse>('/settings', signal), []);
  const status = useAsync((signal) => api.get<Status>('/status', signal), []);
  const data = settings.data;
  const storage = data?.secret_storage;

  return (
    <>
      <PageHeader title="Providers & keys" description="The real provider keys live here, never in your tools. Tools use bridge tokens instead." />
      <ErrorNotice error={settings.error} onRetry={settings.reload} />
      {!data && settings.loading && <Loading />}
      {data && (
        <>
          <Notice kind="info">
            {storage === 'os-encrypted'
              ? 'Keys are encrypted with your operating system’s key store (desktop app) and are never shown again after saving.'
              : 'Keys are stored in a file only your user can read (mode 0600) in the data directory, and are never shown again after saving.'}
          </Notice>
          <div class="provider-grid">
            {PROVIDERS.map((def) => (
              <ProviderForm
                key={def.name}
                def={def}
                data={data}
                status={status.data?.providers.find((p) => p.name === def.name)}
                onSaved={(next) => { settings.setData(next); status.reload(); }}
              />
            ))}
          </div>
        </>
      )}
    </>
  );
}
