import { getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';

/**
 * Freezes a container (every process in it stops, sockets stay open, nothing answers) for `ms`,
 * then thaws it: a broker that hangs, as opposed to one that goes away. The wait is the length
 * of the fault being injected, not a synchronisation.
 */
export async function freezeContainer(container: StartedTestContainer, ms: number): Promise<void> {
  const client = await getContainerRuntimeClient();
  const handle = client.container.getById(container.getId());
  await handle.pause();
  try {
    await new Promise((resolve) => setTimeout(resolve, ms));
  } finally {
    await handle.unpause();
  }
}
