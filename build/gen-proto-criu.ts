/**
 * Generates Kensa's CRIU 4.2 protobuf schemas from the field and enum tables in proto/tables (data describing
 * CRIU 4.2's images/*.proto and pycriu's printing tables, committed beside the schemas they produce):
 *
 *   criu-wire-fields.tsv  every field of every CRIU 4.2 message (file, message, field, number, label, type,
 *                         packed, crit_json_option)
 *   criu-wire-enums.tsv   every enum value (file, enum, name, value); "a.b" names enum b nested in message a
 *
 * Outputs (all committed; rerun after the tables change):
 *   proto/criu/<file>.proto            proto2 schemas, wire-compatible with CRIU's images/*.proto, with crit's
 *                                      printing hints kept as `[(criu).hex = true]`-style options (opts.proto)
 *   proto/criu/criu.json               the same schemas as a protobufjs JSON descriptor, parsed back from the
 *                                      .proto files (so the .proto files are proven to parse); loaded at
 *                                      run time by main/core/criu/schema.ts with Root.fromJSON
 *   main/core/criu/messages.generated.ts  TypeScript interfaces and enum constants for every message
 *   main/core/criu/crit-tables.generated.ts  crit's flags and dict tables (from crit-json-tables.json), which
 *                                      the `(criu).flags` / `(criu).dict` options name
 *
 * Usage: npm run gen:proto (npx tsx build/gen-proto-criu.ts); `--check` only says whether the committed files
 * are current (test/unit/architecture/generated.test.ts checks the same).
 *
 * What the tables do not carry, and so the schemas do not either: `[default = …]` values (irrelevant to
 * Kensa, which reports only fields present on the wire) and comments of the original files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';

const repoRoot = path.resolve(__dirname, path.basename(path.dirname(__dirname)) === 'dist' ? '../..' : '..');
const tablesDir = path.join(repoRoot, 'proto', 'tables');
const protoDir = path.join(repoRoot, 'proto', 'criu');
const descriptorPath = path.join(protoDir, 'criu.json');
const interfacesPath = path.join(repoRoot, 'main', 'core', 'criu', 'messages.generated.ts');
const critTablesPath = path.join(repoRoot, 'main', 'core', 'criu', 'crit-tables.generated.ts');

const SCALAR_TYPES = new Set([
  'double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64',
  'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string', 'bytes',
]);

interface FieldRow {
  file: string;
  message: string;
  field: string;
  number: number;
  label: 'required' | 'optional' | 'repeated';
  type: string;
  packed: boolean;
  critOptions: Array<[string, string]>; // [option, proto literal], e.g. ['flags', '"mmap.prot"']
}

interface EnumRow {
  file: string;
  enumName: string; // 'fd_types' or 'core_entry.march'
  name: string;
  value: number;
}

function readTsv(file: string): string[][] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0 && !line.startsWith('#'))
    .map((line) => line.split('\t'));
}

/** `dev=true odev=true` / `flags="mmap.prot"` → [['dev','true'],['odev','true']] / [['flags','"mmap.prot"']]. */
function parseCritOptions(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const m of text.matchAll(/(\w+)=("[^"]*"|\S+)/g)) out.push([m[1]!, m[2]!]);
  return out;
}

function loadTables(): { fields: FieldRow[]; enums: EnumRow[] } {
  const fields = readTsv(path.join(tablesDir, 'criu-wire-fields.tsv')).map((c): FieldRow => {
    const [file, message, field, number, label, type, packed, option] = c;
    if (label !== 'required' && label !== 'optional' && label !== 'repeated') {
      throw new Error(`bad label ${label} for ${message}.${field}`);
    }
    return {
      file: file!,
      message: message!,
      field: field!,
      number: Number(number),
      label,
      type: type!,
      packed: (packed ?? '') !== '',
      critOptions: parseCritOptions(option ?? ''),
    };
  });
  const enums = readTsv(path.join(tablesDir, 'criu-wire-enums.tsv')).map(
    (c): EnumRow => ({ file: c[0]!, enumName: c[1]!, name: c[2]!, value: Number(c[3]) }),
  );
  return { fields, enums };
}

/** Groups rows by a key, keeping first-appearance order (the tables list messages in file order). */
function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    let list = groups.get(k);
    if (!list) groups.set(k, (list = []));
    list.push(row);
  }
  return groups;
}

function generateProtoFiles(fields: FieldRow[], enums: EnumRow[]): Map<string, string> {
  const messageFile = new Map<string, string>();
  for (const f of fields) messageFile.set(f.message, f.file);
  const enumFile = new Map<string, string>();
  for (const e of enums) enumFile.set(e.enumName, e.file);

  const definingFile = (type: string): string => {
    const file = messageFile.get(type) ?? enumFile.get(type);
    if (!file) throw new Error(`type ${type} is not defined in the tables`);
    return file;
  };

  const files = new Set<string>([...fields.map((f) => f.file), ...enums.map((e) => e.file)]);
  const out = new Map<string, string>();
  for (const file of [...files].sort()) {
    const fileFields = fields.filter((f) => f.file === file);
    const fileEnums = enums.filter((e) => e.file === file);
    const imports = new Set<string>();
    for (const f of fileFields) {
      if (f.critOptions.length > 0) imports.add('opts.proto');
      if (!SCALAR_TYPES.has(f.type)) {
        const other = definingFile(f.type);
        if (other !== file) imports.add(other);
      }
    }
    if (file === 'opts.proto') imports.add('google/protobuf/descriptor.proto');

    const lines: string[] = [
      '// Generated by build/gen-proto-criu.ts from proto/tables/criu-wire-fields.tsv and criu-wire-enums.tsv.',
      '// Do not edit: rerun the generator. Wire-compatible with CRIU 4.2 images/' + file + '.',
      '',
      'syntax = "proto2";',
      '',
    ];
    for (const imp of [...imports].sort()) lines.push(`import "${imp}";`);
    if (imports.size > 0) lines.push('');

    const enumBlock = (name: string, values: EnumRow[], indent: string): void => {
      lines.push(`${indent}enum ${name} {`);
      for (const v of values) lines.push(`${indent}\t${v.name} = ${v.value};`);
      lines.push(`${indent}}`);
    };

    const byEnum = groupBy(fileEnums, (e) => e.enumName);
    for (const [name, values] of byEnum) {
      if (!name.includes('.')) {
        enumBlock(name, values, '');
        lines.push('');
      }
    }
    for (const [message, rows] of groupBy(fileFields, (f) => f.message)) {
      lines.push(`message ${message} {`);
      for (const [name, values] of byEnum) {
        const dot = name.indexOf('.');
        if (dot > 0 && name.slice(0, dot) === message) enumBlock(name.slice(dot + 1), values, '\t');
      }
      for (const f of rows) {
        const options: string[] = f.critOptions.map(([k, v]) => `(criu).${k} = ${v}`);
        if (f.packed) options.push('packed = true');
        const opt = options.length > 0 ? ` [${options.join(', ')}]` : '';
        lines.push(`\t${f.label} ${f.type} ${f.field} = ${f.number}${opt};`);
      }
      lines.push('}', '');
    }
    if (file === 'opts.proto') {
      // CRIU registers its option block under field number 1018 of FieldOptions (images/opts.proto).
      lines.push('extend google.protobuf.FieldOptions {', '\toptional CRIU_Opts criu = 1018;', '}', '');
    }
    out.set(file, lines.join('\n'));
  }
  return out;
}

/**
 * Parses the generated .proto files back with protobufjs and returns the JSON descriptor, without the
 * google.protobuf namespace (only needed to declare the option) and without the extension field itself:
 * the run time reads the options as plain `(criu).NAME` keys.
 */
function buildDescriptor(protoFiles: Map<string, string>): object {
  const root = new protobuf.Root();
  // opts.proto extends google.protobuf.FieldOptions: give the parser protobufjs's bundled copy of it.
  const descriptorJson = JSON.parse(
    fs.readFileSync(require.resolve('protobufjs/google/protobuf/descriptor.json'), 'utf8'),
  ) as protobuf.INamespace;
  root.addJSON(descriptorJson.nested ?? {});
  for (const [file, text] of protoFiles) {
    const parsed = protobuf.parse(text, root, { keepCase: true, alternateCommentMode: false });
    if (parsed.package) throw new Error(`${file}: CRIU images use no package`);
  }
  root.resolveAll();
  const json = root.toJSON({ keepComments: false }) as { nested: Record<string, unknown> };
  const nested: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(json.nested)) {
    if (name === 'google' || name === 'criu') continue; // `criu` is the extension field (opts.proto)
    nested[name] = value;
  }
  return { nested };
}

function pascalCase(name: string): string {
  return name
    .split(/[_.]/)
    .filter((part) => part.length > 0)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

function tsType(f: FieldRow, enumNames: Set<string>): string {
  switch (f.type) {
    case 'int32': case 'uint32': case 'sint32': case 'fixed32': case 'sfixed32': case 'double': case 'float':
      return 'number';
    case 'int64': case 'uint64': case 'sint64': case 'fixed64': case 'sfixed64':
      return 'bigint';
    case 'bool':
      return 'boolean';
    case 'string':
      return 'string';
    case 'bytes':
      return 'Buffer';
    default:
      return enumNames.has(f.type) ? 'number' : pascalCase(f.type);
  }
}

function generateInterfaces(fields: FieldRow[], enums: EnumRow[]): string {
  const enumNames = new Set(enums.map((e) => e.enumName));
  const lines: string[] = [
    '/**',
    ' * Generated by build/gen-proto-criu.ts from proto/tables/criu-wire-fields.tsv and criu-wire-enums.tsv.',
    ' * Do not edit: rerun the generator.',
    ' *',
    ' * One interface per CRIU 4.2 message, as decodeImage() returns them: keys are the proto field names, only',
    ' * fields present on the wire exist (proto2 has-semantics), 64-bit integers are bigint, 32-bit integers and',
    ' * enums are numbers, bytes are Buffers, repeated fields are arrays (absent when empty on the wire).',
    ' * Every field is optional in the type because decoding is lenient: a `required` field missing from the wire',
    ' * is reported as a warning on the image instead of failing, and then it is absent here.',
    ' * Field numbers are noted as `#N`; `(required)` marks fields CRIU always writes.',
    ' */',
    '',
    "import type { CriuMessage } from './wire-types.js';",
    '',
  ];

  for (const [enumName, values] of groupBy(enums, (e) => e.enumName)) {
    lines.push(`/** enum ${enumName} (${values[0]!.file}) */`);
    lines.push(`export const ${pascalCase(enumName)} = {`);
    for (const v of values) lines.push(`  ${v.name}: ${v.value},`);
    lines.push('} as const;', '');
  }

  const messages = groupBy(fields, (f) => f.message);
  for (const [message, rows] of messages) {
    lines.push(`/** message ${message} (${rows[0]!.file}) */`);
    lines.push(`export interface ${pascalCase(message)} extends CriuMessage {`);
    for (const f of [...rows].sort((a, b) => a.number - b.number)) {
      const base = tsType(f, enumNames);
      const type = f.label === 'repeated' ? (base.includes(' ') ? `Array<${base}>` : `${base}[]`) : base;
      const notes = [`#${f.number}`, f.type];
      if (f.label === 'required') notes.push('(required)');
      if (enumNames.has(f.type)) notes.push(`values: ${pascalCase(f.type)}`);
      if (f.critOptions.length > 0) notes.push('crit: ' + f.critOptions.map(([k, v]) => `${k}=${v}`).join(' '));
      lines.push(`  /** ${notes.join(' ')} */`);
      lines.push(`  ${f.field}?: ${type};`);
    }
    lines.push('}', '');
  }

  lines.push('/** Message name → interface, for typed access by message name. */');
  lines.push('export interface CriuMessageTypes {');
  for (const message of messages.keys()) lines.push(`  ${message}: ${pascalCase(message)};`);
  lines.push('}', '');
  lines.push('export type CriuMessageName = keyof CriuMessageTypes;', '');
  return lines.join('\n');
}

/**
 * crit-json-tables.json holds pycriu's tables: `flags_maps` (name → ordered [flag name, bit value] pairs) and
 * `dict_maps` (name → [number→name per field, name→number per field]); only the first direction is needed.
 */
function generateCritTables(): string {
  const tables = JSON.parse(fs.readFileSync(path.join(tablesDir, 'crit-json-tables.json'), 'utf8')) as {
    flags_maps: Record<string, Array<[string, number]>>;
    dict_maps: Record<string, Array<Record<string, Record<string, string | number>>>>;
  };
  const flags: Record<string, Array<[string, number]>> = tables.flags_maps;
  const dicts: Record<string, Record<string, Record<string, string>>> = {};
  for (const [name, [byNumber]] of Object.entries(tables.dict_maps)) {
    dicts[name] = byNumber as Record<string, Record<string, string>>;
  }
  return [
    '/**',
    ' * Generated by build/gen-proto-criu.ts from proto/tables/crit-json-tables.json. Do not edit.',
    ' *',
    " * pycriu's printing tables: a field with `(criu).flags = NAME` prints the names of its set bits from",
    " * CRIT_FLAGS_MAPS[NAME] in table order; a field with `(criu).dict = NAME` prints CRIT_DICT_MAPS[NAME][field",
    ' * name][value] (pycriu looks the map up by the field\'s own name).',
    ' */',
    '',
    'export const CRIT_FLAGS_MAPS: Readonly<Record<string, ReadonlyArray<readonly [string, number]>>> = {',
    ...Object.entries(flags).map(
      ([name, pairs]) =>
        `  ${JSON.stringify(name)}: [\n` +
        pairs.map(([flag, bit]) => `    [${JSON.stringify(flag)}, 0x${bit.toString(16)}],\n`).join('') +
        '  ],',
    ),
    '};',
    '',
    'export const CRIT_DICT_MAPS: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, string>>>>>> = ' +
      JSON.stringify(dicts, null, 2) + ';',
    '',
  ].join('\n');
}

/** Every generated file (absolute path → content), computed from proto/tables without writing anything. */
export function generateAll(): Map<string, string> {
  const { fields, enums } = loadTables();
  const protoFiles = generateProtoFiles(fields, enums);
  const out = new Map<string, string>();
  for (const [file, text] of protoFiles) out.set(path.join(protoDir, file), text);
  out.set(descriptorPath, JSON.stringify(buildDescriptor(protoFiles)) + '\n');
  out.set(interfacesPath, generateInterfaces(fields, enums));
  out.set(critTablesPath, generateCritTables());
  return out;
}

/** The .proto files the generator owns: everything in proto/criu ending in .proto. */
export function existingProtoFiles(): string[] {
  return fs.existsSync(protoDir) ? fs.readdirSync(protoDir).filter((f) => f.endsWith('.proto')).map((f) => path.join(protoDir, f)) : [];
}

/** Generated files that differ from what is committed (or are missing, or are stale .proto files). */
export function staleFiles(): string[] {
  const want = generateAll();
  const stale: string[] = [];
  for (const [file, text] of want) if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) stale.push(path.relative(repoRoot, file));
  for (const file of existingProtoFiles()) if (!want.has(file)) stale.push(path.relative(repoRoot, file));
  return stale.sort();
}

function main(): void {
  if (process.argv.includes('--check')) {
    const stale = staleFiles();
    if (stale.length) {
      process.stderr.write(`generated files out of date (run npm run gen:proto): ${stale.join(', ')}\n`);
      process.exitCode = 1;
    } else process.stdout.write('generated files are current\n');
    return;
  }
  const files = generateAll();
  fs.mkdirSync(protoDir, { recursive: true });
  for (const existing of existingProtoFiles()) if (!files.has(existing)) fs.unlinkSync(existing);
  for (const [file, text] of files) fs.writeFileSync(file, text);
  const protoCount = [...files.keys()].filter((f) => f.endsWith('.proto')).length;
  process.stdout.write(`wrote ${protoCount} .proto files, ${path.relative(repoRoot, descriptorPath)}, ${path.relative(repoRoot, interfacesPath)}, ${path.relative(repoRoot, critTablesPath)}\n`);
}

if (require.main === module) main();
