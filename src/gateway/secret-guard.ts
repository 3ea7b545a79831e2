/**
 * `block_secrets` (SPEC §12): a call whose prompt holds a secret is refused before the upstream,
 * 400 in the provider's shape naming the rule (never the secret). It wraps the adapters as the
 * circuit breaker does (after the body is read, before anything is sent; outside the breaker, so a
 * refusal never counts as an upstream failure), so the refusal is an error of `send`: the pipeline
 * answers it in the route's error shape and records the call `failed` with that status and
 * message, and the prompt in the record is redacted like any other (src/record/redaction.ts).
 *
 * "The prompt" is the record's prompt (SPEC §6 `user_prompts`: the last user message; a message of
 * tool results only is none), read whole from the parsed body: the pipeline's copy is already cut
 * to `max_stored_field`, and a secret past the cut must still be found.
 */
import { wrapperPerAdapter, type ProviderAdapter, type ProviderCall, type ProviderReply } from './providers/adapter.js';
import { SecretInPromptError } from './errors.js';

export interface SecretGuardOptions {
  /** `block_secrets`, read at every call. */
  enabled: () => boolean;
  /** The rule of the first secret in a text, or undefined (the redactor's check). */
  firstSecret: (text: string) => string | undefined;
  /** Counts refusals (metrics). */
  onRejected?: (reason: string) => void;
}

export interface SecretGuard {
  /** The adapter with the check in front of its `send` (the same wrapper for the same adapter). */
  guard(adapter: ProviderAdapter): ProviderAdapter;
}

export function createSecretGuard(opts: SecretGuardOptions): SecretGuard {
  const wrap = (adapter: ProviderAdapter): ProviderAdapter => ({
    kind: adapter.kind,
    name: adapter.name,
    codec: adapter.codec,
    errorShape: adapter.errorShape,
    requestFacts: adapter.requestFacts?.bind(adapter),
    send(call: ProviderCall): Promise<ProviderReply> {
      if (opts.enabled()) {
        // `call.json` is readable until send's first await (ProviderCall.json).
        const prompt = adapter.requestFacts ? adapter.requestFacts(call.path, call.json).prompt : adapter.codec.requestFacts(call.json).prompt;
        const rule = prompt ? opts.firstSecret(prompt) : undefined;
        if (rule) {
          try {
            opts.onRejected?.('secret_in_prompt');
          } catch {
            // metrics never break a request
          }
          return Promise.reject(new SecretInPromptError(rule));
        }
      }
      return adapter.send(call);
    },
  });
  return {
    guard: wrapperPerAdapter(wrap),
  };
}
