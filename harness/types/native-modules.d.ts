// Minimal typings for the native addon we use that ships none (libpcap is reached through koffi).

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
    send(
      buffer: Buffer,
      offset: number,
      length: number,
      address: string,
      beforeCallback: (() => void) | null,
      afterCallback: (error: Error | null, bytes: number) => void,
    ): this;
    pauseRecv(): this;
  }
  export function createSocket(options: { protocol?: number; addressFamily?: number; bufferSize?: number }): Socket;
  export const AddressFamily: { IPv4: number; IPv6: number };
  export const Protocol: { None: number; ICMP: number; TCP: number; UDP: number; ICMPv6: number };
  export const SocketLevel: Record<string, number>;
  export const SocketOption: Record<string, number>;
}
