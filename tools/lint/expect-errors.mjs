// Holds the compile-fail lines of mistakes.ts to their reasons. Each `// @ts-expect-error TSnnnn
// "fragment"` marker names the error the next line must fail with: this script compiles
// mistakes.ts with the markers turned into plain comments (with tsconfig.json's options, against
// generated/billing.d.ts) and fails unless each marked line has a diagnostic with that code whose
// message contains the fragment, and no other line of the file has any. (tsc itself, run on the file
// as written, fails on a marker whose line compiles: TS2578, an unused @ts-expect-error.)
//
//   node expect-errors.mjs [file]   (default mistakes.ts; run from tools/lint)
import path from "node:path";
import { readFileSync } from "node:fs";
import ts from "typescript";

const file = path.resolve(process.argv[2] ?? "mistakes.ts");
const marker = /^\s*\/\/ @ts-expect-error (TS(\d+)) "((?:[^"\\]|\\.)*)"/;

const config = ts.getParsedCommandLineOfConfigFile("tsconfig.json", { strict: true, noEmit: true }, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => {
    throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  },
});

const lines = readFileSync(file, "utf8").split("\n");
const expected = new Map(); // 0-based line that must fail -> { code, fragment, text }
lines.forEach((line, i) => {
  const m = marker.exec(line);
  if (m) expected.set(i + 1, { code: Number(m[2]), fragment: JSON.parse(`"${m[3]}"`), text: lines[i + 1]?.trim() });
});
if (expected.size === 0) {
  console.error(`${file}: no @ts-expect-error markers`);
  process.exit(1);
}
const stripped = lines.map((line) => (marker.test(line) ? line.replace("@ts-expect-error", "must fail:") : line)).join("\n");

const host = ts.createCompilerHost(config.options);
const readSource = host.getSourceFile.bind(host);
host.getSourceFile = (name, language, ...rest) =>
  path.resolve(name) === file ? ts.createSourceFile(name, stripped, language, true) : readSource(name, language, ...rest);
const program = ts.createProgram({ rootNames: [file], options: config.options, host });

const byLine = new Map(); // 0-based line -> [{ code, message }]
const elsewhere = [];
for (const d of ts.getPreEmitDiagnostics(program)) {
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  if (!d.file || path.resolve(d.file.fileName) !== file) {
    elsewhere.push(`TS${d.code}: ${message}`);
    continue;
  }
  const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
  byLine.set(line, [...(byLine.get(line) ?? []), { code: d.code, message }]);
}

const failures = [...elsewhere];
for (const [line, want] of expected) {
  const got = byLine.get(line) ?? [];
  if (!got.some((d) => d.code === want.code && d.message.includes(want.fragment))) {
    const saw = got.length ? got.map((d) => `TS${d.code}: ${d.message}`).join("\n      ") : "it compiles";
    failures.push(`line ${line + 1}: want TS${want.code} containing ${JSON.stringify(want.fragment)}\n    ${want.text}\n      ${saw}`);
  }
}
for (const [line, got] of byLine) {
  if (!expected.has(line)) {
    failures.push(`line ${line + 1} must compile:\n    ${lines[line].trim()}\n      ${got.map((d) => `TS${d.code}: ${d.message}`).join("\n      ")}`);
  }
}
if (failures.length > 0) {
  console.error(`${path.basename(file)}: ${failures.length} problem(s):\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
console.log(`ok: ${path.basename(file)}: ${expected.size} lines fail for the reason named, the other lines compile`);
