/**
 * Benchmarks that print their figures ({@code RESULT ...} lines) for docs/benchmarks.md; run them
 * through {@code jobs/bench/*.sh}, beside the PyTorch and ONNX Runtime peers, in one run. They
 * may use any package; nothing imports them.
 */
package io.omniembed.bench;
