package io.omniembed.train;

import io.omniembed.model.LoadedModel;

import io.omniembed.config.MediaSpec;
import io.omniembed.config.TrainConfig;
import io.omniembed.data.Seeds;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.io.HadoopFiles;
import io.omniembed.io.MediaSource;
import io.omniembed.io.Models;
import io.omniembed.io.Checkpoint;
import io.omniembed.model.Encoder;
import io.omniembed.model.ItemSequencer;
import io.omniembed.train.collective.Collective;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * One model replica of a training run: where it starts (the latest checkpoint under OUT, or
 * {@code --init} with the media towers asked for), its optimizer state, and the loop that trains
 * it on this worker's {@link ScheduledExample}s. Every replica of a run is set up the same way
 * from the same state, so all of them apply the same updates.
 */
public final class Replica {

  /**
   * What a replica is made from. {@code media}, when set, adds media towers (initialised from
   * the seed) to a text-only {@code init} model.
   */
  public record Spec(TrainConfig config, String init, String out, MediaSpec media)
      implements Serializable {}

  private Replica() {}

  /** The step to start after: that of the latest complete checkpoint under {@code out}, or 0. */
  public static int resumeStep(String out, Configuration conf) throws IOException {
    String latest = TrainingState.latest(out, conf);
    return latest == null ? 0 : TrainingState.read(latest, conf).step();
  }

  /**
   * Loads the replica at step {@code from} and trains it to the end on {@code rows} (this
   * worker's examples sorted by step and slot); returns the last loss.
   */
  public static double train(Iterator<ScheduledExample> rows, Spec spec, Collective c, int from,
      Configuration conf) throws IOException {
    TrainConfig cfg = spec.config();
    LoadedModel start = from > 0
        ? Checkpoint.load(HadoopFiles.child(spec.out(), "step-" + from), conf)
        : Models.trainable(spec.init(), cfg.seed(), conf);
    Encoder encoder = start.encoder();
    if (from == 0 && spec.media() != null) {
      encoder = withMedia(encoder, spec.media(), cfg.seed(), spec.init());
    }
    AdamW optimizer = new AdamW(encoder.store(), cfg.beta1(), cfg.beta2(), cfg.eps(),
        cfg.weightDecay());
    if (encoder.config().hasMedia()) {
      optimizer.scaleTail(encoder.store().slot("media.image.weight").offset(),
          cfg.mediaLrScale());
    }
    List<String> metrics = new ArrayList<>();
    if (from > 0) {
      TrainingState.Position pos = TrainingState.read(HadoopFiles.child(spec.out(),
          "step-" + from), conf);
      optimizer.restore(pos.firstMoment(), pos.secondMoment(), pos.optimizerSteps());
      if (c.rank() == 0) {
        metrics = previousMetrics(spec.out(), from, conf);
      }
    }
    TextTokenizer tokenizer = TextTokenizer.fromJson(start.tokenizerJson());
    int maxLength = Math.min(cfg.maxLength(), encoder.config().maxSequence());
    ItemSequencer sequencer = new ItemSequencer(tokenizer, encoder.config().media(),
        spec.init(), maxLength, encoder.config().maxSequence());
    long maxBytes = sequencer.media() == null ? Long.MAX_VALUE
        : sequencer.media().maxMediaBytes();
    Iterator<StepRows> batches = new StepStream(rows, cfg, c.rank(), c.size(), from, sequencer,
        (part, source) -> MediaSource.read(part, source, conf, maxBytes));
    return new TrainingRun(cfg, encoder, start.tokenizerJson(), start.card(),
        HadoopFiles.child(spec.out(), "final"), spec.out(), conf, c)
        .run(from, optimizer, metrics, batches);
  }

  /**
   * {@code encoder} with the media towers of {@code media}: added to a text-only model, kept when
   * the model already has exactly these, refused when it has others.
   */
  public static Encoder withMedia(Encoder encoder, MediaSpec media, long seed, String init) {
    MediaSpec has = encoder.config().media();
    if (has == null) {
      return encoder.withMedia(media, Seeds.mix(seed, 0x6d65646961L));
    }
    if (!has.equals(media)) {
      throw new IllegalArgumentException("--media: model " + init + " already has media towers"
          + " with other settings (" + has + "); leave --media out to keep them");
    }
    return encoder;
  }

  /** The metrics lines of steps up to {@code upTo} of an earlier attempt, kept on resume. */
  private static List<String> previousMetrics(String out, int upTo, Configuration conf)
      throws IOException {
    String path = HadoopFiles.child(out, "metrics.jsonl");
    List<String> kept = new ArrayList<>();
    if (!HadoopFiles.exists(path, conf)) {
      return kept;
    }
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    for (String line : HadoopFiles.readString(path, conf).split("\n")) {
      if (!line.isBlank() && json.readTree(line).path("step").asInt() <= upTo) {
        kept.add(line);
      }
    }
    return kept;
  }
}
