// Run in a fresh node process per sample: prints how long import() of the given modules took,
// one after the other (the entry, then e.g. the chunk a first API request loads).
const started = performance.now();
for (const module of process.argv.slice(2)) await import(module);
process.stdout.write(`${(performance.now() - started).toFixed(2)}\n`);
