package io.omniembed.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ModelConfigTest {

  @Test
  void presetsLoadAndRoundTripThroughHocon() {
    for (String name : new String[] {"tiny", "tiny-media", "small", "minilm-l6"}) {
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
    assertEquals("unknown model preset 'huge' (known: tiny, tiny-media, small, minilm-l6)",
        preset.getMessage());
  }

  @Test
  void mediaSettingsAreOptionalTypedAndChecked() {
    ModelConfig text = ModelConfig.preset("tiny");
    ModelConfig media = ModelConfig.preset("tiny-media");
    assertEquals(null, text.media());
    assertEquals(MediaSpec.preset("tiny"), media.media());
    assertEquals(media.toHocon().replace("tiny-media", "tiny"),
        text.withMedia(MediaSpec.preset("tiny")).toHocon());
    assertEquals(4 * 4, media.media().videoPatches());
    String rendered = media.toHocon();
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> ModelConfig.parse(rendered.replace("\"video_frames\"", "\"video_frame\""),
            "m.conf"));
    assertEquals("m.conf media: unknown media config key 'video_frame'", unknown.getMessage());
    IllegalArgumentException patch = assertThrows(IllegalArgumentException.class,
        () -> ModelConfig.parse(rendered.replace("\"image_patch\" : 8",
            "\"image_patch\" : 5"), "m.conf"));
    assertEquals("media config: image_size (16) and video_size (16) must be multiples of their"
        + " patch sizes (5, 8)", patch.getMessage());
    IllegalArgumentException preset = assertThrows(IllegalArgumentException.class,
        () -> MediaSpec.preset("huge"));
    assertEquals("unknown media preset 'huge' (known: default, tiny)", preset.getMessage());
  }
}
