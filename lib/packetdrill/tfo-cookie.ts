// Fast Open cookies of packetdrill scripts. A script's cookies were computed by the kernel for
// packetdrill's addresses (--local_ip / --remote_ip, default 192.168.0.1 and 192.0.2.1); the lab's
// addresses differ, so a cookie the DUT would accept is the one it computes for the lab's pair under
// the namespace key (the model's SipHash, tfoCookieUnder). Pure.
import { fromHex } from '../wire/bytes';
import { netnsKeys, tfoCookieUnder } from '../model/kernel/fastopen';

/** packetdrill's own addresses when the script does not set them (IPv4). */
export const PD_LOCAL_IP = '192.168.0.1';
export const PD_REMOTE_IP = '192.0.2.1';

/**
 * The cookie the kernel gives `peer` on `dut` under the namespace key (`net.ipv4.tcp_fastopen_key`
 * in `sysctls`, as the kernel writes it); undefined when no key was set.
 */
export function kernelCookie(sysctls: Readonly<Record<string, string>>, peer: string, dut: string): Uint8Array | undefined {
  const keys = netnsKeys(sysctls['net.ipv4.tcp_fastopen_key']);
  return keys ? fromHex(tfoCookieUnder(keys.primary, peer, dut)) : undefined;
}

/** The cookie (hex) the script's kernel computed for packetdrill's pair under the key text; undefined without a key. */
export function scriptCookie(keyText: string | undefined, remote: string, local: string): string | undefined {
  const keys = netnsKeys(keyText);
  return keys ? tfoCookieUnder(keys.primary, remote, local) : undefined;
}
