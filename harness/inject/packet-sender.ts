// A send-only AF_PACKET socket bound to one interface: the case runner's link path. A frame sent
// through the capture's own libpcap handle never reaches that handle (the kernel skips the sending
// socket when it copies outgoing frames to its taps), so it would have no capture timestamp: sent from
// this second socket, the capture sees it leave and stamps it with the kernel's clock like every reply.
// Protocol 0 in bind: the socket receives nothing.
import * as libc from '../sys/libc';
import { encodeSockaddrLl } from '../sys/sockaddr';
import type { LinkSender } from './injector';

export class PacketSender implements LinkSender {
  private fd: number;

  constructor(readonly ifname: string) {
    const ifindex = libc.ifNameToIndex(ifname);
    if (!ifindex) throw new Error(`link sender: no interface ${ifname} in this namespace`);
    const s = libc.socket(libc.AF_PACKET, libc.SOCK_RAW | libc.SOCK_CLOEXEC, 0);
    if (s.ret < 0) throw new Error(`link sender: socket(AF_PACKET): ${libc.strerror(s.errno)} — run as root (synh doctor)`);
    this.fd = s.ret;
    const b = libc.bind(this.fd, encodeSockaddrLl(libc.AF_PACKET, 0, ifindex));
    if (b.ret < 0) {
      libc.close(this.fd);
      throw new Error(`link sender on ${ifname}: bind: ${libc.strerror(b.errno)}`);
    }
  }

  sendFrame(frame: Uint8Array): void {
    if (this.fd < 0) throw new Error(`link sender on ${this.ifname} is closed`);
    const buf = Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
    const r = libc.send(this.fd, buf, 0);
    if (r.ret !== buf.length)
      throw new Error(`link sender on ${this.ifname}: send of ${buf.length} bytes: ${r.ret < 0 ? libc.strerror(r.errno) : `${r.ret} sent`}`);
  }

  close(): void {
    if (this.fd >= 0) libc.close(this.fd);
    this.fd = -1;
  }
}
