import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitepress';
import apiPackages from './api-packages.json' with { type: 'json' };

const apiSidebar = () => apiPackages.map((entry) => ({ text: entry.name, link: `/api/${entry.dir}/` }));

export default defineConfig({
  title: 'gradclip',
  description: 'Gradient clipping with one specification and bit-identical backends',
  cleanUrls: false,
  head: [['link', { rel: 'icon', href: 'data:,' }]],
  lastUpdated: false,
  // The generated API pages link to each other by relative paths; every other link is checked.
  ignoreDeadLinks: false,
  srcExclude: ['**/README.md', 'reports/**', 'test/**', 'scripts/**', 'node_modules/**'],
  themeConfig: {
    search: { provider: 'local' },
    editLink: {
      pattern: 'https://github.com/gradclip/gradclip/edit/main/docs/:path',
      text: 'Edit this page',
    },
    socialLinks: [{ icon: 'github', link: 'https://github.com/gradclip/gradclip' }],
    nav: [
      { text: 'Guide', link: '/guide/why' },
      { text: 'Concepts', link: '/concepts/contract' },
      { text: 'Live', link: '/live/parity' },
      { text: 'API', link: '/api/' },
      { text: 'Changelog', link: '/changelog' },
    ],
    sidebar: [
      {
        text: 'Start here',
        items: [
          { text: 'Why gradclip', link: '/guide/why' },
          { text: 'Choosing a backend', link: '/guide/choosing-a-backend' },
        ],
      },
      {
        text: 'Getting started',
        items: [
          { text: 'Core (any host)', link: '/guide/core' },
          { text: 'TensorFlow.js', link: '/guide/tfjs' },
          { text: 'ONNX Runtime', link: '/guide/onnx' },
          { text: 'WebAssembly', link: '/guide/wasm' },
          { text: 'gpu.js', link: '/guide/gpujs' },
          { text: 'In the browser', link: '/guide/browser' },
        ],
      },
      {
        text: 'Concepts',
        items: [
          { text: 'The contract', link: '/concepts/contract' },
          { text: 'How exactness is guaranteed', link: '/concepts/exactness' },
          { text: 'Non-finite gradients', link: '/concepts/non-finite' },
          { text: 'Compat modes', link: '/concepts/compat' },
          { text: 'Adaptive and stateful clipping', link: '/concepts/adaptive' },
          { text: 'The report', link: '/concepts/report' },
          { text: 'Two-phase clipping', link: '/concepts/two-phase' },
        ],
      },
      {
        text: 'Guides',
        items: [
          { text: 'Migrating from Keras', link: '/guides/keras' },
          { text: 'Migrating from PyTorch', link: '/guides/pytorch' },
          { text: 'Clipping across workers', link: '/guides/workers' },
          { text: 'DP-SGD', link: '/guides/dp-sgd' },
          { text: 'Writing a backend', link: '/guides/writing-a-backend' },
        ],
      },
      {
        text: 'Live in your browser',
        items: [
          { text: 'Parity matrix', link: '/live/parity' },
          { text: 'Spec playground', link: '/live/playground' },
          { text: 'Training', link: '/live/training' },
        ],
      },
      {
        text: 'Reference',
        items: [
          { text: 'Performance', link: '/performance' },
          { text: 'API reference', link: '/api/', items: apiSidebar(), collapsed: true },
          { text: 'Changelog', link: '/changelog' },
        ],
      },
    ],
  },
  vite: {
    // Workspace packages are read from their TypeScript sources, as the tests do: no build needed.
    resolve: { conditions: ['@gradclip/source'] },
    ssr: { resolve: { conditions: ['@gradclip/source'] }, noExternal: [/^@gradclip\//] },
    server: { fs: { allow: [fileURLToPath(new URL('../..', import.meta.url))] } },
    build: { chunkSizeWarningLimit: 4000 },
  },
});
