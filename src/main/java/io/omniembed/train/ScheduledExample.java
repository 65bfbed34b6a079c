package io.omniembed.train;

import io.omniembed.io.SourcedRecord;

/**
 * A training example as a worker receives it: the global batch of step {@code step} that it
 * fills, its slot in that batch, and the record with its data file.
 */
public record ScheduledExample(int step, int slot, SourcedRecord example) {}
