/** Where progress goes: stderr, so stdout stays the command's answer (`--json` for scripts). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressBar {
  update(sentBytes: number): void;
  done(): void;
}

/**
 * A progress bar for an upload. On a terminal one line redrawn at most ten times a second
 * (`[#######---------]  45%  22.5 / 50.0 MB  11.2 MB/s`); elsewhere (a CI log, a pipe) a line per
 * tenth, so logs stay readable.
 */
export function progressBar(
  label: string,
  totalBytes: number,
  stream: ProgressStream,
  now: () => number = Date.now,
): ProgressBar {
  const started = now();
  let lastDrawn = Number.NEGATIVE_INFINITY;
  let lastTenth = -1;
  let finished = false;
  const describe = (sent: number) => {
    const fraction = totalBytes === 0 ? 1 : Math.min(1, sent / totalBytes);
    const seconds = Math.max(0.001, (now() - started) / 1000);
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    return {
      fraction,
      text: `${percent}  ${megabytes(sent)} / ${megabytes(totalBytes)} MB  ${megabytes(sent / seconds)} MB/s`,
    };
  };
  return {
    update(sent) {
      if (finished) return;
      const { fraction, text } = describe(sent);
      if (stream.isTTY) {
        if (now() - lastDrawn < 100 && fraction < 1) return;
        lastDrawn = now();
        const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - text.length - label.length - 6));
        const filled = Math.round(fraction * width);
        stream.write(`\r${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${text}`);
        return;
      }
      const tenth = Math.floor(fraction * 10);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      stream.write(`${label} ${text}\n`);
    },
    done() {
      if (finished) return;
      this.update(totalBytes);
      finished = true;
      if (stream.isTTY) stream.write("\n");
    },
  };
}

function megabytes(bytes: number): string {
  return (bytes / 1_000_000).toFixed(1);
}
