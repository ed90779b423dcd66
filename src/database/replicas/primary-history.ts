/**
 * Recent WAL positions of the primary with the time each was seen. A replica's lag is how long ago
 * the primary first wrote past what the replica has replayed: unlike the replay timestamp of the
 * last transaction, it reads 0 on an idle primary that the replica has caught up with, and it
 * counts any WAL, not only commits.
 */
export class PrimaryHistory {
  private readonly samples: { at: number; lsn: bigint }[] = [];

  constructor(private readonly keepMs: number) {}

  add(lsn: bigint, at = Date.now()): void {
    const last = this.samples[this.samples.length - 1];
    // Only the first time a position is seen matters: that is when the WAL up to it existed.
    if (!last || lsn > last.lsn) this.samples.push({ at, lsn });
    while (this.samples.length > 1 && this.samples[1].at < at - this.keepMs) this.samples.shift();
  }

  /** Milliseconds `replayed` is behind the primary; null before the primary was ever read. */
  lagOf(replayed: bigint, now = Date.now()): number | null {
    if (this.samples.length === 0) return null;
    const ahead = this.samples.find((s) => s.lsn > replayed);
    return ahead ? Math.max(0, now - ahead.at) : 0;
  }
}
