/**
 * Shapes shared by the CRIU message codec and the generated message interfaces (messages.generated.ts).
 */

/** Protobuf wire types (encoding spec): how the value after a tag is framed. */
export const WireType = {
  VARINT: 0,
  FIXED64: 1,
  LEN: 2,
  START_GROUP: 3,
  END_GROUP: 4,
  FIXED32: 5,
} as const;

/**
 * A field the schema does not know (newer CRIU, or tampering), kept so nothing on the wire is lost.
 * `bytes` is the value as it was on the wire after the tag: the varint's own bytes, the 4 or 8 fixed bytes,
 * the contents of a length-delimited value without its length prefix, or a group's contents without its end
 * tag. Encoding writes it back after a tag of the same field number and wire type.
 */
export interface UnknownField {
  field: number;
  wireType: number;
  bytes: Buffer;
}

/**
 * Every decoded message: proto field names as keys, only fields present on the wire, plus `$unknown` when
 * fields the schema does not know were present (in wire order).
 */
export interface CriuMessage {
  $unknown?: UnknownField[];
}

/** Something odd but survivable in an image, with the byte offset (within the member) where it was seen. */
export interface ImageWarning {
  offset: number;
  message: string;
}
