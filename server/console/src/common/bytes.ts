/** A byte count as people read it: B, KB or MB (binary, one decimal). */
export function size(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round((n / 1024) * 10) / 10} KB`;
  return `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;
}
