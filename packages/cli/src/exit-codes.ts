/** Exit codes of the anymq command (also listed in its --help). */
export const ExitCode = {
  ok: 0,
  /** The broker could not be reached, refused a message, or did not deliver in time. */
  failure: 1,
  /** Wrong arguments or configuration: fix the command line, the config file or ANYMQ_*. */
  usage: 2,
} as const;
