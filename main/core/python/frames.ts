/**
 * One CPython frame read from a checkpoint: its code object (qualified name, file, first line, location
 * table), the line of prev_instr, and on request its locals. Shared by the thread-stack walk (stacks.ts) and
 * the suspended asyncio tasks (asyncio-tasks.ts).
 */
import type { PythonLayout } from './layouts';
import { addressToLine } from './linetable';
import { DEFAULT_PREVIEW_LIMITS, ObjectReader, type PreviewLimits, type PyValue } from './objects';
import { MemoryFault, type RemoteMemory } from './remote-memory';

/** Bounds on a walk (a real process stays far below; a hostile one stops here with a warning). */
export const MAX_INTERPRETERS = 256;
export const MAX_THREADS = 4096;
/** Python frames per thread: far above the default recursion limit of 1000. */
export const MAX_FRAMES = 20_000;
/** Memory reads per process: the budget that guarantees a walk ends. */
export const MAX_READS = 5_000_000;
/** Locals per frame shown (co_nlocalsplus of real code is below a few hundred). */
const MAX_LOCALS = 1024;
/** Largest line table read (the biggest stdlib function's is a few KiB). */
const MAX_LINETABLE = 1 << 20;

/** co_localspluskinds bits (pycore_code.h CO_FAST_*). */
const CO_FAST_CELL = 0x40;
const CO_FAST_FREE = 0x80;

export interface PyLocal {
  name: string;
  kind: 'local' | 'cell' | 'free';
  /** The value; absent when the variable is not bound yet (or was deleted). */
  value?: PyValue;
}

export interface PyFrame {
  /** co_qualname: `SelectSelector.select`, `<module>`. */
  function: string;
  file: string;
  /** The line of the instruction running (prev_instr); absent when the code has no line for it. */
  line?: number;
  firstLine: number;
  /** Address of the _PyInterpreterFrame and of its code object. */
  frame: string;
  code: string;
  /** Who owns the frame: the thread's data stack, a generator / coroutine, or a frame object. */
  owner: 'thread' | 'generator' | 'frame-object';
  locals?: PyLocal[];
  /** Why the locals could not be read (the frame itself still stands). */
  localsWarning?: string;
}

export interface StackOptions {
  locals?: boolean;
  /** Read the locals of this one frame only (its _PyInterpreterFrame address, `0x…`). */
  localsOf?: string;
  limits?: Partial<PreviewLimits>;
  /** Bounds for tests (defaults above). */
  maxReads?: number;
}

interface CodeInfo {
  qualname: string;
  file: string;
  firstLine: number;
  linetable: Buffer;
  codeUnits: bigint;
  firstTraceable: number;
  localNames?: { name: string; kind: PyLocal['kind'] }[];
}

export const hex = (v: bigint): string => '0x' + v.toString(16);

/** Reads frames and code objects, with a cache of code objects and a budget of memory reads. */
export class FrameReader {
  readonly objects: ObjectReader;
  private readonly codes = new Map<bigint, CodeInfo>();
  readonly warnings: string[] = [];

  constructor(
    readonly mem: RemoteMemory,
    readonly L: PythonLayout,
    readonly opts: StackOptions,
  ) {
    this.objects = new ObjectReader(mem, L, { ...DEFAULT_PREVIEW_LIMITS, ...(opts.limits ?? {}) });
  }

  budget(): void {
    if (this.mem.reads > (this.opts.maxReads ?? MAX_READS)) throw new MemoryFault(0n, 0, `read budget of ${this.opts.maxReads ?? MAX_READS} reads spent`);
  }

  code(addr: bigint): CodeInfo {
    let c = this.codes.get(addr);
    if (c) return c;
    const C = this.L.code;
    const o = this.objects;
    if (o.typeName(addr) !== 'code') throw new MemoryFault(addr, 0, `f_code is a ${o.typeName(addr)}, not a code object`);
    const head = this.mem.bytes(addr, C.codeAdaptive, 'code object');
    const table = this.mem.u64(addr + BigInt(C.linetable), 'co_linetable');
    const tableSize = o.bytesValue(table, MAX_LINETABLE);
    c = {
      qualname: o.name(head.readBigUInt64LE(C.qualname)),
      file: o.name(head.readBigUInt64LE(C.filename)),
      firstLine: head.readInt32LE(C.firstlineno),
      linetable: tableSize.data,
      codeUnits: head.readBigInt64LE(this.L.object.varSize),
      firstTraceable: head.readInt32LE(C.firsttraceable),
    };
    this.codes.set(addr, c);
    return c;
  }

  private localNames(codeAddr: bigint, c: CodeInfo): NonNullable<CodeInfo['localNames']> {
    if (c.localNames) return c.localNames;
    const C = this.L.code;
    const n = this.mem.i32(codeAddr + BigInt(C.nlocalsplus), 'co_nlocalsplus');
    if (n < 0 || n > MAX_LOCALS) throw new MemoryFault(codeAddr, 0, `code object claims ${n} locals`);
    const names = this.objects.tupleItems(this.mem.u64(codeAddr + BigInt(C.localsplusnames), 'co_localsplusnames'), n).items;
    const kinds = this.objects.bytesValue(this.mem.u64(codeAddr + BigInt(C.localspluskinds), 'co_localspluskinds'), n).data;
    c.localNames = names.map((nm, i) => ({ name: this.objects.name(nm), kind: kinds[i] & CO_FAST_FREE ? 'free' : kinds[i] & CO_FAST_CELL ? 'cell' : 'local' }));
    return c.localNames;
  }

  private locals(frameAddr: bigint, codeAddr: bigint, c: CodeInfo): PyLocal[] {
    const names = this.localNames(codeAddr, c);
    const slots = names.length ? this.mem.bytes(frameAddr + BigInt(this.L.frame.localsplus), names.length * 8, 'localsplus') : Buffer.alloc(0);
    return names.map((n, i) => {
      let obj = slots.readBigUInt64LE(i * 8);
      if (!obj) return { ...n };
      // A cell or free variable's slot holds a cell once MAKE_CELL / COPY_FREE_VARS ran: show its content.
      if (n.kind !== 'local') {
        try {
          if (this.objects.typeName(obj) === 'cell') {
            obj = this.mem.u64(obj + BigInt(this.L.cell.ref), 'cell contents');
            if (!obj) return { ...n };
          }
        } catch (e) {
          if (!(e instanceof MemoryFault)) throw e;
        }
      }
      return { ...n, value: this.objects.preview(obj) };
    });
  }
  /**
   * The frame at `frame`, or undefined when it is incomplete (still in its prologue: not on Python's stack,
   * _PyFrame_IsIncomplete in pycore_frame.h); `previous` is the next frame out. Faults propagate.
   */
  frame(frame: bigint): { frame?: PyFrame; previous: bigint } {
    const F = this.L.frame;
    const raw = this.mem.bytes(frame, F.localsplus, 'interpreter frame');
    const codeAddr = raw.readBigUInt64LE(F.code);
    const prevInstr = raw.readBigUInt64LE(F.prevInstr);
    const ownerByte = raw[F.owner];
    const owner: PyFrame['owner'] = ownerByte === this.L.ownedByGenerator ? 'generator' : ownerByte === 0 ? 'thread' : 'frame-object';
    const previous = raw.readBigUInt64LE(F.previous);
    const c = this.code(codeAddr);
    const codeStart = codeAddr + BigInt(this.L.code.codeAdaptive);
    const offset = prevInstr - codeStart; // bytes; -2 before the first instruction ran
    if (owner !== 'generator' && offset < BigInt(c.firstTraceable * 2)) return { previous };
    const inCode = offset >= -2n && offset < c.codeUnits * 2n;
    const line = inCode ? addressToLine(c.linetable, c.firstLine, Number(offset)) : undefined;
    const f: PyFrame = { function: c.qualname, file: c.file, line, firstLine: c.firstLine, frame: hex(frame), code: hex(codeAddr), owner };
    if (this.opts.locals || this.opts.localsOf === f.frame) {
      try {
        f.locals = this.locals(frame, codeAddr, c);
      } catch (e) {
        if (!(e instanceof MemoryFault)) throw e;
        f.locals = [];
        f.localsWarning = e.message;
        this.warnings.push(`${c.qualname} (frame ${hex(frame)}): locals not read: ${e.message}`);
      }
    }
    return { frame: f, previous };
  }
}
