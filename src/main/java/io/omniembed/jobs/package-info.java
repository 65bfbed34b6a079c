/**
 * One thin class per job ({@code embed}, {@code eval}, {@code search}, {@code prepare},
 * {@code train}, ...): each parses its options, builds the SparkSession ({@link
 * io.omniembed.jobs.SparkOptions}) and wires the stages of {@code pipeline}; none holds model or
 * data logic of its own. {@link io.omniembed.jobs.Main} dispatches the command line and turns
 * every failure into one line and exit code 1. The two builders that are not Spark jobs
 * ({@code make-benchmark}, {@code make-multimodal}) say so and take no Spark options.
 *
 * <p>The top of the project: nothing imports it.
 */
package io.omniembed.jobs;
