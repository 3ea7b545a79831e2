import { splitMarkers } from '../lib/redaction';
import { int } from '../lib/format';

/**
 * A stored text with its `[REDACTED:RULE]` markers set apart (styled, with a tooltip naming the
 * rule), so a reader tells a removed secret from text the user wrote. The text itself is unchanged
 * (copying it copies the markers).
 */
export function Redacted({ text }: { text: string }) {
  const parts = splitMarkers(text);
  if (parts.length === 1 && parts[0]!.rule === undefined) return <>{text}</>;
  return (
    <>
      {parts.map((p, i) =>
        p.rule === undefined ? p.text : (
          <mark key={i} class="redacted" data-rule={p.rule} title={`A secret (rule ${p.rule}) was removed here before the call was stored`}>{p.text}</mark>
        ),
      )}
    </>
  );
}

/** The count of secrets removed from a call, as a small pill (nothing when none). */
export function RedactionPill({ total, summary }: { total: number; summary: string }) {
  if (total <= 0) return null;
  return (
    <span class="pill pill-warn redaction-count" title={`Secrets removed before storage: ${summary}`} aria-label={`${int(total)} secret${total === 1 ? '' : 's'} redacted`}>
      {int(total)} redacted
    </span>
  );
}
