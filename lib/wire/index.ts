// The packet codec: shared types, byte helpers, addresses, sequence arithmetic, flags, options,
// headers (View + Repr), whole-packet decode, the builder and summaries.
export * from './types';
export * from './bytes';
export * from './seq';
export * from './flags';
export * from './addr';
export * from './addr-cache';
export * from './tcp-options';
export * from './ethernet';
export * from './ipv4';
export * from './ipv6';
export * from './tcp';
export * from './decode';
export * from './build';
export * from './summary';
export * from './icmp-names';
export * from './icmp';
export * from './build-icmp';
