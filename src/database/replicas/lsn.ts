/** A WAL position (`16/B374D848`) as a number of bytes; positions compare as numbers then. */
export function parseLsn(text: string | null | undefined): bigint | undefined {
  if (!text) return undefined;
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  return (BigInt(`0x${text.slice(0, slash)}`) << 32n) | BigInt(`0x${text.slice(slash + 1)}`);
}
