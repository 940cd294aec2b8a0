// A newc ("070701") cpio writer, the initramfs format the kernel unpacks at boot. Streams entries to
// a file descriptor; several archives concatenated are one initramfs (the kernel unpacks each in turn).
import * as fs from 'node:fs';

export type CpioEntry =
  | { kind: 'dir'; name: string; mode?: number }
  | { kind: 'file'; name: string; mode?: number; data: Uint8Array }
  | { kind: 'symlink'; name: string; target: string };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

const ZEROS = Buffer.alloc(4);

export class CpioWriter {
  private ino = 1;
  private offset = 0;
  private readonly names = new Set<string>();

  constructor(private readonly fd: number) {}

  has(name: string): boolean {
    return this.names.has(stripSlash(name));
  }

  add(e: CpioEntry): void {
    const name = stripSlash(e.name);
    if (this.names.has(name)) return;
    this.names.add(name);
    let mode: number;
    let data: Uint8Array;
    if (e.kind === 'dir') {
      mode = S_IFDIR | (e.mode ?? 0o755);
      data = new Uint8Array(0);
    } else if (e.kind === 'file') {
      mode = S_IFREG | (e.mode ?? 0o644);
      data = e.data;
    } else {
      mode = S_IFLNK | 0o777;
      data = Buffer.from(e.target, 'utf8');
    }
    this.record(name, mode, data, e.kind === 'dir' ? 2 : 1);
  }

  /** Ends the archive (the kernel stops reading this archive at the trailer). */
  finish(): void {
    this.record('TRAILER!!!', 0, new Uint8Array(0), 1);
  }

  private record(name: string, mode: number, data: Uint8Array, nlink: number): void {
    const nameBytes = Buffer.from(`${name}\0`, 'utf8');
    const header =
      '070701' +
      hex8(this.ino++) +
      hex8(mode) +
      hex8(0) +
      hex8(0) +
      hex8(nlink) +
      hex8(0) +
      hex8(data.length) +
      hex8(0) +
      hex8(0) +
      hex8(0) +
      hex8(0) +
      hex8(nameBytes.length) +
      hex8(0);
    this.write(Buffer.from(header, 'ascii'));
    this.write(nameBytes);
    this.pad();
    if (data.length) this.write(data);
    this.pad();
  }

  private write(b: Uint8Array): void {
    let done = 0;
    while (done < b.length) done += fs.writeSync(this.fd, b, done, b.length - done);
    this.offset += b.length;
  }

  private pad(): void {
    const n = (4 - (this.offset % 4)) % 4;
    if (n) this.write(ZEROS.subarray(0, n));
  }
}

function stripSlash(name: string): string {
  return name.replace(/^\/+/, '');
}
