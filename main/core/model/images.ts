/**
 * Decoded CRIU images of one checkpoint, decoded lazily and once.
 *
 * A broken image does not take the checkpoint down: its error is recorded in `problems` (the CLI then exits
 * 3 and names it; the UI shows it in the panel it concerns) and callers get `undefined` for that image.
 */
import type { CheckpointArchive } from '../archive/archive';
import { KensaError } from '../errors';
import { decodeImage, type DecodedImage } from '../criu';
import { imageBudget } from '../criu/image-budget';

// Decoded protobuf messages are plain objects keyed by the .proto field names (criu-wire-fields.tsv);
// the model reads them through these loose shapes and checks what it relies on.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Msg = Record<string, any>;

export interface Problem {
  member: string;
  message: string;
  /** The full one-line description (`ARCHIVE!MEMBER @OFFSET: message`). */
  text: string;
}

/**
 * Problems listed one by one; past this many they are only counted, in one last line. A crafted pstree of
 * 40k orphans gives 40k distinct problems: nobody reads them all, and printing them costs more than the rest.
 */
export const MAX_LISTED_PROBLEMS = 1000;

export class ImageStore {
  private readonly cache = new Map<string, DecodedImage | null>();
  readonly problems: Problem[] = [];
  /** Texts already listed (de-duplication in constant time per problem). */
  private readonly seen = new Set<string>();
  /** The closing "N more" line once the list is full, updated in place. */
  private overflow?: Problem;
  private omitted = 0;
  /** Why an image could not be decoded, by member (kept apart from `problems`, which stop listing at a cap). */
  private readonly failures = new Map<string, KensaError>();

  constructor(readonly archive: CheckpointArchive) {}

  has(imageName: string): boolean {
    return this.archive.has(this.archive.imageMember(imageName));
  }

  /** The decoded image, or undefined when absent or unreadable (then recorded in `problems`). */
  image(imageName: string): DecodedImage | undefined {
    return this.member(this.archive.imageMember(imageName));
  }

  /** Any member decoded as a CRIU image by its full name (`stats-dump` sits beside checkpoint/). */
  member(member: string): DecodedImage | undefined {
    const hit = this.cache.get(member);
    if (hit !== undefined) return hit ?? undefined;
    // An absent image is not remembered: 150k processes without images would fill the cache with 900k misses
    // (the archive's own index answers has() as fast).
    if (!this.archive.has(member)) return undefined;
    let result: DecodedImage | null = null;
    try {
      if (this.archive.has(member)) {
        const bytes = this.archive.readFile(member, this.archive.limits.maxImageBytes);
        result = decodeImage(bytes, { source: this.archive.source, member }, imageBudget(this.archive));
        // Decoding tolerated these (a missing required field, invalid UTF-8, ...); the result is partial.
        for (const w of result.warnings) this.report(member, new KensaError('format', w.message, { source: this.archive.source, member, offset: w.offset }));
      }
    } catch (e) {
      if (!(e instanceof KensaError)) throw e;
      const err = e.within({ source: this.archive.source, member });
      this.failures.set(member, err);
      this.report(member, err);
    }
    this.cache.set(member, result);
    return result ?? undefined;
  }

  /** The error that made an image unreadable (after image() / member() returned undefined for it), if any. */
  failure(imageName: string): KensaError | undefined {
    return this.failures.get(this.archive.imageMember(imageName)) ?? this.failures.get(imageName);
  }

  entries(imageName: string): Msg[] | undefined {
    return this.image(imageName)?.entries as Msg[] | undefined;
  }

  first(imageName: string): Msg | undefined {
    return this.entries(imageName)?.[0];
  }

  report(member: string, err: KensaError): void {
    const text = err.describe();
    if (this.seen.has(text)) return;
    if (this.seen.size >= MAX_LISTED_PROBLEMS) {
      // Distinct problems past the cap are counted, not kept: memory stays bounded too.
      this.omitted++;
      const message = `${this.omitted} more problem${this.omitted === 1 ? '' : 's'} not listed (the first ${MAX_LISTED_PROBLEMS} are)`;
      if (!this.overflow) {
        this.overflow = { member: '', message, text: `${this.archive.source}: ${message}` };
        this.problems.push(this.overflow);
      } else Object.assign(this.overflow, { message, text: `${this.archive.source}: ${message}` });
      return;
    }
    this.seen.add(text);
    this.problems.push({ member, message: err.message, text });
  }

  /** Record a problem found while building the model (e.g. a pstree cycle). */
  note(member: string, message: string): void {
    this.report(member, new KensaError('format', message, { source: this.archive.source, member }));
  }
}
