// struct nlmsghdr and netlink family constants (uapi linux/netlink.h), shared by the sock_diag codec
// (sockdiag.ts, pure) and the rtnetlink client (rtnetlink.ts). Constants only: no FFI.
export const AF_NETLINK = 16;
export const NLMSG_HDRLEN = 16;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLM_F_REQUEST = 0x1;
