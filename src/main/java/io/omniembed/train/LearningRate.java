package io.omniembed.train;

import io.omniembed.config.TrainConfig;

/**
 * Learning rate at a step: linear warm-up from 0 to {@code lr} over {@code warmup_steps}, then
 * cosine or linear decay to {@code lr · min_lr_ratio} at the last step (or constant).
 */
public final class LearningRate {

  private LearningRate() {}

  /** The rate for step {@code step} (1-based) of {@code total}. */
  public static double at(TrainConfig c, int step) {
    if (step <= c.warmupSteps()) {
      return c.lr() * step / Math.max(1, c.warmupSteps());
    }
    double progress = (double) (step - c.warmupSteps())
        / Math.max(1, c.steps() - c.warmupSteps());
    double floor = c.lr() * c.minLrRatio();
    return switch (c.schedule()) {
      case "cosine" -> floor + (c.lr() - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
      case "linear" -> floor + (c.lr() - floor) * (1 - progress);
      default -> c.lr();
    };
  }
}
