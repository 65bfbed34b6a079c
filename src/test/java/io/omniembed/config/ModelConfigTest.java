package io.omniembed.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ModelConfigTest {

  @Test
  void presetsLoadAndRoundTripThroughHocon() {
    for (String name : new String[] {"tiny", "small", "minilm-l6"}) {
      ModelConfig c = ModelConfig.preset(name);
      assertEquals(c, ModelConfig.parse(c.toHocon(), "round trip"));
    }
    ModelConfig minilm = ModelConfig.preset("minilm-l6");
    assertEquals(384, minilm.hidden());
    assertEquals(6, minilm.layers());
    assertEquals(12, minilm.heads());
    assertEquals(32, minilm.headDim());
  }

  @Test
  void unknownKeysAndBadValuesFail() {
    String rendered = ModelConfig.preset("tiny").toHocon();
    String base = rendered.substring(0, rendered.lastIndexOf('}'));
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> ModelConfig.parse(base + ", hiden = 3 }", "x.conf"));
    assertEquals("x.conf: unknown model config key 'hiden'", unknown.getMessage());
    IllegalArgumentException heads = assertThrows(IllegalArgumentException.class,
        () -> ModelConfig.parse(base + ", heads = 5 }", "x.conf"));
    assertEquals("model config: hidden (32) must be a multiple of heads (5)", heads.getMessage());
    IllegalArgumentException preset = assertThrows(IllegalArgumentException.class,
        () -> ModelConfig.preset("huge"));
    assertEquals("unknown model preset 'huge' (known: tiny, small, minilm-l6)",
        preset.getMessage());
  }
}
