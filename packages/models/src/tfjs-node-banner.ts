import type * as tfjs from '@tensorflow/tfjs';

/**
 * In Node, TF.js's cpu backend prints "Hi, looks like you are running TensorFlow.js in Node.js. To
 * speed things up dramatically, install our node backend…" on its first tensor (tfjs-backend-cpu's
 * `write`, through tfjs-core's `warn`, which only the `PROD` and `IS_TEST` flags mute). A program
 * that owns its output (a CLI, a report) calls this once: it starts the cpu backend and makes that
 * first write with `PROD` on, then puts `PROD` back, so every later TF.js warning still prints and
 * the engine's active backend is unchanged. A library never calls it for its user.
 */
export function silenceTfjsNodeBanner(tf: Pick<typeof tfjs, 'env' | 'findBackend'>): void {
  const env = tf.env();
  const prod = env.getBool('PROD');
  env.set('PROD', true);
  try {
    const cpu = tf.findBackend('cpu');
    if (cpu !== null) cpu.disposeData(cpu.write(new Float32Array(1), [1], 'float32'));
  } finally {
    env.set('PROD', prod);
  }
}
