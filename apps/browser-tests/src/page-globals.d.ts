// The few page globals this package's page code and page.evaluate callbacks use. Not lib "DOM":
// that would clash with backend-wasm's own WebAssembly declarations, which these sources import.
declare global {
  const location: { readonly href: string };
  const document: {
    readonly body: {
      readonly textContent: string | null;
      readonly dataset: Record<string, string | undefined>;
    };
  };
  var crossOriginIsolated: boolean | undefined;
}

export {};
