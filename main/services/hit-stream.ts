/**
 * Search hits on their way to the workstation while the search runs: collected and sent in batches (at
 * most one per BATCH_MS, or at BATCH_MAX hits), so 100,000 hits become a few hundred messages and the UI
 * shows the first ones at once instead of after the whole scan.
 */
import type { SearchHitInfo } from '#shared/api/contract';
import { searchHitInfo, type SearchHit } from '../core/memory/search';

export const BATCH_MS = 100;
export const BATCH_MAX = 5000;

export class HitStream {
  private batch: SearchHitInfo[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;

  /** `limit`: hits past it are not sent (the search asks for one more than the limit to tell it was reached). */
  constructor(private readonly send: (hits: SearchHitInfo[]) => void, private readonly limit: number) {}

  push(hit: SearchHit): void {
    if (this.sent + this.batch.length >= this.limit) return;
    this.batch.push(searchHitInfo(hit));
    if (this.batch.length >= BATCH_MAX) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), BATCH_MS);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.batch.length) return;
    const hits = this.batch;
    this.batch = [];
    this.sent += hits.length;
    this.send(hits);
  }

  /** The search ended: send what is left now. */
  end(): void {
    this.flush();
  }
}
