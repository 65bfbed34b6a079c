package io.omniembed.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.omniembed.config.FrozenParameters;
import io.omniembed.config.ModelConfig;
import io.omniembed.model.Encoder;
import io.omniembed.model.layer.Elementwise;
import io.omniembed.model.layer.ParamStore;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fused one-pass AdamW against the chain of ND4J ops it replaces on the CPU, over a model
 * with every kind of parameter group: decayed and not, the media towers at their own scale, and
 * frozen parameters.
 */
class AdamWParityTest {

  @Test
  void fusedStepsMatchTheReferenceChain() {
    ParamStore fused = Encoder.randomInit(ModelConfig.preset("tiny-media"), 3).store();
    ParamStore ref = Encoder.randomInit(ModelConfig.preset("tiny-media"), 3).store();
    ParamGroups groups = ParamGroups.of(fused, false, 10, FrozenParameters.TEXT);
    assertTrue(groups.anyFrozen(), "the test needs frozen parameters");
    AdamW a = new AdamW(fused, 0.9, 0.999, 1e-8, 0.05, groups);
    AdamW b = new AdamW(ref, 0.9, 0.999, 1e-8, 0.05,
        ParamGroups.of(ref, false, 10, FrozenParameters.TEXT));
    assertTrue(Elementwise.supports(fused.params(), fused.grads()), "fused path not taken");
    for (int step = 1; step <= 3; step++) {
      var g = Nd4j.randn(DataType.FLOAT, fused.size()).muli(0.01 * step);
      fused.grads().assign(g);
      ref.grads().assign(g);
      a.fusedStep(fused, 1e-3 / step);
      b.referenceStep(ref, 1e-3 / step);
    }
    assertClose("parameters", fused.toFloatArray(), ref.toFloatArray(), 1e-6);
    assertClose("first moment", a.firstMoment(), b.firstMoment(), 1e-7);
    assertClose("second moment", a.secondMoment(), b.secondMoment(), 1e-9);
  }

  private static void assertClose(String what, float[] x, float[] y, double tol) {
    double worst = 0;
    int at = -1;
    for (int i = 0; i < x.length; i++) {
      double d = Math.abs(x[i] - y[i]) / Math.max(1, Math.abs(y[i]));
      if (d > worst) {
        worst = d;
        at = i;
      }
    }
    assertTrue(worst <= tol, what + ": worst difference " + worst + " at " + at);
  }
}
