/**
 * Training: the contrastive step as a function of (parameters, batch) → (loss, gradients), summed
 * over workers through a collective; AdamW and the learning-rate schedule; the task sampler and
 * batch schedule that draw every batch from one task; one worker's replica ({@link
 * io.omniembed.train.Replica}: where it starts, its optimizer, resume) and the stream of its steps
 * ({@link io.omniembed.train.StepStream}); the loop with checkpoints and metrics ({@link
 * io.omniembed.train.TrainingRun}). The collectives themselves are in {@code train.collective}.
 *
 * <p>Uses {@code data}, {@code config}, {@code model}, {@code loss}, {@code io} (checkpoints) and
 * {@code train.collective}; Hadoop for checkpoint files, never Spark: the barrier stage that hosts
 * a replica is {@link io.omniembed.pipeline.BarrierTraining}.
 */
package io.omniembed.train;
