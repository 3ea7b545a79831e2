/**
 * Secret detection for recorded text (SPEC §12): which substrings of a text are secrets, and
 * under which rule name.
 *
 * The rule set is secretlint's recommended preset (`@secretlint/secretlint-rule-preset-recommend`,
 * pinned 11.7.1: the last line whose engines allow Node 20; MIT), its rules run as they are. We
 * run them synchronously here instead of through `@secretlint/core`'s `lintSource`, which is
 * async: the record fan-out is synchronous (the store gets a record in the turn that sent the
 * client its last bytes), and these rules' `file` handlers are plain synchronous regex scans. The
 * rules' contract (`create(context, options)` → `file(source)`, `context.report({message, range})`)
 * is secretlint's public rule API.
 *
 * Three classes SPEC §12 names have no rule in that preset: Stripe keys, Google API keys and JWTs.
 * Their patterns below are gitleaks' (`stripe-access-token`, `gcp-api-key`, `jwt` in gitleaks'
 * `config/gitleaks.toml`, MIT), translated from RE2 to JavaScript.
 *
 * What a finding holds: the secret's own text (`value`), not its position. The redactor replaces
 * every occurrence of that value in every text field of a record, so a secret found where it has
 * context (`AWS_SECRET_ACCESS_KEY=…`) is also removed where it stands alone. (secretlint 11.7.1's
 * AWS secret-key rule reports a range that starts at the variable name and is as long as the
 * secret: the value its message carries is the exact secret, so values are taken from there.)
 */
import { rules as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import type {
  SecretLintRuleContext,
  SecretLintRuleCreator,
  SecretLintRuleReportDescriptor,
  SecretLintSourceCode,
} from '@secretlint/types';
import { MIN_SECRET_LENGTH } from './redaction.js';

/** One secret found in a text: the rule's name (as in `[REDACTED:RULE]`) and the secret text. */
export interface SecretFinding {
  rule: string;
  value: string;
}

/** Rule names for secretlint's message ids (anything else: the id in kebab case). */
const RULE_NAMES: Readonly<Record<string, string>> = {
  AWSAccessKeyID: 'aws-access-key-id',
  AWSSecretAccessKey: 'aws-secret-access-key',
  GITHUB_TOKEN: 'github-token',
  SLACK_TOKEN: 'slack-token',
  IncomingWebhook: 'slack-webhook',
  OPENAI_TOKEN: 'openai-api-key',
  ANTHROPIC_API_KEY: 'anthropic-api-key',
  PrivateKey: 'private-key',
  LINEAR_API_TOKEN: 'linear-api-key',
  SENDGRID_KEY: 'sendgrid-api-key',
  BasicAuth: 'basic-auth',
  MongoDBConnection: 'mongodb-connection-string',
  MySQLConnection: 'mysql-connection-string',
  PostgreSQLConnection: 'postgresql-connection-string',
};

/** Message ids that are not secrets (an AWS account id identifies, it does not authenticate). */
const NOT_SECRETS = new Set(['AWSAccountID']);

/**
 * Preset rules left out: `filter-comments` honours `secretlint-disable` comments, which would let
 * a prompt switch redaction off for itself. (`npm` and `gcp` look at file names and never fire on
 * a prompt; they stay in, harmless.)
 */
const SKIPPED_RULES = new Set(['@secretlint/secretlint-rule-filter-comments']);

/** Options per rule: the AWS rule scans for access key ids only when asked. */
const RULE_OPTIONS: Readonly<Record<string, object>> = {
  '@secretlint/secretlint-rule-aws': { enableIDScanRule: true },
};

/** Classes SPEC §12 names that the preset has no rule for: gitleaks' patterns (see the header). */
const EXTRA_RULES: readonly { rule: string; pattern: RegExp }[] = [
  // gitleaks stripe-access-token: \b((?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99})
  { rule: 'stripe-key', pattern: /\b(?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99}(?![a-zA-Z0-9])/g },
  // gitleaks gcp-api-key: \b(AIza[\w-]{35})
  { rule: 'google-api-key', pattern: /\bAIza[\w-]{35}(?![\w-])/g },
  // gitleaks jwt: \b(ey[a-zA-Z0-9]{17,}\.ey[a-zA-Z0-9\/\\_-]{17,}\.(?:[a-zA-Z0-9\/\\_-]{10,}={0,2})?)
  // (the backslash of gitleaks' classes is for JSON-escaped text; we scan decoded strings)
  { rule: 'jwt', pattern: /\bey[a-zA-Z0-9]{17,}\.ey[a-zA-Z0-9/_-]{17,}\.(?:[a-zA-Z0-9/_-]{10,}={0,2})?/g },
];

/**
 * What each preset rule cannot report a secret without (issue #20: secretlint runs every rule's
 * regexes, some built anew per text, over every text — most of redaction's CPU for ordinary
 * prompts). A rule whose check says no is not run on that text; it would have found nothing. Each
 * check is a necessary part of every pattern of that rule in the pinned preset (11.7.1), taken
 * from its source, case-insensitive where the pattern is; a rule not listed always runs.
 * test/unit/record/secret-rules.test.ts compares scans with and without these checks.
 *
 * Each literal is first searched by a part of it that starts at a character rarely seen in
 * prompts ({@link holds}): measured here, a substring search is fast when its first character is
 * rare in the text (`BlbkFJ` of `T3BlbkFJ`: 0.6 against 11 µs on a 30 KB coding prompt; `_api_`
 * of `lin_api_`: 1.2 against 17). A text that holds the part pays the full check too,
 * so no rule runs more often than before.
 */
const RULE_NEEDS: Readonly<Record<string, (text: string) => boolean>> = {
  // Access key ids (A3T…, AKIA…) and the secret-key pattern's variable name. Its account-id
  // pattern is not a secret (NOT_SECRETS): what it reports is dropped anyway.
  '@secretlint/secretlint-rule-aws': (t) =>
    (AWS_ID_TAILS.some((tail) => t.includes(tail)) && AWS_ID.test(t)) || ((t.includes('CCESS') || t.includes('ccess')) && AWS_SECRET_NAME.test(t)),
  // Only looks at `.p12` / `.json` files by name; a scanned text has no file name.
  '@secretlint/secretlint-rule-gcp': () => false,
  // `https?://…:x-oauth-basic@github.com/` and `npm_…` (`_authToken=` is for .npmrc files only).
  '@secretlint/secretlint-rule-npm': (t) => holds(t, 'pm_', 'npm_') || holds(t, '@github.com/', 'x-oauth-basic@github.com/'),
  // `(xoxb|xoxp|xapp|xoxa|xoxo|xoxr)-…` tokens (case-sensitive) and
  // `https://hooks.slack.com/services/…` (case-insensitive, but `://` is `://` in any case).
  '@secretlint/secretlint-rule-slack': (t) =>
    (t.includes('xox') && SLACK_TOKEN_START.test(t)) || t.includes('xapp-') || besideEachScheme(t, 'after', SLACK_WEBHOOK_HOST),
  '@secretlint/secretlint-rule-basicauth': (t) => t.includes('://') && t.includes('@'),
  '@secretlint/secretlint-rule-openai': (t) => holds(t, 'BlbkFJ', 'T3BlbkFJ'),
  '@secretlint/secretlint-rule-anthropic': (t) => holds(t, '-api0', 'sk-ant-api0'),
  '@secretlint/secretlint-rule-linear': (t) => holds(t, '_api_', 'lin_api_'),
  '@secretlint/secretlint-rule-privatekey': (t) => holds(t, 'E KEY', 'PRIVATE KEY'),
  '@secretlint/secretlint-rule-sendgrid': (t) => t.includes('SG.'),
  '@secretlint/secretlint-rule-shopify': (t) => /shp(?:pa|ca|at|ss)_/.test(t),
  '@secretlint/secretlint-rule-github': (t) => /gh[pousr]_/.test(t) || holds(t, '_pat_', 'github_pat_'),
  '@secretlint/secretlint-rule-1password': (t) => holds(t, '_ey', 'ops_ey'),
  // mongodb(+srv)://, (jdbc:)mysql(x)://, postgres(ql):// — case-insensitive: the scheme before a `://`.
  '@secretlint/secretlint-rule-database-connection-string': (t) => besideEachScheme(t, 'before', DB_SCHEME),
};

/**
 * Whether `t` holds `literal`, searched first by `part` of it (from a rarer character): most
 * texts lack the part, and the one search that says so is the only one they pay.
 */
function holds(t: string, part: string, literal: string): boolean {
  return t.includes(part) && t.includes(literal);
}

/** The AWS access key id prefixes, and each without its A (searched first, see {@link holds}). */
const AWS_ID = /A3T|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA/;
const AWS_ID_TAILS = ['3T', 'KIA', 'GPA', 'IDA', 'ROA', 'IPA', 'NPA', 'NVA', 'SIA'];
/** The AWS secret-key pattern's variable name (searched first by its `CCESS` / `ccess`). */
const AWS_SECRET_NAME = /(?:SECRET|secret|Secret)_?(?:ACCESS|access|Access)_?(?:KEY|key|Key)/;
/** A Slack token's start but `xapp-` (searched first by its `xox`). */
const SLACK_TOKEN_START = /xox[bpaor]-/;
/** What follows `://` in a Slack webhook URL (the rule's pattern is case-insensitive). */
const SLACK_WEBHOOK_HOST = /^hooks\.slack\.com\/services\//i;
/** The database schemes, as they end right before `://` (the rule's patterns are case-insensitive). */
const DB_SCHEME = /(?:mongodb(?:\+srv)?|mysqlx?|postgres(?:ql)?)$/i;
/** Characters of the longest text {@link SLACK_WEBHOOK_HOST} / {@link DB_SCHEME} look at. */
const AROUND_SCHEME = 25;

/** Whether the text right before or after some `://` of `t` matches `re`. */
function besideEachScheme(t: string, side: 'before' | 'after', re: RegExp): boolean {
  for (let at = t.indexOf('://'); at !== -1; at = t.indexOf('://', at + 3)) {
    const beside = side === 'before' ? t.slice(Math.max(0, at - AROUND_SCHEME), at) : t.slice(at + 3, at + 3 + AROUND_SCHEME);
    if (re.test(beside)) return true;
  }
  return false;
}

/** What an extra rule's pattern cannot match without. */
const EXTRA_NEEDS: Readonly<Record<string, (text: string) => boolean>> = {
  'stripe-key': (t) => /[sr]k_(?:test|live|prod)_/.test(t),
  'google-api-key': (t) => t.includes('AIza'),
  jwt: (t) => t.includes('.ey'),
};

/** Options of {@link createSecretScanner}. */
export interface SecretScannerOptions {
  /**
   * Skip a rule on a text that lacks what all its patterns need ({@link RULE_NEEDS}); default
   * true. Off only to check that the checks never change a result.
   */
  prefilter?: boolean;
}

/** Scans texts for secrets with the rule set above. */
export interface SecretScanner {
  /** Every secret in `text` (possibly the same value twice). Throws only on a rule fault. */
  scan(text: string): SecretFinding[];
  /** The names of every rule this scanner applies (docs and tests). */
  readonly ruleNames: readonly string[];
}


/** Builds a scanner over secretlint's recommended preset plus {@link EXTRA_RULES}. */
export function createSecretScanner(opts: SecretScannerOptions = {}): SecretScanner {
  const prefilter = opts.prefilter !== false;
  const always = (): boolean => true;
  let found: SecretFinding[] = [];
  let content = '';
  const handlers: ((source: SecretLintSourceCode) => void | Promise<void>)[] = [];
  const needs: ((text: string) => boolean)[] = [];
  const names = new Set<string>();
  for (const creator of recommended as SecretLintRuleCreator<object>[]) {
    if (SKIPPED_RULES.has(creator.meta.id)) continue;
    for (const id of Object.keys(creator.messages)) if (!NOT_SECRETS.has(id)) names.add(ruleName(id));
    const context: SecretLintRuleContext = {
      sharedOptions: {},
      createTranslator: () => (messageId, props) => ({ message: String(messageId), messageId: String(messageId), data: props }),
      report: (d) => {
        const f = findingOf(d, content);
        if (f) found.push(f);
      },
      ignore: () => undefined,
    };
    const h = creator.create(context, RULE_OPTIONS[creator.meta.id] ?? {});
    if (h.file) {
      handlers.push(h.file.bind(h));
      needs.push((prefilter && RULE_NEEDS[creator.meta.id]) || always);
    }
  }
  const extras = EXTRA_RULES.map((r) => ({ ...r, needs: (prefilter && EXTRA_NEEDS[r.rule]) || always }));
  for (const r of EXTRA_RULES) names.add(r.rule);

  return {
    ruleNames: [...names].sort(),
    scan(text) {
      found = [];
      content = text;
      try {
        let source: SecretLintSourceCode | undefined;
        for (let i = 0; i < handlers.length; i++) {
          if (!needs[i]!(text)) continue;
          const pending = handlers[i]!((source ??= sourceOf(text)));
          // Only the GCP rule's .p12 branch is async, and it needs a file path we never give.
          if (pending) pending.catch(() => undefined);
        }
        for (const { rule, pattern, needs: need } of extras) {
          if (!need(text)) continue;
          for (const m of text.matchAll(pattern)) found.push({ rule, value: m[0] });
        }
        return found;
      } finally {
        found = [];
        content = '';
      }
    },
  };
}

function ruleName(messageId: string): string {
  return RULE_NAMES[messageId] ?? messageId.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/_/g, '-').toLowerCase();
}

/**
 * The secret of one report: a string the rule put in its message data that occurs inside the
 * reported range (the AWS secret-key rule's range is off, its data is exact), else the range's text.
 */
function findingOf(d: SecretLintRuleReportDescriptor, content: string): SecretFinding | undefined {
  const id = d.message.messageId;
  if (NOT_SECRETS.has(id)) return undefined;
  const [start, end] = d.range;
  const data = (d.message.data ?? {}) as Record<string, unknown>;
  for (const v of Object.values(data)) {
    if (typeof v !== 'string' || v.length < MIN_SECRET_LENGTH) continue;
    const at = content.indexOf(v, start);
    if (at !== -1 && at < end) return { rule: ruleName(id), value: v };
  }
  const value = content.slice(start, end);
  return value.length >= MIN_SECRET_LENGTH ? { rule: ruleName(id), value } : undefined;
}

function sourceOf(content: string): SecretLintSourceCode {
  const noLocation = () => {
    throw new Error('locations are not kept');
  };
  return {
    hasBOM: false,
    content,
    filePath: undefined,
    physicalFilePath: undefined,
    contentType: 'text',
    ext: '',
    getFilePath: () => undefined,
    getPhysicalFilePath: () => undefined,
    locationToRange: noLocation,
    rangeToLocation: noLocation,
    positionToIndex: noLocation,
    indexToPosition: noLocation,
  };
}
