#!/usr/bin/env node
// Adds up the vitest JSON reports that `pnpm test` (test-results.json) and `pnpm test:integration`
// (integration-results.json) and `pnpm test:faults` (faults-results.json) wrote in each package, and prints one closing line, "N passed,
// N failed, N skipped", so that CI can read the totals.
// Exits non-zero when a report has failures or when there is no report at all.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const reportNames =
  process.argv.length > 2
    ? process.argv.slice(2)
    : ['test-results.json', 'integration-results.json', 'faults-results.json'];
const folders = ['packages', 'examples'].flatMap((parent) =>
  existsSync(join(root, parent)) ? readdirSync(join(root, parent)).map((name) => join(root, parent, name)) : [],
);
folders.push(join(root, 'integration-tests'), join(root, 'benchmarks'));

let passed = 0;
let failed = 0;
let skipped = 0;
let reports = 0;
for (const file of folders.flatMap((folder) => reportNames.map((name) => join(folder, name)))) {
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  reports++;
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  console.log(
    `  ${file.slice(root.length)}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`,
  );
}
if (reports === 0) {
  console.error(`no ${reportNames.join(' or ')} found: did the tests run?`);
  process.exit(1);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
