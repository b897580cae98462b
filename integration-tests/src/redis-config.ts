/** The transport config for a `redis://host:port` URL of a test server. */
export function redisConfig(url: string): { backend: 'redis'; host: string; port: number } {
  const { hostname, port } = new URL(url);
  return { backend: 'redis', host: hostname, port: Number(port || 6379) };
}
