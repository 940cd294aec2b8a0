// A limit in seconds from an environment variable (SYNH_SETUP_TIMEOUT, SYNH_GUEST_BOOT_TIMEOUT, …), in ms:
// a positive number, else the default.
export function envSecondsMs(name: string, dfltSeconds: number): number {
  const v = Number(process.env[name]);
  return (Number.isFinite(v) && v > 0 ? v : dfltSeconds) * 1000;
}
