/** Text form of an IPv4 (dotted quad) or IPv6 (RFC 5952 compressed) address held in a byte buffer. */
export function formatIp(b: Uint8Array, off: number, len: number): string {
  if (len === 4) return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[off + i]! << 8) | b[off + i + 1]!);
  // The longest run of two or more zero words becomes "::" (the first, on a tie).
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  // IPv4-mapped addresses keep the dotted tail (::ffff:a.b.c.d).
  if (bestAt === 0 && bestLen === 5 && words[5] === 0xffff) {
    return `::ffff:${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

/** "addr.port" as tcpdump writes it (IPv6 too). */
export function formatEndpoint(addr: string, port: number): string {
  return `${addr}.${port}`;
}
