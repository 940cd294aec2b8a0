// Minimal typings for the two native addons we use (neither ships its own).

declare module 'cap' {
  import { EventEmitter } from 'events';
  export class Cap extends EventEmitter {
    /** Opens a live capture; returns the link type name, e.g. 'ETHERNET'. */
    open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
    close(): void;
    send(buffer: Buffer, nBytes?: number): void;
    setMinBytes?(n: number): void;
    static findDevice(ip?: string): string | undefined;
    static deviceList(): Array<{ name: string; description?: string; addresses: Array<{ addr: string }>; flags?: string }>;
  }
  export const decoders: unknown;
}

declare module 'raw-socket' {
  import { EventEmitter } from 'events';
  export interface SocketWrap {
    /** Synchronous sendto(2); calls cb(bytes) before returning. Throws on error. */
    send(buffer: Buffer, offset: number, length: number, address: string, cb: (bytes: number) => void): void;
    close(): void;
  }
  export class Socket extends EventEmitter {
    wrap: SocketWrap;
    close(): this;
    setOption(level: number, option: number, value: number | Buffer, length?: number): void;
    getOption(level: number, option: number, value: Buffer, length: number): number;
    send(buffer: Buffer, offset: number, length: number, address: string, beforeCallback: (() => void) | null, afterCallback: (error: Error | null, bytes: number) => void): this;
    pauseRecv(): this;
  }
  export function createSocket(options: { protocol?: number; addressFamily?: number; bufferSize?: number }): Socket;
  export const AddressFamily: { IPv4: number; IPv6: number };
  export const Protocol: { None: number; ICMP: number; TCP: number; UDP: number; ICMPv6: number };
  export const SocketLevel: Record<string, number>;
  export const SocketOption: Record<string, number>;
}
