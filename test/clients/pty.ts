/**
 * An interactive terminal program for the real-client run (test/clients/run.ts): the program runs
 * in a pseudo-terminal made by util-linux `script` (no native module to build), and its output is
 * fed into a headless xterm.js terminal, so the run reads the *screen* a person would see — not
 * the raw escape stream, where a redrawn line may arrive in pieces. The terminal's own answers to
 * the program's queries (cursor position, device attributes, colours) go back into the pty, as a
 * real terminal's would.
 *
 * `saw(re)` tells whether any screen shown so far matched: every state of the screen after each
 * chunk of output is checked, and so is the whole output stream with the escapes removed (a text
 * drawn and erased within one chunk is caught there).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import xterm from '@xterm/headless';

export interface PtyProgram {
  /** The visible screen now, one string per row, trailing blanks trimmed. */
  screen(): string;
  /** Whether any screen so far (or the output stream) matched. */
  saw(re: RegExp): boolean;
  /** Waits until the screen matches; returns false after `timeoutMs` or when the program ended. */
  waitFor(re: RegExp, timeoutMs: number): Promise<boolean>;
  /** Sends keys (text, '\r' for Enter, '\x03' for Ctrl-C) as typed at the terminal. */
  type(keys: string): void;
  /** Resolves with the exit code once the program has ended (null when killed). */
  exited: Promise<number | null>;
  /** Whether the program has ended. */
  ended(): boolean;
  /** Kills the program (and `script`) if it still runs. */
  kill(): void;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Starts `cmd args…` in a `cols`×`rows` pseudo-terminal with exactly `env` as its environment. */
export function startPty(cmd: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd: string; cols?: number; rows?: number }): PtyProgram {
  const cols = opts.cols ?? 120;
  const rows = opts.rows ?? 40;
  // `script` gives the pty the size of its own terminal, and it has none here: set it with stty
  // before the program starts. -e: script exits with the program's code; -f: flush every write.
  const line = `stty cols ${cols} rows ${rows}; exec ${[cmd, ...args].map(shellQuote).join(' ')}`;
  const child: ChildProcess = spawn('script', ['-qefc', line, '/dev/null'], { env: opts.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true });
  term.onData((d) => child.stdin?.write(d));
  let stream = '';
  const screens: string[] = [];
  const screen = () => {
    const buf = term.buffer.active;
    const out: string[] = [];
    for (let i = buf.viewportY; i < buf.viewportY + rows; i++) out.push(buf.getLine(i)?.translateToString(true) ?? '');
    return out.join('\n');
  };
  let last = '';
  child.stdout?.on('data', (d: Buffer) => {
    const text = d.toString('utf8');
    stream += text;
    term.write(text, () => {
      const s = screen();
      if (s !== last) screens.push((last = s));
    });
  });
  child.stderr?.on('data', (d: Buffer) => (stream += d.toString('utf8')));
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => {
      done = true;
      resolve(code);
    });
    child.on('error', () => {
      done = true;
      resolve(null);
    });
  });
  return {
    screen,
    saw: (re) => screens.some((s) => re.test(s)) || re.test(stripVTControlCharacters(stream)),
    async waitFor(re, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (re.test(screen())) return true;
        if (done) return false;
        await new Promise((r) => setTimeout(r, 100));
      }
      return re.test(screen());
    },
    type: (keys) => child.stdin?.write(keys),
    exited,
    ended: () => done,
    kill() {
      if (!done) child.kill('SIGKILL');
    },
  };
}
