/** A one-line progress bar on a terminal; silent when stdout is not a TTY (CI logs stay readable). */
export function createProgress(label: string, stream: NodeJS.WriteStream = process.stdout) {
  const enabled = stream.isTTY === true;
  return {
    update(done: number, total: number, detail = '') {
      if (!enabled) return;
      const width = 28;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      stream.write(
        `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${detail}`.padEnd(
          100,
        ),
      );
    },
    done() {
      if (enabled) stream.write(`${' '.repeat(100)}\r`);
    },
  };
}
