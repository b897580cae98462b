// Runs one measurement in a fresh process and prints its result as one JSON line.
import { measure, type Spec } from './workloads.ts';

const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
const result = await measure(spec);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
