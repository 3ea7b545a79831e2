/**
 * What each Claude model on Bedrock takes, in one table: the thinking shape, the beta flags that
 * only some models accept, and the body fields those flags unlock. Bedrock answers 400 ("Extra
 * inputs are not permitted", "invalid beta flag") to a field or flag the model does not take, so
 * the Anthropic route (request.ts) cleans a Claude Code body with the row of the mapped model.
 *
 * The rows follow Coder AI Bridge's code (coder/aibridge `intercept/messages/base.go`
 * `filterBedrockBetaFlags`: the effort beta only on `anthropic.claude-opus-4-5`, the
 * context-management beta only on Sonnet 4.5 / Haiku 4.5; `reqpayload.go` `bedrockBetaGatedFields`:
 * `output_config` goes with the effort beta, `context_management` with its beta;
 * `bedrockModelSupportsAdaptiveThinking`: 4.6 only), and its Bedrock integration test "unsupported
 * fields removed", which sends `anthropic-beta: interleaved-thinking,effort,context-management,
 * prompt-caching-scope` with `output_config`, `context_management` and adaptive thinking:
 * - Opus 4.5 keeps the effort beta and `output_config`; `context_management` and its beta go.
 * - Sonnet 4.5 / Haiku 4.5 keep the context-management beta and `context_management`;
 *   `output_config` and the effort beta go.
 * - Opus 4.6 / Sonnet 4.6 take adaptive thinking as sent; both betas, `output_config` and
 *   `context_management` go.
 * - Models that take only adaptive thinking (Sonnet 5 in Coder's test; Opus 4.7 on, AWS
 *   adaptive-thinking page) turn `enabled` into `adaptive` and keep `output_config` (effort).
 * - Anything else (older or unknown ids, inference-profile ARNs): adaptive becomes enabled with a
 *   budget, both betas and both fields go.
 *
 * To support a new model, add a row above the last one; test/unit/gateway/providers/bedrock/
 * request.test.ts checks every row against a Claude Code body.
 */

/** Beta flags Bedrock takes only on some models: each model's row lists the ones it keeps. */
export const CONTEXT_MANAGEMENT_BETA = 'context-management-2025-06-27';
export const EFFORT_BETA = 'effort-2025-11-24';
export const MODEL_GATED_BETAS: ReadonlySet<string> = new Set([CONTEXT_MANAGEMENT_BETA, EFFORT_BETA]);

export interface BedrockModelRule {
  /** Who the row is for, as people say it (docs, test names). */
  name: string;
  /** Tested against the Bedrock model id (`us.anthropic.claude-opus-4-5-20251101-v1:0`, …). */
  match: RegExp;
  /**
   * `budget`: `thinking: {type: "adaptive"}` becomes `enabled` with a budget from `max_tokens` and
   * the effort; `adaptive`: kept as sent; `adaptive-only`: `enabled` becomes `adaptive`.
   */
  thinking: 'budget' | 'adaptive' | 'adaptive-only';
  /** The model-gated beta flags ({@link MODEL_GATED_BETAS}) this model keeps. */
  betas: readonly string[];
  /**
   * `output_config` (effort): `with-effort-beta` keeps it only when the effort beta goes along
   * (so never on a row without that beta); `native` always keeps it. `context_management` always
   * follows its beta.
   */
  outputConfig: 'with-effort-beta' | 'native';
}

/** First matching row wins; the last row matches everything. */
export const BEDROCK_MODEL_RULES: readonly BedrockModelRule[] = [
  { name: 'Claude Opus 4.5', match: /claude-opus-4-5(?!\d)/, thinking: 'budget', betas: [EFFORT_BETA], outputConfig: 'with-effort-beta' },
  { name: 'Claude Sonnet 4.5', match: /claude-sonnet-4-5(?!\d)/, thinking: 'budget', betas: [CONTEXT_MANAGEMENT_BETA], outputConfig: 'with-effort-beta' },
  { name: 'Claude Haiku 4.5', match: /claude-haiku-4-5(?!\d)/, thinking: 'budget', betas: [CONTEXT_MANAGEMENT_BETA], outputConfig: 'with-effort-beta' },
  { name: 'Claude Opus 4.6 / Sonnet 4.6', match: /claude-(opus|sonnet)-4-6(?!\d)/, thinking: 'adaptive', betas: [], outputConfig: 'with-effort-beta' },
  {
    name: 'Claude Opus 4.7 and later, Claude 5 and later',
    match: /claude-opus-4-[7-9](?!\d)|claude-(opus|sonnet|haiku)-[5-9](?!\d)/,
    thinking: 'adaptive-only',
    betas: [],
    outputConfig: 'native',
  },
  { name: 'any other model', match: /(?:)/, thinking: 'budget', betas: [], outputConfig: 'with-effort-beta' },
];

/** The row for a Bedrock model id (never undefined: the last row matches everything). */
export function bedrockModelRule(model: string): BedrockModelRule {
  const rules = BEDROCK_MODEL_RULES;
  return rules.find((r) => r.match.test(model)) ?? (rules[rules.length - 1] as BedrockModelRule);
}
