// Trunk's post-build hook: the embedding loader first (it is compressed too), then the compressed
// copies of every asset. One hook, so the order holds.
await import('./write-embed-loader.mjs');
await import('./compress-assets.mjs');
