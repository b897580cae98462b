import { readFileSync } from 'node:fs';
import { type ConfigInput, ConfigError } from '@anymq/core';

/** The backend config: `--url`, else `--config file.json`, else ANYMQ_URL / ANYMQ_* (or memory). */
export function configFrom(options: { url?: string; config?: string }): ConfigInput {
  if (options.url) return options.url;
  if (options.config) {
    let text: string;
    try {
      text = readFileSync(options.config, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `cannot read config file ${options.config}: ${(error as Error).message}. Fix: pass an existing JSON file to --config.`,
        { field: 'config', cause: error },
      );
    }
    try {
      return JSON.parse(text) as ConfigInput;
    } catch (error) {
      throw new ConfigError(
        `config file ${options.config} is not valid JSON: ${(error as Error).message}. Fix: write it as a JSON object such as {"backend":"rabbitmq","url":"amqp://localhost"}.`,
        { field: 'config', cause: error },
      );
    }
  }
  return undefined;
}
