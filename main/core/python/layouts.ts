/**
 * Structure offsets of CPython's runtime, one table per minor version, for 64-bit Linux (LP64, x86_64 and
 * aarch64 alike: every field is a pointer, a long, a 64-bit integer or an int with natural alignment).
 *
 * A version without a table here is refused by name, never guessed: the layout of these private structures
 * changes with every minor version (3.12 moved the frame stack out of cframe, 3.13 replaced f_code by
 * f_executable). Adding 3.12 or 3.13 means adding a table, from that version's headers.
 *
 * 3.11 offsets come from CPython v3.11 Include/internal/pycore_runtime.h (struct pyruntimestate),
 * pycore_interp.h (struct _is), cpython/pystate.h (struct _ts, _PyCFrame), pycore_frame.h
 * (_PyInterpreterFrame), cpython/code.h (_PyCode_DEF), cpython/unicodeobject.h, cpython/longintrepr.h,
 * pycore_dict.h and cpython/object.h, laid out by the C rules above; each one was checked against the
 * pyworker fixture (CPython 3.11.2), see test/unit/python.
 */

export interface PythonLayout {
  /** `3.11`: the versions this table is for (every 3.11.x: these structures do not change in a patch release). */
  minor: string;
  runtime: { interpretersHead: number };
  interp: { next: number; threadsHead: number; id: number; modules: number };
  thread: { next: number; interp: number; cframe: number; threadId: number; nativeThreadId: number; id: number };
  cframe: { currentFrame: number };
  frame: { func: number; globals: number; code: number; previous: number; prevInstr: number; stacktop: number; owner: number; localsplus: number };
  code: {
    argcount: number;
    firstlineno: number;
    nlocalsplus: number;
    localsplusnames: number;
    localspluskinds: number;
    filename: number;
    name: number;
    qualname: number;
    linetable: number;
    firsttraceable: number;
    codeAdaptive: number;
  };
  object: { type: number; varSize: number };
  type: { name: number; flags: number; heapName: number; heapQualname: number; heapCachedKeys: number };
  unicode: { length: number; state: number; asciiData: number; compactData: number };
  bytes: { size: number; data: number };
  long: { size: number; digits: number; digitBits: number };
  float: { value: number };
  tuple: { size: number; items: number };
  list: { size: number; items: number };
  dict: { used: number; keys: number; values: number };
  dictKeys: { log2Size: number; log2IndexBytes: number; kind: number; nentries: number; indices: number };
  module: { dict: number };
  cell: { ref: number };
  function: { qualname: number };
  /** Generators and coroutines (_PyGenObject_HEAD): frame state, and the frame embedded in the object. */
  gen: { frameState: number; iframe: number };
  /** gi_frame_state values (pycore_frame.h enum _framestate). */
  frameStates: { created: number; suspended: number; executing: number };
  /** RESUME and its specialised form: an await / yield from is suspended before one with oparg >= 2. */
  resumeOpcodes: number[];
  set: { mask: number; table: number };
  weakref: { object: number };
  /** The C Task of _asyncio (TaskObj in Modules/_asynciomodule.c): its loop, coroutine and name. */
  task: { loop: number; coro: number; name: number };
  /** Frame owners (pycore_frame.h enum _frameowner). */
  ownedByGenerator: number;
  /** Py_TPFLAGS_MANAGED_DICT (object.h): the instance dict sits before the object, at -3 words; values at -4. */
  managedDictFlag: bigint;
}

/** CPython 3.11 (every 3.11.x). */
const V3_11: PythonLayout = {
  minor: '3.11',
  // 5 ints (_initialized … initialized) = 20 bytes, _finalizing at 24, interpreters {mutex, head, main, next_id} at 32.
  runtime: { interpretersHead: 40 },
  // next 0; threads {next_unique_id 8, head 16, count 24, stacksize 32}; runtime 40; id 48; … modules after
  // ceval (struct _ceval_state, 560 bytes at 88) and gc (struct _gc_runtime_state, 240 bytes at 648): 888.
  interp: { next: 0, threadsHead: 16, id: 48, modules: 888 },
  // prev 0, next 8, interp 16, 7 ints 24..52, cframe 56, 4 tracing pointers, curexc ×3 96..112, exc_info 120,
  // dict 128, gilstate_counter 136, async_exc 144, thread_id 152, native_thread_id 160, …, id 240.
  thread: { next: 8, interp: 16, cframe: 56, threadId: 152, nativeThreadId: 160, id: 240 },
  // _PyCFrame { uint8_t use_tracing; _PyInterpreterFrame *current_frame; _PyCFrame *previous; }
  cframe: { currentFrame: 8 },
  // f_func 0, f_globals 8, f_builtins 16, f_locals 24, f_code 32, frame_obj 40, previous 48, prev_instr 56,
  // int stacktop 64, bool is_entry 68, char owner 69, localsplus[] 72.
  frame: { func: 0, globals: 8, code: 32, previous: 48, prevInstr: 56, stacktop: 64, owner: 69, localsplus: 72 },
  // PyObject_VAR_HEAD 0..24, co_consts 24, co_names 32, co_exceptiontable 40, int co_flags 48, short co_warmup
  // 52, short _co_linearray_entry_size 54, ints co_argcount 56 … co_nfreevars 92, co_localsplusnames 96,
  // co_localspluskinds 104, co_filename 112, co_name 120, co_qualname 128, co_linetable 136, co_weakreflist
  // 144, _co_code 152, _co_linearray 160, int _co_firsttraceable 168, co_extra 176, co_code_adaptive 184.
  code: {
    argcount: 56,
    firstlineno: 72,
    nlocalsplus: 76,
    localsplusnames: 96,
    localspluskinds: 104,
    filename: 112,
    name: 120,
    qualname: 128,
    linetable: 136,
    firsttraceable: 168,
    codeAdaptive: 184,
  },
  object: { type: 8, varSize: 16 },
  // PyTypeObject: tp_name 24, tp_flags 168; PyHeapTypeObject after the 408-byte type and its method suites
  // (as_async 32, as_number 288, as_mapping 24, as_sequence 80, as_buffer 16): ht_name 848, ht_slots 856,
  // ht_qualname 864, ht_cached_keys 872.
  type: { name: 24, flags: 168, heapName: 848, heapQualname: 864, heapCachedKeys: 872 },
  // PyASCIIObject: length 16, hash 24, state bitfield 32 (interned:2 kind:3 compact:1 ascii:1 ready:1), wstr 40;
  // compact ASCII data follows at 48; PyCompactUnicodeObject adds utf8_length, utf8, wstr_length: data at 72.
  unicode: { length: 16, state: 32, asciiData: 48, compactData: 72 },
  bytes: { size: 16, data: 32 },
  // ob_size carries the sign and the number of 30-bit digits (PYLONG_BITS_IN_DIGIT 30 on 64-bit builds).
  long: { size: 16, digits: 24, digitBits: 30 },
  float: { value: 16 },
  tuple: { size: 16, items: 24 },
  list: { size: 16, items: 24 },
  // PyDictObject: ma_used 16, ma_version_tag 24, ma_keys 32, ma_values 40.
  dict: { used: 16, keys: 32, values: 40 },
  // PyDictKeysObject: dk_refcnt 0, dk_log2_size 8, dk_log2_index_bytes 9, dk_kind 10, dk_version 12,
  // dk_usable 16, dk_nentries 24, dk_indices 32 (entries follow the 1 << dk_log2_index_bytes index bytes).
  dictKeys: { log2Size: 8, log2IndexBytes: 9, kind: 10, nentries: 24, indices: 32 },
  module: { dict: 16 },
  cell: { ref: 16 },
  // PyFunctionObject: COMMON_FIELDS(func_) = globals 16, builtins 24, name 32, qualname 40, code 48, ….
  function: { qualname: 40 },
  // _PyGenObject_HEAD: gi_code 16, gi_weakreflist 24, gi_name 32, gi_qualname 40, gi_exc_state (2 pointers)
  // 48, gi_origin_or_finalizer 64, chars hooks_inited 72, closed 73, running_async 74, int8 frame_state 75,
  // gi_iframe 80.
  gen: { frameState: 75, iframe: 80 },
  frameStates: { created: -2, suspended: -1, executing: 0 },
  // RESUME is 151; RESUME_QUICK (its quickened form) is 150: the fixture binary's _PyOpcode_Deopt table maps
  // exactly these two to 151.
  resumeOpcodes: [151, 150],
  // PySetObject: fill 16, used 24, mask 32, table 40 (entries {key, hash} of 16 bytes).
  set: { mask: 32, table: 40 },
  // PyWeakReference: wr_object 16.
  weakref: { object: 16 },
  // FutureObj_HEAD(3.11): fut_loop 16, callback0 24, context0 32, callbacks 40, exception 48, exception_tb 56,
  // result 64, source_tb 72, cancel_msg 80, state 88, log_tb 92, blocking 96, dict 104, weakreflist 112,
  // cancelled_exc 120; then task_fut_waiter 128, task_coro 136, task_name 144.
  task: { loop: 16, coro: 136, name: 144 },
  ownedByGenerator: 1,
  managedDictFlag: 1n << 4n,
};

const LAYOUTS: Record<string, PythonLayout> = { '3.11': V3_11 };

/** The table for a `major.minor` version, or undefined when there is none. */
export function layoutFor(minor: string): PythonLayout | undefined {
  return LAYOUTS[minor];
}

export function supportedVersions(): string[] {
  return Object.keys(LAYOUTS);
}
