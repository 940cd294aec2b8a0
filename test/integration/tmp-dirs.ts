// Temporary directories a test suite makes, removed when it ends (nothing left in /tmp after a run).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export class TmpDirs {
  private readonly made: string[] = [];

  /** A fresh directory `synh-<name>-XXXXXX` under the system's temp folder. */
  make(name: string): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `synh-${name}-`));
    this.made.push(d);
    return d;
  }

  removeAll(): void {
    for (const d of this.made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  }
}
