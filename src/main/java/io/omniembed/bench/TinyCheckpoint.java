package io.omniembed.bench;

import io.omniembed.config.ModelConfig;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.io.Checkpoint;
import io.omniembed.model.Encoder;
import org.apache.hadoop.conf.Configuration;

/**
 * Writes a randomly initialised checkpoint of a preset (default {@code tiny}), for benchmarks
 * whose subject is I/O or orchestration rather than the model.
 *
 * <pre>  java -cp ... io.omniembed.bench.TinyCheckpoint DIR [PRESET] [SEED]</pre>
 */
public final class TinyCheckpoint {

  private TinyCheckpoint() {}

  public static void main(String[] args) throws Exception {
    String preset = args.length > 1 ? args[1] : "tiny";
    long seed = args.length > 2 ? Long.parseLong(args[2]) : 7;
    Checkpoint.save(Encoder.randomInit(ModelConfig.preset(preset), seed),
        TextTokenizer.readBundled(), "random:" + preset, args[0], new Configuration());
    System.out.println("random:" + preset + " (seed " + seed + ") -> " + args[0]);
  }
}
