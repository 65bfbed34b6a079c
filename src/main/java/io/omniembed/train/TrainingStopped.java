package io.omniembed.train;

/**
 * Training cannot go on and retrying would not help (a non-finite loss, inconsistent data): the
 * distributed runner reports it to the driver instead of letting Spark retry the stage.
 */
public final class TrainingStopped extends RuntimeException {

  public TrainingStopped(String message) {
    super(message);
  }
}
