import { useEffect, useState } from 'preact/hooks';
import { copyText } from '../lib/download';

interface Props {
  text: string;
  /** Accessible name, e.g. "Copy Claude Code setup". */
  label?: string;
  class?: string;
}

export function CopyButton({ text, label = 'Copy', class: cls = '' }: Props) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const t = window.setTimeout(() => setState('idle'), 1800);
    return () => window.clearTimeout(t);
  }, [state]);
  const onClick = async () => setState((await copyText(text)) ? 'copied' : 'failed');
  return (
    <button type="button" class={`btn btn-small copy-btn ${cls} ${state}`} onClick={() => void onClick()} aria-label={label} title={label}>
      <span aria-hidden="true">{state === 'copied' ? '✓ Copied' : state === 'failed' ? 'Copy failed' : 'Copy'}</span>
      <span class="sr-only" aria-live="polite">{state === 'copied' ? 'Copied to the clipboard' : state === 'failed' ? 'Could not copy; select the text instead' : ''}</span>
    </button>
  );
}

export function CodeBlock({ code, label, lang }: { code: string; label: string; lang?: string }) {
  return (
    <div class="code-block">
      <pre tabIndex={0} aria-label={label} data-lang={lang}>
        <code>{code}</code>
      </pre>
      <CopyButton text={code} label={`Copy ${label}`} />
    </div>
  );
}
