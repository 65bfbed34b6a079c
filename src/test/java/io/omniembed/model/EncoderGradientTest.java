package io.omniembed.model;

import static io.omniembed.model.FiniteDifferences.checkParams;
import static io.omniembed.model.FiniteDifferences.dot;
import static io.omniembed.model.FiniteDifferences.gaussian;
import static io.omniembed.model.FiniteDifferences.randomize;

import io.omniembed.config.ModelConfig;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The whole encoder's backward (embeddings → blocks → pooling → projection → L2) vs finite differences. */
class EncoderGradientTest {

  @Test
  void everyParameterOfATinyEncoder() {
    ModelConfig config = ModelConfig.parse("""
        name = grad-check, vocab_size = 20, hidden = 8, layers = 2, heads = 2, ffn = 12,
        max_positions = 6, modalities = 2, output_dim = 5, layer_norm_eps = 1e-5, max_length = 6,
        matryoshka_dims = [5]
        """, "test");
    Encoder encoder = Encoder.randomInit(config, 1, DataType.DOUBLE);
    randomize(encoder.store(), 2, 0.3);
    // Token 3 repeats within and across sequences, so the scatter-add of the table is exercised.
    TokenBatch batch = TokenBatch.ofText(List.of(new int[] {1, 3, 4, 3, 2}, new int[] {1, 3, 2}));
    INDArray r = gaussian(3, 1, 2, 5);

    Workspace ws = new Workspace(DataType.DOUBLE);
    encoder.store().zeroGrads();
    encoder.forward(batch, ws, true);
    encoder.backward(batch, r, ws);

    checkParams(encoder.store(), () -> dot(encoder.forward(batch, new Workspace(DataType.DOUBLE),
        false), r), 10);
  }
}
