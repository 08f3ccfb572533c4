// Just enough of Bun's and Deno's globals to type-check bun.ts and deno.ts with the project's tsconfig.
declare const Bun: {
  readonly env: { readonly MEDIA_DIR?: string; readonly PORT?: string };
  serve(options: { hostname?: string; port?: number; fetch: (request: Request) => Response | Promise<Response> }): { readonly url: URL };
};
declare const Deno: {
  readonly env: { get(name: string): string | undefined };
  serve(options: { hostname?: string; port?: number }, handler: (request: Request) => Response | Promise<Response>): unknown;
};
