/**
 * Training on one worker: the step as a function of (parameters, batch) → (loss, gradients), the
 * optimizer and learning-rate schedule, the task sampler that draws every batch from one task,
 * and the loop with checkpoints, resume and metrics. Distribution wraps the step later.
 */
package io.omniembed.train;
