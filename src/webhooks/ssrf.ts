import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/** Why a URL may not receive webhooks; the message names the rule it broke. */
export class ForbiddenTarget extends Error {}

export interface CheckedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * Whether an address is anything but public unicast: loopback, private (10/8, 172.16/12, 192.168/16),
 * link-local (169.254/16 with the cloud metadata address, fe80::/10), unique-local (fc00::/7),
 * carrier-grade NAT, multicast, reserved, unspecified, and IPv6 forms that carry an IPv4 address
 * (mapped `::ffff:127.0.0.1`, NAT64, 6to4, Teredo). Only ipaddr.js's `unicast` range passes.
 */
export function isForbiddenAddress(ip: string): boolean {
  if (!ipaddr.isValid(ip)) return true;
  let address = ipaddr.parse(ip);
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) address = (address as ipaddr.IPv6).toIPv4Address();
  return address.range() !== 'unicast';
}

/** The URL a webhook may be registered with: https (or http when private targets are allowed), no odd parts. */
export function parseWebhookUrl(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ForbiddenTarget('is not a valid URL');
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) throw new ForbiddenTarget('must use https');
  if (!url.hostname) throw new ForbiddenTarget('has no host');
  return url;
}

/**
 * Resolves the URL's host and checks every address it resolves to: all must be public, unless
 * private targets are allowed. The delivery then connects to the address returned here, not to a
 * second lookup that a rebinding DNS server could answer differently.
 */
export async function resolveTarget(url: URL, allowPrivate: boolean): Promise<CheckedAddress[]> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = ipaddr.isValid(host)
    ? [{ address: host, family: ipaddr.parse(host).kind() === 'ipv6' ? 6 : 4 }]
    : await lookup(host, { all: true, verbatim: true });
  if (addresses.length === 0) throw new ForbiddenTarget('does not resolve');
  if (!allowPrivate) {
    const bad = addresses.find((a) => isForbiddenAddress(a.address));
    if (bad) throw new ForbiddenTarget(`resolves to a loopback, private, link-local or otherwise non-public address (${bad.address})`);
  }
  return addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}
