package io.omniembed.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.omniembed.config.FrozenParameters;
import io.omniembed.config.ModelConfig;
import io.omniembed.data.Modality;
import io.omniembed.model.Encoder;
import io.omniembed.model.FiniteDifferences;
import io.omniembed.model.layer.ParamStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code train.frozen}: AdamW steps with gradients on every parameter leave the frozen ones
 * exactly as they were (update and decay), move every other one, and the frozen gradients are
 * dropped before clipping.
 */
class FrozenParametersTest {

  /** Which parameters a setting keeps: true for element {@code i} of {@code slot} if frozen. */
  private static boolean frozen(FrozenParameters f, ParamStore.Slot slot, long element) {
    if (slot.name().startsWith("media.")) {
      return false;
    }
    if (slot.name().equals("embeddings.modality")) {
      long row = element / slot.shape()[1];
      return row == Modality.TEXT.typeId() ? f.fixesText() : false;
    }
    return slot.name().equals("embeddings.token") ? f.fixesText() : f.fixesShared();
  }

  @Test
  void frozenParametersStayBitForBitAndTheOthersMove() {
    for (FrozenParameters f : FrozenParameters.values()) {
      Encoder e = Encoder.randomInit(ModelConfig.preset("tiny-media"), 3);
      ParamStore store = e.store();
      float[] before = store.toFloatArray();
      AdamW adam = new AdamW(store, 0.9, 0.999, 1e-8, 0.1,
          ParamGroups.of(store, true, 10, f));
      for (int step = 1; step <= 3; step++) {
        store.grads().assign(FiniteDifferences.gaussian(step, 1.0, store.size())
            .castTo(store.dataType()));
        adam.groups().dropFrozen(store);
        adam.step(store, 1e-2);
      }
      float[] after = store.toFloatArray();
      float[] grads = store.grads().toFloatVector();
      long frozenCount = 0;
      for (ParamStore.Slot s : store.slots()) {
        long wrong = 0;
        for (long i = 0; i < s.size(); i++) {
          int k = (int) (s.offset() + i);
          boolean fixed = frozen(f, s, i);
          frozenCount += fixed ? 1 : 0;
          if (fixed ? before[k] != after[k] || grads[k] != 0f : before[k] == after[k]) {
            wrong++;
          }
        }
        assertEquals(0, wrong, f + ": elements of " + s.name() + " that " + (f == FrozenParameters
            .NONE ? "stayed" : "moved while frozen, or stayed while training"));
      }
      assertEquals(f != FrozenParameters.NONE, frozenCount > 0, f + ": frozen " + frozenCount);
      assertEquals(f != FrozenParameters.NONE, adam.groups().anyFrozen());
    }
  }

  @Test
  void theTrainedParametersGetTheUpdateTheyGetWithNothingFrozen() {
    for (FrozenParameters f : List.of(FrozenParameters.TEXT, FrozenParameters.ALL_BUT_MEDIA)) {
      Encoder a = Encoder.randomInit(ModelConfig.preset("tiny-media"), 3);
      Encoder b = Encoder.randomInit(ModelConfig.preset("tiny-media"), 3);
      ParamGroups frozen = ParamGroups.of(a.store(), true, 10, f);
      AdamW withFrozen = new AdamW(a.store(), 0.9, 0.999, 1e-8, 0.1, frozen);
      AdamW plain = new AdamW(b.store(), 0.9, 0.999, 1e-8, 0.1,
          ParamGroups.of(b.store(), true, 10, FrozenParameters.NONE));
      for (int step = 1; step <= 3; step++) {
        var g = FiniteDifferences.gaussian(step, 1.0, a.store().size()).castTo(a.store()
            .dataType());
        a.store().grads().assign(g);
        b.store().grads().assign(g);
        withFrozen.step(a.store(), 1e-2);
        plain.step(b.store(), 1e-2);
      }
      float[] pa = a.store().toFloatArray();
      float[] pb = b.store().toFloatArray();
      for (ParamGroups.Span s : frozen.spans()) {
        for (long i = s.from(); i < s.to(); i++) {
          assertEquals(pb[(int) i], pa[(int) i], 1e-6f * Math.max(1f, Math.abs(pb[(int) i])),
              f + ": element " + i);
        }
      }
      assertTrue(frozen.spans().size() >= 1);
    }
  }

  @Test
  void unknownSettingsAreRefusedWithTheNames() {
    assertEquals("train.frozen must be one of none, text, all-but-media, got txt",
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> FrozenParameters.parse("txt")).getMessage());
  }
}
