/** Starts the demo site's server (scripts/demo.mjs); `port: 0` picks a free one. */
export function startDemoServer(options?: {
  port?: number;
  host?: string;
}): Promise<{ url: string; close(): Promise<void> }>;
