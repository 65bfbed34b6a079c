/**
 * Runnable examples of the public API, kept compiling and run by the tests: {@link
 * io.omniembed.examples.EmbedPipeline} embeds a DataFrame column with the Spark ML {@code
 * Embedder}.
 */
package io.omniembed.examples;
