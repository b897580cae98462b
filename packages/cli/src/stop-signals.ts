/**
 * Calls `stop` on the first SIGINT or SIGTERM, so that a command closes its consumer (handing back
 * what it holds) instead of dying with messages unsettled. Returns the function that unhooks it.
 */
export function onStopSignal(stop: () => void): () => void {
  const onSignal = () => stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
