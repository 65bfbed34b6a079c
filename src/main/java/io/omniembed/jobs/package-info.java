/**
 * One thin class per job ({@code embed}, {@code eval}, {@code make-benchmark}, ...): each parses
 * its options, builds or receives the SparkSession and wires components; none holds model or data
 * logic of its own.
 */
package io.omniembed.jobs;
