/**
 * What the fake CDN holds: upload params issued by `getuploadurl` (§7.2) and the encrypted objects
 * uploaded to it or put there for the phone's own media (§7.3, §7.5), bounded in memory.
 */

export interface UploadTicket {
  param: string;
  filekey: string;
  key: Buffer;
  rawsize: number;
  rawMd5: string;
  filesize: number;
  mediaType: number;
  bot: string;
  expiresAt: number;
  used: boolean;
  /** The download param the upload produced (a reuse accepted by switch gets the same one). */
  downloadParam?: string;
}

export interface CdnObject {
  param: string;
  cipher: Buffer;
  /** The key the bytes were encrypted with; undefined for plain images (`plainImages`). */
  key?: Buffer;
  rawsize: number;
  mime: string;
  fileName?: string;
}

export class CdnStore {
  readonly tickets = new Map<string, UploadTicket>();
  private readonly objects = new Map<string, CdnObject>();
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  put(o: CdnObject): void {
    this.objects.set(o.param, o);
    this.total += o.cipher.length;
    while (this.total > this.maxBytes && this.objects.size > 1) {
      const first = this.objects.keys().next().value as string;
      if (first === o.param) break;
      this.total -= (this.objects.get(first) as CdnObject).cipher.length;
      this.objects.delete(first);
    }
  }

  get(param: string): CdnObject | undefined {
    return this.objects.get(param);
  }

  get size(): number {
    return this.objects.size;
  }

  get bytes(): number {
    return this.total;
  }

  /** Drop expired tickets now and then so a long run does not grow without bound. */
  prune(now: number): void {
    if (this.tickets.size < 1000) return;
    for (const [k, t] of this.tickets) if (t.expiresAt < now) this.tickets.delete(k);
  }
}
