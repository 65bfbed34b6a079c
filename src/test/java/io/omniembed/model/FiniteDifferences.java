package io.omniembed.model;

import io.omniembed.model.layer.ParamStore;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Central finite differences against an analytic backward pass, in double precision so that the
 * check is tight (truncation error ~ε², rounding ~1e-16/ε). Every layer test and the whole-encoder
 * test go through here.
 */
public final class FiniteDifferences {

  private static final double EPS = 1e-6;

  private FiniteDifferences() {}

  /** Random values ~ N(0, scale²) in double precision. */
  public static INDArray gaussian(long seed, double scale, long... shape) {
    SplittableRandom r = new SplittableRandom(seed);
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    double[] v = new double[(int) n];
    for (int i = 0; i < v.length; i++) {
      v[i] = scale * (Math.sqrt(-2 * Math.log(1 - r.nextDouble()))
          * Math.cos(2 * Math.PI * r.nextDouble()));
    }
    return Nd4j.createFromArray(v).reshape('c', shape);
  }

  /** Fills every parameter with N(0, scale²) noise and LayerNorm gains with 1 + noise. */
  public static void randomize(ParamStore store, long seed, double scale) {
    INDArray values = gaussian(seed, scale, store.size());
    store.params().assign(values);
    for (ParamStore.Slot s : store.slots()) {
      if (s.name().contains(".ln") && s.name().endsWith(".weight")) {
        store.param(s.name()).addi(1.0);
      }
    }
  }

  /**
   * Checks {@code analytic} (the gradient of {@code loss} with respect to {@code target}, already
   * computed) at up to {@code samples} coordinates spread over {@code target}.
   */
  public static void check(String what, INDArray target, INDArray analytic, DoubleSupplier loss,
      int samples) {
    assertTrue(target.dataType() == DataType.DOUBLE, "finite differences need double precision");
    long n = target.length();
    long step = Math.max(1, n / samples);
    INDArray flatTarget = target.reshape(n);
    INDArray flatGrad = analytic.reshape(n);
    double worst = 0;
    for (long i = (step / 2) % n; i < n; i += step) {
      double numeric = centralDifference(flatTarget, i, EPS, loss);
      double a = flatGrad.getDouble(i);
      double err = Math.abs(numeric - a) / (1e-6 + Math.abs(numeric) + Math.abs(a));
      if (Math.abs(numeric - a) >= 1e-8) {
        // Below 1e-8 absolute both are zero up to rounding (for example the key bias, to which
        // softmax is invariant); only larger values are judged by relative error.
        worst = Math.max(worst, err);
      }
      assertTrue(err < 1e-5 || Math.abs(numeric - a) < 1e-8, what + "[" + i + "]: analytic " + a
          + " vs numeric " + numeric);
    }
    assertTrue(worst < 1e-5, what + ": worst relative error " + worst);
  }

  /** A loss that may throw, as a training step's does; see {@link #unchecked}. */
  @FunctionalInterface
  public interface Loss {
    double value() throws Exception;
  }

  /** {@code loss} as a DoubleSupplier, its exceptions rethrown unchecked. */
  public static DoubleSupplier unchecked(Loss loss) {
    return () -> {
      try {
        return loss.value();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
  }

  /**
   * (loss(x + h·eᵢ) − loss(x − h·eᵢ)) / 2h for element {@code i} of the flat array {@code x},
   * which is left as it was.
   */
  public static double centralDifference(INDArray x, long i, double h, DoubleSupplier loss) {
    double original = x.getDouble(i);
    x.putScalar(i, original + h);
    double plus = loss.getAsDouble();
    x.putScalar(i, original - h);
    double minus = loss.getAsDouble();
    x.putScalar(i, original);
    return (plus - minus) / (2 * h);
  }

  /** Checks every parameter slot of {@code store} against its gradient buffer. */
  public static void checkParams(ParamStore store, DoubleSupplier loss, int samplesPerSlot) {
    for (ParamStore.Slot s : store.slots()) {
      check(s.name(), store.param(s.name()), store.grad(s.name()), loss, samplesPerSlot);
    }
  }

  /** Σ a ⊙ b as a double. */
  public static double dot(INDArray a, INDArray b) {
    return a.castTo(DataType.DOUBLE).mul(b.castTo(DataType.DOUBLE)).sumNumber().doubleValue();
  }
}
