// A headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe: requests
// on fd 3, answers on fd 4, each a JSON text ended by a NUL byte), with Node alone — no puppeteer.
// Opens one page, collects what the page reports as errors (console.error, uncaught exceptions, log
// entries of level error), evaluates expressions in it and takes screenshots.
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Readable, Writable } from 'stream';

/** Debian's chromium package (scripts/setup installs it). */
export function chromiumPath(): string | undefined {
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (fs.existsSync(p)) return p;
  const r = spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export class HeadlessPage {
  /** What the page reported as errors since it was opened. */
  readonly errors: string[] = [];
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private readonly waiters: Array<{ method: string; resolve: () => void }> = [];
  private buf = '';
  private session = '';

  private constructor(
    private readonly proc: ChildProcess,
    private readonly profile: string,
  ) {
    const out = proc.stdio[4] as Readable;
    out.setEncoding('utf8');
    out.on('data', (d: string) => {
      this.buf += d;
      let nul: number;
      while ((nul = this.buf.indexOf('\0')) >= 0) {
        const msg = JSON.parse(this.buf.slice(0, nul));
        this.buf = this.buf.slice(nul + 1);
        this.onMessage(msg);
      }
    });
  }

  static async open(width = 1280, height = 900): Promise<HeadlessPage> {
    const bin = chromiumPath();
    if (!bin) throw new Error("no chromium: run scripts/setup (it installs Debian's chromium package)");
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-chromium-'));
    const proc = spawn(
      bin,
      [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--remote-debugging-pipe',
        `--user-data-dir=${profile}`,
        '--no-first-run',
        '--no-default-browser-check',
        '--disable-extensions',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--metrics-recording-only',
        '--mute-audio',
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    proc.stderr!.resume();
    const page = new HeadlessPage(proc, profile);
    const { targetId } = await page.send('Target.createTarget', { url: 'about:blank' }, false);
    const { sessionId } = await page.send('Target.attachToTarget', { targetId, flatten: true }, false);
    page.session = sessionId;
    await page.send('Runtime.enable');
    await page.send('Log.enable');
    await page.send('Page.enable');
    await page.send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
    return page;
  }

  private onMessage(msg: any): void {
    if (msg.id !== undefined) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.error) p?.reject(new Error(`${msg.error.message} (${msg.error.code})`));
      else p?.resolve(msg.result);
      return;
    }
    const m: string = msg.method;
    const params = msg.params ?? {};
    if (m === 'Runtime.consoleAPICalled' && (params.type === 'error' || params.type === 'assert')) {
      this.errors.push(`console.${params.type}: ${(params.args ?? []).map((a: any) => a.value ?? a.description).join(' ')}`);
    } else if (m === 'Runtime.exceptionThrown') {
      const d = params.exceptionDetails ?? {};
      this.errors.push(`exception: ${d.exception?.description ?? d.text} at ${d.url ?? ''}:${d.lineNumber}:${d.columnNumber}`);
    } else if (m === 'Log.entryAdded' && params.entry?.level === 'error') {
      this.errors.push(`log: ${params.entry.text} ${params.entry.url ?? ''}`);
    }
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i].method === m) this.waiters.splice(i, 1)[0].resolve();
    }
  }

  send(method: string, params: Record<string, unknown> = {}, inSession = true): Promise<any> {
    const id = ++this.seq;
    const msg = { id, method, params, ...(inSession ? { sessionId: this.session } : {}) };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      (this.proc.stdio[3] as Writable).write(`${JSON.stringify(msg)}\0`);
    });
  }

  private next(method: string): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ method, resolve }));
  }

  /** Loads a URL and waits for its load event. */
  async goto(url: string): Promise<void> {
    const loaded = this.next('Page.loadEventFired');
    const r = await this.send('Page.navigate', { url });
    if (r.errorText) throw new Error(`${url}: ${r.errorText}`);
    await loaded;
  }

  /** Evaluates an expression in the page; its value (JSON-able) or the exception's text as an Error. */
  async eval<T = unknown>(expression: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(`${expression}: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  /** PNG of the viewport, or of the whole page. */
  async screenshot(file: string, wholePage = false): Promise<void> {
    const r = await this.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: wholePage });
    fs.writeFileSync(file, Buffer.from(r.data, 'base64'));
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    try {
      await Promise.race([this.send('Browser.close', {}, false), new Promise((r) => setTimeout(r, 3000))]);
    } catch {
      // closing anyway
    }
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
    fs.rmSync(this.profile, { recursive: true, force: true });
  }
}
