// Run in a fresh node process per sample: prints how long import() of the given module took.
const started = performance.now();
await import(process.argv[2]);
process.stdout.write(`${(performance.now() - started).toFixed(2)}\n`);
