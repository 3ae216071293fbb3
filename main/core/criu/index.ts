/**
 * The CRIU image codec: images in, plain decoded messages out (and back), plus crit-compatible and raw JSON.
 * Knows CRIU's image formats and nothing about checkpoints, archives or processes.
 *
 * Messages are decoded and encoded by protobufjs (protobuf-codec.ts). The schemas and protobufjs itself load
 * lazily, once, on the first decode or encode (schema.ts); importing this module loads neither.
 */
import type { ErrorLocation } from '../errors.js';
import { decodeMessageBytes, encodeMessageBytes } from './protobuf-codec.js';
import type { CriuMessageName, CriuMessageTypes } from './messages.generated.js';
import { messagePlan } from './schema.js';
import type { ImageWarning } from './wire-types.js';
import type { DecodedImage } from './image.js';

export { decodeImage, encodeImage } from './image.js';
export { DEFAULT_IMAGE_VALUES, DEFAULT_TOTAL_VALUES, ValueBudget } from './protobuf-codec.js';
export type {
  ByteOrder,
  DecodedImage,
  EncodableImage,
  EncodableRecord,
  EntryPayload,
  EntryRecord,
  ImageLocation,
  IpcQueuedMessage,
} from './image.js';
export { critJson } from './crit-json.js';
export { rawJson } from './raw-json.js';
export {
  HEAD_MAGICS,
  IMAGE_TYPES,
  IMG_COMMON_MAGIC,
  IMG_SERVICE_MAGIC,
  RAW_IMAGE_MAGIC,
  imageTypeByMagic,
  imageTypeByName,
  imageTypeForFileName,
  rawImageTypeForFileName,
} from './magic.js';
export type { HeadMagicName, ImageLayout, ImageType, PayloadKind } from './magic.js';
export { PE_LAZY, PE_PARENT, PE_PRESENT, normalizePagemapEntry, pagemapRuns } from './pagemap.js';
export type { PagemapRun } from './pagemap.js';
export { WireType } from './wire-types.js';
export type { CriuMessage, ImageWarning, UnknownField } from './wire-types.js';
export * from './messages.generated.js';

/** Decodes one message of the named type from `bytes` (no framing). Problems not fatal go to `warnings`. */
export function decodeMessage<K extends CriuMessageName>(
  type: K,
  bytes: Buffer,
  options: { where?: ErrorLocation; warnings?: ImageWarning[] } = {},
): CriuMessageTypes[K] {
  const ctx = { base: 0, where: options.where ?? {}, warnings: options.warnings ?? [] };
  return decodeMessageBytes(messagePlan(type), bytes, 0, bytes.length, ctx) as CriuMessageTypes[K];
}

/** Encodes one message of the named type (no framing), fields in number order as protobuf-c writes them. */
export function encodeMessage<K extends CriuMessageName>(type: K, message: CriuMessageTypes[K]): Buffer {
  return encodeMessageBytes(messagePlan(type), message);
}

/** The messages of the given type in a decoded image, typed (e.g. the pagemap_entry records after the head). */
export function entriesOfType<K extends CriuMessageName>(img: DecodedImage, type: K): Array<CriuMessageTypes[K]> {
  const out: Array<CriuMessageTypes[K]> = [];
  img.entries.forEach((message, i) => {
    if (img.records[i]?.type === type) out.push(message as CriuMessageTypes[K]);
  });
  return out;
}
