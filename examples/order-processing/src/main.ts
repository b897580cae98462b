import { runOrderProcessing } from './order-processing.ts';

const summary = await runOrderProcessing({ log: (line) => console.log(line) });
console.log(
  `\nSummary (${summary.backend}): ${summary.orders} orders, ${summary.processed.length} processed, ` +
    `${summary.retries} retried, ${summary.deadLettered.length} dead-lettered, ` +
    `${summary.duplicatesAbsorbed} duplicates absorbed`,
);
