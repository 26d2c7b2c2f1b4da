/**
 * The `ipaddress` caveat parameter type. SpiceDB exposes `ip.in_cidr('10.0.0.0/8')`; Clove keeps the
 * address as its string form in CEL and registers `in_cidr` as a string method, so no custom object
 * type is needed. Both IPv4 and IPv6 (with `::` compression) are understood.
 */

/** Parses an IPv4 or IPv6 address to a bigint and its bit width, or undefined when malformed. */
export function parseIp(text: string): { value: bigint; bits: 32 | 128 } | undefined {
  if (text.includes(':')) return parseIpv6(text);
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return { value, bits: 32 };
}

function parseIpv6(text: string): { value: bigint; bits: 128 } | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups =
    halves.length === 2
      ? [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail]
      : head;
  if (groups.length !== 8) return undefined;
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(Number.parseInt(g, 16));
  }
  return { value, bits: 128 };
}

/** True when `address` lies inside `cidr` (`a.b.c.d/n` or `x::/n`); false for malformed input. */
export function ipInCidr(address: string, cidr: string): boolean {
  const [net, lenText] = cidr.split('/');
  const ip = parseIp(address);
  const base = net === undefined ? undefined : parseIp(net);
  if (!ip || !base || ip.bits !== base.bits) return false;
  const len = lenText === undefined ? ip.bits : Number(lenText);
  if (!Number.isInteger(len) || len < 0 || len > ip.bits) return false;
  const shift = BigInt(ip.bits - len);
  return ip.value >> shift === base.value >> shift;
}
