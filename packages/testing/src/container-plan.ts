import type { GenericContainer } from 'testcontainers';

/** How one kind of broker runs in a container, before it is started. */
export interface ContainerPlan {
  readonly container: GenericContainer;
  /** The host port the broker is published on, fixed so that a restarted broker keeps its address. */
  readonly hostPort: number;
  /** Where clients reach the started container at `host` (Testcontainers' `getHost()`). */
  address(host: string): { url: string; hosts: string[] };
}
