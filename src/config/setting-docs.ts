/**
 * One line of documentation per setting (SPEC §3), next to the schema: docs/configuration.md's table
 * is generated from SETTINGS and this (`npm run docs:gen`), and a test fails when they drift. A new
 * setting without a line here does not type-check.
 */
import type { SettingKey } from './schema.js';

export const SETTING_DOCS: Record<SettingKey, string> = {
  enabled: 'Whether the bridge forwards calls (off: 503 on provider routes). The tray, the dashboard and `PUT /api/v1/bridge` switch it at runtime and the choice persists.',
  host: 'Address to listen on. Loopback by default; anything else exposes the gateway to the network (a warning at start; the admin API and `/metrics` still answer this machine only, see allow_remote_admin). Flag, environment or config file only: read-only in the dashboard and the admin API.',
  port: 'Port to listen on (`0` picks a free one).',
  openai_key: 'OpenAI API key the gateway sends upstream in place of the bridge token.',
  openai_base_url: 'OpenAI-compatible upstream base URL (Azure OpenAI, a proxy, a local model server).',
  anthropic_key: 'Anthropic API key the gateway sends upstream in place of the bridge token.',
  anthropic_base_url: 'Anthropic upstream base URL.',
  bedrock_region: 'AWS region of Amazon Bedrock. With Bedrock configured and Anthropic not, `/anthropic` calls go to Bedrock.',
  bedrock_access_key: 'AWS access key id for Bedrock.',
  bedrock_access_key_secret: 'AWS secret access key for Bedrock.',
  bedrock_model: 'Bedrock model id (or inference profile) used for Anthropic model names on `/anthropic`.',
  bedrock_small_fast_model: 'Bedrock model id used for small/fast (Haiku-class) model names on `/anthropic`.',
  bedrock_base_url: 'Bedrock runtime endpoint override (a VPC endpoint or a plain HTTP/1.1 proxy).',
  retention: 'How long records are kept (by `started_at`); older ones are hidden at once and purged. `0` keeps them forever.',
  content_retention: 'After this age prompts, tool inputs and thoughts are stripped; metadata and tokens stay. `0` keeps content for the whole retention.',
  structured_logging: 'Emit interception log lines (SPEC §7) to stderr as JSON.',
  log_json: 'Write the JSON log lines to this file (rotated), or `/dev/stderr`, or `/dev/stdout` (also spelled `-`; `serve`\'s own start-up lines then go into it as JSON, without the admin token). Unset: human-readable lines on stderr only. Flag, environment or config file only.',
  max_body_size: 'Largest request body accepted; larger → 413 in the provider\'s error shape.',
  max_stored_field: 'Largest stored prompt, tool input, thought or error text; longer values are cut and end in `…[truncated N bytes]` with `metadata.truncated: true` (docs/limits.md).',
  inject_stream_usage: 'Chat Completions streams ask the upstream for usage (`stream_options.include_usage`) when the client did not, so every record has tokens; the client then gets one extra final chunk (`choices: []`, `usage`), the one place its bytes differ (docs/recording.md). Off: streams pass as sent and may have no token row.',
  max_body_memory: 'Request-body bytes held in memory at once across all calls; past it, further calls wait for room (up to `body_timeout`) instead of the process running out of memory (docs/limits.md).',
  upstream_timeout: 'Longest wait for the upstream\'s response headers.',
  stream_idle_timeout: 'Longest silence inside a streamed answer before the call is ended as failed.',
  max_concurrency: 'Calls forwarded at once; more → 429 (overloaded) in the provider\'s error shape.',
  body_idle_timeout: 'Longest pause while a request body arrives; past it → 408 in the provider\'s error shape, recorded `failed`.',
  body_timeout: 'Longest time for a whole request body to arrive (a body trickled a byte at a time is never idle); past it → 408.',
  max_connections: 'Open client connections at once; a connection past it is closed at once (no reply), with a warning at most once a minute.',
  circuit_failure_threshold: 'Consecutive upstream failures (network errors, 429/5xx) that open a model\'s circuit breaker. `0` turns the breaker off.',
  circuit_open_duration: 'How long an open circuit refuses calls before one trial call is let through.',
  redact_secrets: 'Secrets (cloud keys, API tokens, private keys, passwords in URLs…) in prompts, tool inputs, thoughts and error text are stored, logged, exported and sent to telemetry as `[REDACTED:RULE]` (docs/redaction.md). Our own provider keys and bridge tokens are removed whatever this says. Client ↔ upstream bytes never change.',
  block_secrets: 'Refuse a call whose prompt holds a secret: 400 in the provider\'s error shape naming the rule, recorded `failed`, never sent upstream (docs/redaction.md).',
  allowed_hosts: 'Host names accepted in the `Host` header besides loopback names (DNS-rebinding guard), e.g. when reached through a reverse proxy. Bound to `0.0.0.0`, the machine\'s own IP addresses pass too. Flag, environment or config file only.',
  allow_remote_admin: 'Let other machines use the admin API, the dashboard\'s data and `/metrics` (with the admin token). Off: they answer loopback clients only (403 `admin_loopback_only`). Flag, environment or config file only.',
  otlp_endpoint: 'OTLP/HTTP collector base URL (e.g. `http://127.0.0.1:4318`); set, every ended interception is exported as a span plus metrics (docs/telemetry.md). Unset: no export.',
  otlp_headers: 'Headers sent to the collector, `key=value,key=value` (as OTEL_EXPORTER_OTLP_HEADERS), e.g. an API key.',
  otlp_protocol: 'OTLP encoding: `http/protobuf` or `http/json`.',
  otlp_content: 'Also export prompts, tool inputs and thoughts (redacted) on the spans; off, only metadata and tokens leave the machine.',
};
